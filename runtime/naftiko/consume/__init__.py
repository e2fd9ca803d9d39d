"""Upstream HTTP: pooled sessions, request building, authentication (OAuth2 client
credentials, TLS), retries, limits, circuit breakers, the response cache, decoding, and what
a failed call becomes."""
