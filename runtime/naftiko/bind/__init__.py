"""Binds: secrets and settings resolved once at startup into values that redact themselves."""

from naftiko.bind.secret import Secret
from naftiko.bind.sources import placeholders, resolve

__all__ = ["Secret", "placeholders", "resolve"]
