"""An upstream answer as JSON-like data, by the operation's `outputRawFormat`."""

from __future__ import annotations

from naftiko import jsonio
from naftiko.errors import UpstreamInvalid, UpstreamResponse
from naftiko.formats import FORMATS, FormatError, convert
from naftiko.jsontypes import JSON


def decode(response: UpstreamResponse, fmt: str, namespace: str, what: str) -> JSON:
    """The answer as JSON-like data, converted from its `outputRawFormat` (formats.py); a
    json-format answer labelled text/plain is taken as text; a body that is not what it
    claims to be fails."""
    if not response.body or fmt == "binary":  # bytes are passed on as they came
        return None
    if fmt == "json":
        try:
            return jsonio.loads(response.body)
        except ValueError:
            kind = response.content_type.split(";")[0].strip().lower()
            if kind == "text/plain":
                return response.text()  # an API that says it answers text is taken at its word
            kind = kind or "unknown content type"
            raise UpstreamInvalid(
                f"upstream '{namespace}' answered {what} with a body that is not JSON ({kind})",
                response,
                hint="set outputRawFormat on the consumed operation if the API answers another "
                "format",
            ) from None
    if fmt.lower() in FORMATS:
        try:
            return convert(fmt, response.text())
        except FormatError as exc:
            raise UpstreamInvalid(
                f"upstream '{namespace}' answered {what} with a body that is {exc}",
                response,
                hint="check outputRawFormat on the consumed operation",
            ) from None
    return response.text()
