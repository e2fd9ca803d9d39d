"""Logging with secret redaction."""
