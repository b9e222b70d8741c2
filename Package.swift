// swift-tools-version: 6.1
import PackageDescription

// Layers (docs/architecture.md): C system libraries → one Swift wrapper per
// C library (Postgres, ObjectStore, Workbook) → Catalog / JobQueue →
// thin executables. Nothing imports upward.

let package = Package(
    name: "Pyramydal",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pyramydal", targets: ["pyramydal"]),
        .library(name: "Postgres", targets: ["Postgres"]),
        .library(name: "ObjectStore", targets: ["ObjectStore"]),
        .library(name: "Workbook", targets: ["Workbook"]),
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

        // MARK: one wrapper per C library
        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
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

        .target(
            name: "Workbook",
            dependencies: ["CZip", "CLibXML2", "CXlsxWriter", "CHaru", "Gzip"]
        ),

        .target(name: "Gzip", dependencies: ["CZlib"]),

        // Release-mode micro benchmark of the xlsx reader (not a test).
        .executableTarget(name: "WorkbookBench", dependencies: ["Workbook"]),

        // MARK: reports (CSV, XLSX, PDF renderers and their queries)
        .target(
            name: "Reports",
            dependencies: [
                "Postgres",
                "Workbook",
                "ObjectStore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        .executableTarget(
            name: "ExportWorker",
            dependencies: [
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
            dependencies: ["Postgres", "Workbook", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Ingest",
            dependencies: [
                "Catalog", "Postgres", "ObjectStore", "Workbook", "PyramydalRuntime",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
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
                "Snapshots", "Catalog", "JobQueue", "PyramydalRuntime", "Postgres",
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
                "Accounts", "Catalog", "Reports", "JobQueue", "Postgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // A symlink to docs/openapi.json, served at /api/openapi.json.
            resources: [.embedInCode("openapi.json")]
        ),
        // MARK: job queue (PostgreSQL queue, dispatcher, launchers, cron, intake)
        .target(
            name: "JobQueue",
            dependencies: [
                "Postgres",
                "ObjectStore",
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
                "Ingest", "Catalog", "JobQueue", "PyramydalRuntime", "Postgres", "ObjectStore", "Workbook",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "pyramydal",
            dependencies: [
                "Ingest", "Catalog", "Workbook",
                "PyramydalRuntime",
                "Reports",
                "Postgres",
                "ObjectStore",
                "JobQueue",
                "Snapshots",
                "Accounts",
                "Web",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: tests
        // Shared by the test targets that run the built executables (not a product).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "PostgresIntegrationTests", dependencies: ["Postgres"]),
        .testTarget(name: "ObjectStoreTests", dependencies: ["ObjectStore", "ChildProcess"]),
        .testTarget(name: "ObjectStoreIntegrationTests", dependencies: ["ObjectStore", "ChildProcess"]),
        .testTarget(name: "WorkbookTests", dependencies: ["Workbook", "ChildProcess"], exclude: ["Fixtures"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports"]),
        .testTarget(name: "ReportsIntegrationTests", dependencies: ["Reports", "Postgres", "Workbook", "ObjectStore", "ChildProcess"], exclude: ["Scripts"]),
        .testTarget(name: "CatalogIntegrationTests", dependencies: ["Catalog", "Postgres"]),
        .testTarget(
            name: "IngestIntegrationTests",
            dependencies: ["Ingest", "Catalog", "Postgres", "ObjectStore", "Workbook", "PyramydalRuntime", "ChildProcess", "TestSupport"]
        ),
        .testTarget(name: "PyramydalRuntimeTests", dependencies: ["PyramydalRuntime", "Postgres", "ObjectStore", "ChildProcess", "TestSupport"]),
        .testTarget(name: "JobQueueTests", dependencies: ["JobQueue"]),
        // The main job with the built binaries (pyramydal, IngestWorker, ExportWorker).
        .testTarget(name: "PipelineIntegrationTests", dependencies: ["Postgres", "ChildProcess", "TestSupport"]),
        // Version diff (terminal, XLSX report job) and the audit log, with the built binaries.
        .testTarget(name: "DiffIntegrationTests", dependencies: ["Reports", "Catalog", "Postgres", "ObjectStore", "JobQueue", "ChildProcess", "TestSupport"],
                    exclude: ["Scripts"]),
        .testTarget(name: "JobQueueIntegrationTests", dependencies: ["JobQueue", "Postgres", "ObjectStore", "ChildProcess"], exclude: ["Fixtures"]),
        .testTarget(name: "GzipTests", dependencies: ["Gzip"]),
        .testTarget(
            name: "WebIntegrationTests",
            dependencies: [
                "Web", "Accounts", "Catalog", "Postgres", "JobQueue", "ChildProcess", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(name: "SnapshotIntegrationTests", dependencies: ["Snapshots", "Catalog", "Postgres", "ObjectStore", "JobQueue", "ChildProcess", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
