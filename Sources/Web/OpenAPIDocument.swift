/// `docs/openapi.json` (OpenAPI 3.1), compiled into the binary from the
/// symlink `Sources/Web/openapi.json` and served at `/api/openapi.json`.
enum OpenAPIDocument {
    static let json = String(decoding: PackageResources.openapi_json, as: UTF8.self)
}
