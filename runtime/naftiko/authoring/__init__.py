"""Writing capabilities: starters (`naftiko init`)."""
