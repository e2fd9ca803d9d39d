"""TLS to one upstream: a private CA instead of the system's, and a client certificate.

Built once at load from `x-naftiko-tls` (PEM files beside the capability); a file that is
missing or does not hold what it should is a load error naming the file, never a failure
at the first call.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping

from naftiko.errors import NaftikoError


def tls_context(namespace: str, files: Mapping[str, str]) -> ssl.SSLContext | None:
    """The context for ``namespace``'s connections; None keeps the default (system CAs)."""
    if not files:
        return None
    where = f"consumes '{namespace}': x-naftiko-tls"
    try:
        context = ssl.create_default_context(cafile=files.get("ca"))
    except (OSError, ssl.SSLError) as exc:
        raise NaftikoError(
            f"{where}: ca {files.get('ca')} is not a readable PEM file of CA certificates "
            f"({_reason(exc)})",
            hint="paths are relative to the capability file",
        ) from None
    certificate = files.get("certificate")
    if certificate:
        try:
            context.load_cert_chain(certificate, files.get("key"))
        except (OSError, ssl.SSLError) as exc:
            raise NaftikoError(
                f"{where}: certificate {certificate} (key {files.get('key') or 'in the same file'})"
                f" cannot be loaded ({_reason(exc)})",
                hint="give the client certificate and its private key as PEM files",
            ) from None
    elif files.get("key"):
        raise NaftikoError(f"{where}: a key without a certificate", hint="add certificate:")
    return context


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or getattr(exc, "reason", None) or type(exc).__name__
