"""What a running capability tells: logs with secret redaction, the access line, Prometheus
metrics, and OpenTelemetry traces (spans, the local ring, OTLP export)."""
