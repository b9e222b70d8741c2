// swift-tools-version: 6.1
import PackageDescription

// Layers (docs/architecture.md): C system libraries → one Swift wrapper per
// C library (Postgres, ObjectStore, XLSXReader, XLSXWriter, PDF, Gzip), all
// over Basics → Catalog / JobQueue → thin executables. Nothing imports upward.

// The ingest's hot path (the sheet scanner, type inference, the COPY
// encoder) in release builds: no dynamic exclusivity checks, which cost
// ~3% of an ingest's CPU in the scanner's and tokenizer's class state.
// Debug builds (and so every test run) keep them.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "Pyramydal",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pyramydal", targets: ["pyramydal"]),
        .library(name: "Postgres", targets: ["Postgres"]),
        .library(name: "ObjectStore", targets: ["ObjectStore"]),
        .library(name: "XLSXReader", targets: ["XLSXReader"]),
        .library(name: "XLSXWriter", targets: ["XLSXWriter"]),
        .library(name: "PDF", targets: ["PDF"]),
        .library(name: "ChildProcess", targets: ["ChildProcess"]),
        .library(name: "JobQueue", targets: ["JobQueue"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.3.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // MARK: C libraries (Debian packages; module.modulemap + one header each)
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CZip", pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CXlsxWriter", pkgConfig: "xlsxwriter", providers: [.apt(["libxlsxwriter-dev"])]),
        .systemLibrary(name: "CHaru", providers: [.apt(["libhpdf-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // MARK: child processes without Foundation.Process (posix_spawn + waitpid)
        .target(name: "ChildProcess"),

        // MARK: pure-Swift helpers shared low in the stack (no C library, no Foundation)
        .target(name: "Basics"),

        // MARK: one wrapper per C library
        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
                "Basics",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ObjectStore",
            dependencies: [
                "CCurl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The xlsx reader is the one target without Foundation: libxml2's
        // headers bring ICU's, which clash with Foundation's own.
        .target(name: "XLSXReader", dependencies: ["CZip", "CLibXML2", "Gzip", "Basics"], swiftSettings: hotPath),
        .target(name: "XLSXWriter", dependencies: ["CXlsxWriter", "CZip", "Basics"]),
        .target(name: "PDF", dependencies: ["CHaru", "Gzip", "Basics"]),

        .target(name: "Gzip", dependencies: ["CZlib"]),

        // Release-mode micro benchmark of the xlsx reader (not a test).
        .executableTarget(name: "WorkbookBench", dependencies: ["XLSXReader"]),

        // MARK: each job kind's arguments and result (Codable values, no dependencies)
        .target(name: "JobContracts"),

        // MARK: reports (CSV, XLSX, PDF renderers and their queries)
        .target(
            name: "Reports",
            dependencies: [
                "Catalog",
                "Gzip",
                "JobContracts",
                "Postgres",
                "Basics",
                "XLSXWriter",
                "PDF",
                "ObjectStore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        .executableTarget(
            name: "ExportWorker",
            dependencies: [
                "JobContracts",
                "WorkerSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "Reports",
                "Catalog",
                "JobQueue",
                "PyramydalRuntime",
                "Postgres",
                "ObjectStore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: configuration and the embedded stack shared by the CLI and workers
        .target(
            name: "PyramydalRuntime",
            dependencies: [
                "Catalog",
                "ChildProcess",
                "Postgres",
                "ObjectStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: the platform schema and the ingest pipeline
        .target(
            name: "Catalog",
            dependencies: ["Postgres", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Ingest",
            dependencies: [
                "Catalog", "Postgres", "ObjectStore", "XLSXReader", "Basics", "PyramydalRuntime",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: hotPath
        ),
        // MARK: snapshots (write, retention, restore) and their worker
        .target(
            name: "Snapshots",
            dependencies: [
                "Catalog", "Postgres", "ObjectStore", "Gzip",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "SnapshotWorker",
            dependencies: [
                "Snapshots", "Catalog", "JobContracts", "JobQueue", "PyramydalRuntime", "Postgres", "WorkerSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // MARK: accounts (users, sessions, API tokens, department grants) and the HTTP API
        .target(
            name: "Accounts",
            dependencies: [
                "Postgres",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ]
        ),
        .target(
            name: "Web",
            dependencies: [
                "Accounts", "Basics", "Catalog", "Reports", "JobQueue", "Postgres", "ObjectStore", "Snapshots", "JobContracts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            exclude: ["Static/htmx-2.min.js.NOTICE.md"],
            // openapi.json: a symlink to docs/openapi.json, served at /api/openapi.json;
            // the pages' templates and static files (htmx, the stylesheet).
            resources: [
                .embedInCode("openapi.json"),
                .embedInCode("Templates/layout.mustache"), .embedInCode("Templates/login.mustache"),
                .embedInCode("Templates/home.mustache"), .embedInCode("Templates/notice.mustache"),
                .embedInCode("Templates/count.mustache"), .embedInCode("Templates/versions.mustache"),
                .embedInCode("Templates/table.mustache"), .embedInCode("Templates/rows.mustache"),
                .embedInCode("Templates/upload.mustache"), .embedInCode("Templates/job.mustache"),
                .embedInCode("Templates/jobstatus.mustache"), .embedInCode("Templates/activity.mustache"),
                .embedInCode("Templates/jobs.mustache"),
                .embedInCode("Templates/diff.mustache"), .embedInCode("Templates/confirm.mustache"),
                .embedInCode("Templates/reports.mustache"), .embedInCode("Templates/print.mustache"),
                .embedInCode("Templates/admin.mustache"), .embedInCode("Templates/admindept.mustache"),
                .embedInCode("Templates/password.mustache"),
                .embedInCode("Static/htmx-2.min.js"), .embedInCode("Static/pages.css"), .embedInCode("Static/favicon.svg"),
                .embedInCode("Static/print.css"),
            ]
        ),
        // MARK: job queue (PostgreSQL queue, dispatcher, launchers, cron, intake)
        .target(
            name: "JobQueue",
            dependencies: [
                "ChildProcess",
                "JobContracts",
                "Postgres",
                "ObjectStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // MARK: the production dispatcher: intakes (incoming/, S3 events) that know job contracts, audit, launchers chosen by configuration
        .target(
            name: "Dispatching",
            dependencies: [
                "JobQueue", "JobContracts", "Catalog", "PyramydalRuntime", "ObjectStore", "Postgres",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // MARK: the one entry point of the worker executables (job or command line, exit codes)
        .target(
            name: "WorkerSupport",
            dependencies: [
                "JobQueue", "PyramydalRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A trivial worker (sleeps, exits with a given code) for launcher tests and the launch-path benchmark.
        .executableTarget(
            name: "pyramydal-test-worker",
            dependencies: ["JobQueue", .product(name: "Logging", package: "swift-log")]
        ),
        // Release-mode queue benchmark (not a test): bench/queue/run.sh.
        .executableTarget(
            name: "JobQueueBench",
            dependencies: ["JobQueue", "Postgres", .product(name: "Logging", package: "swift-log")]
        ),

        // MARK: executables
        .executableTarget(
            name: "IngestWorker",
            dependencies: [
                "Ingest", "Catalog", "JobContracts", "JobQueue", "PyramydalRuntime", "Postgres", "ObjectStore",
                "WorkerSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "pyramydal",
            dependencies: [
                "Ingest", "Catalog", "XLSXWriter",
                "JobContracts",
                "PyramydalRuntime",
                "Reports",
                "Postgres",
                "ObjectStore",
                "JobQueue",
                "Dispatching",
                "Snapshots",
                "Accounts",
                "Web",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: tests
        // Shared by the test targets (not a product): the built executables,
        // the reader's fixture workbooks, a process runner.
        .target(name: "TestSupport", dependencies: ["ChildProcess", "XLSXReader"], path: "Tests/TestSupport"),
        .testTarget(name: "PostgresIntegrationTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "ObjectStoreTests", dependencies: ["ObjectStore", "ChildProcess"]),
        .testTarget(name: "ObjectStoreIntegrationTests", dependencies: ["ObjectStore", "ChildProcess"]),
        .testTarget(name: "XLSXReaderTests", dependencies: ["XLSXReader", "Gzip", "Basics", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "XLSXWriterTests", dependencies: ["XLSXWriter", "TestSupport"]),
        .testTarget(name: "PDFTests", dependencies: ["PDF", "ChildProcess"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "XLSXReader", "XLSXWriter", "Basics", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Catalog", "Postgres", "Basics"]),
        .testTarget(name: "ReportsIntegrationTests", dependencies: ["Reports", "Catalog", "Postgres", "XLSXWriter", "ObjectStore", "ChildProcess", "TestSupport"], exclude: ["Scripts"]),
        .testTarget(name: "CatalogIntegrationTests", dependencies: ["Catalog", "Postgres", "TestSupport"]),
        .testTarget(
            name: "IngestIntegrationTests",
            dependencies: ["Ingest", "Catalog", "Postgres", "ObjectStore", "XLSXReader", "XLSXWriter", "PyramydalRuntime", "ChildProcess", "Reports", "TestSupport"]
        ),
        .testTarget(name: "PyramydalRuntimeTests", dependencies: ["PyramydalRuntime", "Catalog", "Postgres", "ObjectStore", "ChildProcess", "TestSupport"]),
        // The embedded PostgreSQL cluster, started from the system's server binaries.
        .testTarget(name: "PyramydalRuntimeIntegrationTests", dependencies: ["PyramydalRuntime", "Postgres", "TestSupport"]),
        // The built `pyramydal` binary: exit statuses, messages, no secrets on the terminal.
        .testTarget(name: "CLIIntegrationTests", dependencies: ["PyramydalRuntime", "TestSupport"]),
        .testTarget(name: "JobQueueTests", dependencies: ["JobQueue", "JobContracts", "Dispatching"]),
        // The main job with the built binaries (pyramydal, IngestWorker, ExportWorker).
        .testTarget(name: "PipelineIntegrationTests", dependencies: ["Postgres", "ChildProcess", "TestSupport"]),
        // Version diff (terminal, XLSX report job) and the audit log, with the built binaries.
        .testTarget(name: "DiffIntegrationTests", dependencies: ["Reports", "Catalog", "Postgres", "ObjectStore", "JobQueue", "ChildProcess", "TestSupport"],
                    exclude: ["Scripts"]),
        .testTarget(name: "JobQueueIntegrationTests", dependencies: ["JobQueue", "Dispatching", "Postgres", "ObjectStore", "ChildProcess", "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "GzipTests", dependencies: ["Gzip"]),
        .testTarget(
            name: "WebIntegrationTests",
            dependencies: [
                "Web", "Accounts", "Catalog", "Postgres", "JobQueue", "ObjectStore", "ChildProcess", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Scripts"]
        ),
        .testTarget(name: "SnapshotIntegrationTests", dependencies: ["Snapshots", "Catalog", "Postgres", "ObjectStore", "JobQueue", "ChildProcess", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
