"""Servers that expose a capability: REST today; each adapter calls only the engine."""
