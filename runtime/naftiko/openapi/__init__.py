"""OpenAPI in and out: the REST adapter's document (exporter); importing comes later."""
