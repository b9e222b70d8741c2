import Hummingbird

/// The pages' static files, compiled into the binary: htmx 2.0.10
/// (`Static/htmx-2.min.js`, see its NOTICE), our stylesheets (the pages', the print view's) and icon. No
/// session needed (the sign-in page uses them); anything else is 404.
enum StaticFiles {
    static let files: [String: (type: String, bytes: [UInt8])] = [
        "htmx-2.min.js": ("text/javascript; charset=utf-8", PackageResources.htmx_2_min_js),
        "pages.css": ("text/css; charset=utf-8", PackageResources.pages_css),
        "print.css": ("text/css; charset=utf-8", PackageResources.print_css),
        "favicon.svg": ("image/svg+xml", PackageResources.favicon_svg),
    ]

    @Sendable static func serve(_ request: Request, context: WebRequestContext) async throws -> Response {
        guard let name = context.parameters.get("file"), let file = files[name] else {
            throw Problem.notFound("static file")
        }
        return Response(status: .ok, headers: [.contentType: file.type, .cacheControl: "max-age=3600"],
                        body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}
