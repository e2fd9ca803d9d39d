"""Servers that expose a capability: the REST, MCP (HTTP and stdio), skill and control
adapters, the HTTP kit they share (guard, CORS, auth, OAuth, limits, deadlines, problems,
pages), and the assembly, serving, reload and worker orchestration that starts them. Each
adapter reads the plan and calls only the engine."""
