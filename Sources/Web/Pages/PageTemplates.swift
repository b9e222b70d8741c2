import Mustache

/// The pages' swift-mustache templates, compiled into the binary from
/// `Sources/Web/Templates/*.mustache` (`.embedInCode` resources, so a clean
/// `swift build` needs nothing beside the sources). Every template escapes
/// what it prints (`{{…}}`); none uses `{{{…}}}`.
enum PageTemplates {
    static let sources: [(name: String, bytes: [UInt8])] = [
        ("layout", PackageResources.layout_mustache), ("login", PackageResources.login_mustache),
        ("home", PackageResources.home_mustache), ("notice", PackageResources.notice_mustache),
        ("count", PackageResources.count_mustache), ("versions", PackageResources.versions_mustache),
        ("table", PackageResources.table_mustache), ("rows", PackageResources.rows_mustache),
        ("upload", PackageResources.upload_mustache), ("job", PackageResources.job_mustache),
        ("jobstatus", PackageResources.jobstatus_mustache), ("activity", PackageResources.activity_mustache),
        ("jobs", PackageResources.jobs_mustache),
        ("diff", PackageResources.diff_mustache), ("confirm", PackageResources.confirm_mustache),
        ("reports", PackageResources.reports_mustache), ("print", PackageResources.print_mustache),
        ("admin", PackageResources.admin_mustache), ("admindept", PackageResources.admindept_mustache),
        ("password", PackageResources.password_mustache),
    ]

    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, bytes) in sources {
            do {
                try library.register(String(decoding: bytes, as: UTF8.self), named: name)
            } catch {
                // The templates are part of the source: a broken one is a bug the first test finds.
                preconditionFailure("template \(name).mustache does not parse: \(error)")
            }
        }
        return library
    }()

    /// `object` rendered with template `name`.
    static func render(_ object: Any, _ name: String) -> String {
        guard let text = library.render(object, withTemplate: name) else {
            preconditionFailure("no template \(name).mustache")
        }
        return text
    }
}
