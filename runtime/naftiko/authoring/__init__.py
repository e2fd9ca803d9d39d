"""Writing and shipping capabilities: starters (`init`), OpenAPI import, the beta5 dialect
and its migration, lint and SARIF, `inspect`, and the deploy files (`deploy`)."""
