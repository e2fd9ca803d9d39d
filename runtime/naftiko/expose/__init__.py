"""Servers that expose a capability: the REST, MCP (HTTP and stdio), skill and control
adapters, the pages, and the HTTP kit they share (guard, CORS, auth, OAuth, digest, limits,
deadlines, problems). Each adapter reads the plan and calls only the engine; `serve/`
assembles and starts them."""
