public import Catalog
import Foundation
public import Logging

/// Everything Pyramydal reads from its environment, parsed once at start.
///
/// Build it with ``fromProcessEnvironment()`` in executables and with
/// ``init(environment:currentDirectory:)`` in tests. Every `PYRAMYDAL_*`
/// variable has a documented default (docs/configuration.md); an empty value
/// counts as unset. A value that can't be used throws a ``ConfigurationError``
/// naming the variable. ``description`` hides passwords.
public struct Configuration: Sendable, Hashable, CustomStringConvertible {
    /// Variable names, in the order they are documented and printed.
    public enum Variable {
        public static let home = "PYRAMYDAL_HOME"
        public static let databaseURL = "PYRAMYDAL_DATABASE_URL"
        public static let store = "PYRAMYDAL_STORE"
        public static let s3Endpoint = "PYRAMYDAL_S3_ENDPOINT"
        public static let s3Region = "PYRAMYDAL_S3_REGION"
        public static let s3Addressing = "PYRAMYDAL_S3_ADDRESSING"
        public static let s3MultipartThresholdMB = "PYRAMYDAL_S3_MULTIPART_THRESHOLD_MB"
        public static let s3PartSizeMB = "PYRAMYDAL_S3_PART_SIZE_MB"
        public static let logLevel = "PYRAMYDAL_LOG_LEVEL"
        public static let logFormat = "PYRAMYDAL_LOG_FORMAT"
        public static let postgresBin = "PYRAMYDAL_PG_BIN"
        public static let catalogSchema = CatalogSchemas.catalogVariable
        public static let dataSchema = CatalogSchemas.dataVariable

        public static let all = [
            home, databaseURL, store, s3Endpoint, s3Region, s3Addressing,
            s3MultipartThresholdMB, s3PartSizeMB, logLevel, logFormat, postgresBin, catalogSchema, dataSchema,
        ] + JobSettings.Variable.all
    }

    /// Absolute directory holding the embedded cluster and the default store.
    public var home: String
    /// A libpq connection string; `nil` means: use the embedded cluster.
    public var databaseURL: String?
    /// Where objects live.
    public var store: StoreLocation
    /// How to reach S3 when ``store`` is `.s3`.
    public var s3: S3Settings
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    /// Directory with `initdb`, `pg_ctl`, `psql`…; `nil` when none was found
    /// (fine as long as ``databaseURL`` is set).
    public var postgresBinDirectory: String?
    /// The catalog's and the data tables' schemas (`PYRAMYDAL_CATALOG_SCHEMA`,
    /// `PYRAMYDAL_DATA_SCHEMA`); every ``Catalog`` of the process is made from these.
    public var catalogSchemas: CatalogSchemas
    /// The job queue and dispatcher (JobSettings.swift).
    public var jobs: JobSettings
    /// The variables that were set (non-empty) rather than defaulted.
    public var explicitlySet: Set<String>

    /// The embedded default for ``store``: `<home>/store`.
    public var defaultStorePath: String { home + "/store" }

    /// Reads the `PYRAMYDAL_*` variables of this process.
    public static func fromProcessEnvironment() throws(ConfigurationError) -> Configuration {
        try Configuration(environment: ProcessInfo.processInfo.environment)
    }

    /// Parses `environment`; relative paths resolve against `currentDirectory`
    /// (default: the process's current directory).
    public init(environment: [String: String], currentDirectory: String? = nil) throws(ConfigurationError) {
        var reader = EnvironmentReader(environment)
        let cwd = currentDirectory ?? FileManager.default.currentDirectoryPath

        home = PathUtilities.absolute(reader.value(Variable.home) ?? ".pyramydal", relativeTo: cwd)

        if let url = reader.value(Variable.databaseURL) {
            try Self.validateDatabaseURL(url)
            databaseURL = url
        } else {
            databaseURL = nil
        }

        if let value = reader.value(Variable.store) {
            store = try StoreLocation.parse(value, variable: Variable.store)
        } else {
            store = .directory(path: home + "/store")
        }

        s3 = try S3Settings(reader: &reader)

        if let value = reader.value(Variable.logLevel) {
            guard let level = Logger.Level(rawValue: value.lowercased()) else {
                throw ConfigurationError(
                    code: .invalidValue, variable: Variable.logLevel, value: value,
                    reason: "expected one of trace, debug, info, notice, warning, error, critical")
            }
            logLevel = level
        } else {
            logLevel = .info
        }

        if let value = reader.value(Variable.logFormat) {
            guard let format = LogFormat(rawValue: value.lowercased()) else {
                throw ConfigurationError(
                    code: .invalidValue, variable: Variable.logFormat, value: value,
                    reason: "expected text or json")
            }
            logFormat = format
        } else {
            logFormat = .text
        }

        if let value = reader.value(Variable.postgresBin) {
            let directory = PathUtilities.absolute(value, relativeTo: cwd)
            guard FileManager.default.isExecutableFile(atPath: directory + "/pg_ctl") else {
                throw ConfigurationError(
                    code: .notFound, variable: Variable.postgresBin, value: value,
                    reason: "no executable pg_ctl in this directory")
            }
            postgresBinDirectory = directory
        } else {
            postgresBinDirectory = PostgresBinaries.defaultDirectory(searchPath: environment["PATH"])
        }

        let defaultSchemas = CatalogSchemas()
        catalogSchemas = CatalogSchemas(catalog: reader.value(Variable.catalogSchema) ?? defaultSchemas.catalog,
                                        data: reader.value(Variable.dataSchema) ?? defaultSchemas.data)

        jobs = try JobSettings(reader: &reader, environment: environment, currentDirectory: cwd)

        explicitlySet = reader.seen
    }

    /// libpq accepts URLs (`postgres://`, `postgresql://`) and keyword/value
    /// strings (`host=… dbname=…`); reject anything else early, with the
    /// password hidden in the message.
    private static func validateDatabaseURL(_ url: String) throws(ConfigurationError) {
        func invalid(_ reason: String) -> ConfigurationError {
            ConfigurationError(
                code: .invalidValue, variable: Variable.databaseURL,
                value: Redaction.redactingSecrets(in: url), reason: reason)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            let rest = url.drop(while: { $0 != ":" }).dropFirst(3)
            if rest.contains(where: { $0 == " " || $0 == "\n" }) {
                throw invalid("a URL can't contain spaces; percent-encode them (%20)")
            }
            return
        }
        if url.contains("://") {
            throw invalid("expected a postgresql:// URL or a libpq keyword/value string")
        }
        if url.contains("=") { return }
        throw invalid("expected a postgresql:// URL or a libpq keyword/value string")
    }

    // MARK: printing

    /// One `NAME=value` line per variable, passwords replaced by `***`;
    /// `(default)` marks values that weren't set.
    public var redactedSummary: String {
        func line(_ name: String, _ value: String) -> String {
            let marker = explicitlySet.contains(name) ? "" : "  (default)"
            return "\(name)=\(value)\(marker)"
        }
        var lines: [String] = []
        lines.append(line(Variable.home, home))
        lines.append(
            line(
                Variable.databaseURL,
                databaseURL.map { Redaction.redactingSecrets(in: $0) } ?? "(unset: embedded cluster under \(home)/postgres)"))
        lines.append(line(Variable.store, store.description))
        lines.append(
            line(Variable.s3Endpoint, s3.endpoint.map { Redaction.redactingSecrets(in: $0) } ?? "(unset: AWS)"))
        lines.append(line(Variable.s3Region, s3.region))
        lines.append(line(Variable.s3Addressing, s3.addressing.rawValue))
        lines.append(line(Variable.s3MultipartThresholdMB, String(s3.multipartThreshold / S3Settings.mebibyte)))
        lines.append(line(Variable.s3PartSizeMB, String(s3.partSize / S3Settings.mebibyte)))
        lines.append(line(Variable.logLevel, logLevel.rawValue))
        lines.append(line(Variable.logFormat, logFormat.rawValue))
        lines.append(line(Variable.postgresBin, postgresBinDirectory ?? "(not found)"))
        lines.append(line(Variable.catalogSchema, catalogSchemas.catalog))
        lines.append(line(Variable.dataSchema, catalogSchemas.data))
        lines += jobs.summaryLines.map { line($0.0, $0.1) }
        return lines.joined(separator: "\n")
    }

    public var description: String { redactedSummary }
}

/// How log lines are written to standard error.
public enum LogFormat: String, Sendable, Hashable, CaseIterable {
    /// `timestamp level label: message key=value…`
    case text
    /// One JSON object per line.
    case json
}

/// Reads variables, treating empty values as unset and remembering which were set.
struct EnvironmentReader {
    private let environment: [String: String]
    private(set) var seen: Set<String> = []

    init(_ environment: [String: String]) { self.environment = environment }

    mutating func value(_ name: String) -> String? {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty
        else { return nil }
        seen.insert(name)
        return value
    }

    /// A variable outside our prefix (e.g. `AWS_REGION`), not recorded as set.
    func foreign(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }
}
