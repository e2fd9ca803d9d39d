"""OpenAPI in and out: the REST adapter's document (exporter), capabilities from a
document (importer, its schemas and paging), a document served as a mock upstream, and the
`$ref`s of both kinds (resolver, refs)."""
