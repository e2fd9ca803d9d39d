"""Upstream HTTP: pooled sessions, request building, authentication."""
