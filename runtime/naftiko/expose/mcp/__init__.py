"""The MCP adapter: protocol (transport-free), tools, resources and prompts, HTTP and stdio."""
