import Catalog
import Logging
import Testing

@testable import PyramydalRuntime

@Suite("Configuration from PYRAMYDAL_* variables")
struct ConfigurationTests {
    let cwd = "/work/project"

    func parse(_ environment: [String: String]) throws -> Configuration {
        try Configuration(environment: environment, currentDirectory: cwd)
    }

    /// The error thrown for `environment`, or a failed expectation.
    func error(_ environment: [String: String]) -> ConfigurationError? {
        #expect(throws: ConfigurationError.self) { try parse(environment) }
        do {
            _ = try parse(environment)
            return nil
        } catch {
            return error as? ConfigurationError
        }
    }

    @Test func defaults() throws {
        let configuration = try parse([:])
        #expect(configuration.home == "/work/project/.pyramydal")
        #expect(configuration.databaseURL == nil)
        #expect(configuration.store == .directory(path: "/work/project/.pyramydal/store"))
        #expect(configuration.s3.endpoint == nil)
        #expect(configuration.s3.region == "us-east-1")
        #expect(configuration.s3.addressing == .virtual)
        #expect(configuration.s3.multipartThreshold == 64 * 1024 * 1024)
        #expect(configuration.s3.partSize == 16 * 1024 * 1024)
        #expect(configuration.logLevel == .info)
        #expect(configuration.logFormat == .text)
        #expect(configuration.explicitlySet.isEmpty)
        // This machine has Debian's PostgreSQL packages.
        #expect(configuration.postgresBinDirectory?.hasPrefix("/usr/lib/postgresql/") == true)
    }

    @Test func catalogSchemas() throws {
        #expect(try parse([:]).catalogSchemas == CatalogSchemas(catalog: "pyramydal", data: "data"))
        let configuration = try parse(["PYRAMYDAL_CATALOG_SCHEMA": "cat", "PYRAMYDAL_DATA_SCHEMA": "rows"])
        #expect(configuration.catalogSchemas == CatalogSchemas(catalog: "cat", data: "rows"))
        #expect(configuration.explicitlySet == ["PYRAMYDAL_CATALOG_SCHEMA", "PYRAMYDAL_DATA_SCHEMA"])
    }

    @Test func emptyValuesCountAsUnset() throws {
        let configuration = try parse(["PYRAMYDAL_STORE": "", "PYRAMYDAL_LOG_LEVEL": "  ", "PYRAMYDAL_DATABASE_URL": ""])
        #expect(configuration.store == .directory(path: "/work/project/.pyramydal/store"))
        #expect(configuration.logLevel == .info)
        #expect(configuration.databaseURL == nil)
    }

    @Test func homeIsMadeAbsoluteAndNormalised() throws {
        #expect(try parse(["PYRAMYDAL_HOME": "state/../data/./pyr"]).home == "/work/project/data/pyr")
        let absolute = try parse(["PYRAMYDAL_HOME": "/srv/pyramydal/"])
        #expect(absolute.home == "/srv/pyramydal")
        #expect(absolute.store == .directory(path: "/srv/pyramydal/store"))
        #expect(absolute.explicitlySet == ["PYRAMYDAL_HOME"])
    }

    @Test func databaseURL() throws {
        let url = "postgresql://app:s3cret@db.internal:5432/pyramydal?sslmode=require"
        #expect(try parse(["PYRAMYDAL_DATABASE_URL": url]).databaseURL == url)
        let keywords = "host=/var/run/postgresql dbname=pyramydal"
        #expect(try parse(["PYRAMYDAL_DATABASE_URL": keywords]).databaseURL == keywords)
    }

    @Test func badDatabaseURLNamesTheVariableButNotThePassword() throws {
        let bad = try #require(error(["PYRAMYDAL_DATABASE_URL": "mysql://root:hunter2@db/x"]))
        #expect(bad.variable == "PYRAMYDAL_DATABASE_URL")
        #expect(bad.code == .invalidValue)
        #expect(bad.description.hasPrefix("PYRAMYDAL_DATABASE_URL: "))
        #expect(!bad.description.contains("hunter2"))
        #expect(bad.description.contains("mysql://root:***@db/x"))
        #expect(error(["PYRAMYDAL_DATABASE_URL": "just-a-word"])?.variable == "PYRAMYDAL_DATABASE_URL")
    }

    @Test func stores() throws {
        #expect(try parse(["PYRAMYDAL_STORE": "s3://acme-data"]).store == .s3(bucket: "acme-data", prefix: ""))
        #expect(
            try parse(["PYRAMYDAL_STORE": "s3://acme-data/pyramydal/prod/"]).store
                == .s3(bucket: "acme-data", prefix: "pyramydal/prod"))
        #expect(try parse(["PYRAMYDAL_STORE": "file:///srv/drop%20box/"]).store == .directory(path: "/srv/drop box"))
        #expect(StoreLocation.s3(bucket: "b-1", prefix: "p/q").description == "s3://b-1/p/q")
    }

    @Test(arguments: [
        "ftp://host/x", "s3://", "s3://UpperCase", "s3://ab", "s3://-bucket", "s3://a..b/x", "s3://bucket/a//b",
        "file://relative/path", "/plain/path", "file:///bad%zzescape",
    ])
    func badStoresNameTheVariable(value: String) throws {
        let bad = try #require(error(["PYRAMYDAL_STORE": value]))
        #expect(bad.variable == "PYRAMYDAL_STORE")
        #expect(bad.value == value)
        #expect(bad.description.hasPrefix("PYRAMYDAL_STORE: "))
        #expect(bad.description.contains(value))
    }

    @Test func s3Settings() throws {
        let configuration = try parse([
            "PYRAMYDAL_STORE": "s3://bucket",
            "PYRAMYDAL_S3_ENDPOINT": "http://127.0.0.1:55000/",
            "PYRAMYDAL_S3_REGION": "eu-west-1",
            "PYRAMYDAL_S3_MULTIPART_THRESHOLD_MB": "100",
            "PYRAMYDAL_S3_PART_SIZE_MB": "5",
        ])
        #expect(configuration.s3.endpoint == "http://127.0.0.1:55000")
        #expect(configuration.s3.region == "eu-west-1")
        // An endpoint makes path-style the default.
        #expect(configuration.s3.addressing == .path)
        #expect(configuration.s3.multipartThreshold == 100 * 1024 * 1024)
        #expect(configuration.s3.partSize == 5 * 1024 * 1024)

        let virtual = try parse(["PYRAMYDAL_S3_ENDPOINT": "https://minio.local", "PYRAMYDAL_S3_ADDRESSING": "VIRTUAL"])
        #expect(virtual.s3.addressing == .virtual)
        #expect(try parse(["PYRAMYDAL_S3_ADDRESSING": "path"]).s3.addressing == .path)
    }

    @Test func regionFallsBackToAWSVariables() throws {
        #expect(try parse(["AWS_DEFAULT_REGION": "ap-south-1"]).s3.region == "ap-south-1")
        #expect(try parse(["AWS_DEFAULT_REGION": "ap-south-1", "AWS_REGION": "eu-north-1"]).s3.region == "eu-north-1")
        let explicit = try parse(["AWS_REGION": "eu-north-1", "PYRAMYDAL_S3_REGION": "us-west-2"])
        #expect(explicit.s3.region == "us-west-2")
        // AWS_* values are not ours: the summary still marks the region as defaulted.
        #expect(try !parse(["AWS_REGION": "eu-north-1"]).explicitlySet.contains("PYRAMYDAL_S3_REGION"))
    }

    @Test(arguments: [
        ("PYRAMYDAL_S3_ENDPOINT", "not a url"),
        ("PYRAMYDAL_S3_ENDPOINT", "ftp://host"),
        ("PYRAMYDAL_S3_ENDPOINT", "http://host/?x=1"),
        ("PYRAMYDAL_S3_REGION", "eu west"),
        ("PYRAMYDAL_S3_ADDRESSING", "dns"),
        ("PYRAMYDAL_S3_MULTIPART_THRESHOLD_MB", "lots"),
        ("PYRAMYDAL_S3_MULTIPART_THRESHOLD_MB", "0"),
        ("PYRAMYDAL_S3_MULTIPART_THRESHOLD_MB", "6000"),
        ("PYRAMYDAL_S3_PART_SIZE_MB", "4"),
        ("PYRAMYDAL_S3_PART_SIZE_MB", "16.5"),
        ("PYRAMYDAL_LOG_LEVEL", "verbose"),
        ("PYRAMYDAL_LOG_FORMAT", "xml"),
        ("PYRAMYDAL_PG_BIN", "/nonexistent/bin"),
    ])
    func badValuesNameTheVariableAndValue(variable: String, value: String) throws {
        let bad = try #require(error([variable: value]))
        #expect(bad.variable == variable)
        #expect(bad.description == "\(variable): \(bad.reason) (got \"\(value)\")")
    }

    @Test func partSizeBelowMinimumSaysSo() throws {
        let bad = try #require(error(["PYRAMYDAL_S3_PART_SIZE_MB": "4"]))
        #expect(bad.code == .outOfRange)
        #expect(bad.reason == "must be at least 5")
    }

    @Test func logging() throws {
        let configuration = try parse(["PYRAMYDAL_LOG_LEVEL": "Debug", "PYRAMYDAL_LOG_FORMAT": "JSON"])
        #expect(configuration.logLevel == .debug)
        #expect(configuration.logFormat == .json)
        for level in Logger.Level.allCases {
            #expect(try parse(["PYRAMYDAL_LOG_LEVEL": level.rawValue]).logLevel == level)
        }
    }

    @Test func postgresBinDirectory() throws {
        let real = try #require(try parse([:]).postgresBinDirectory)
        #expect(try parse(["PYRAMYDAL_PG_BIN": real + "/"]).postgresBinDirectory == real)
        // Fallback: the real directory of a pg_ctl found on PATH.
        #expect(PostgresBinaries.defaultDirectory(searchPath: real, root: "/nonexistent") == real)
        #expect(PostgresBinaries.defaultDirectory(searchPath: "/nonexistent", root: "/nonexistent") == nil)
    }

    @Test func summaryRedactsPasswordsAndMarksDefaults() throws {
        let configuration = try parse([
            "PYRAMYDAL_DATABASE_URL": "postgresql://app:s3cret@db:5432/p?password=other",
            "PYRAMYDAL_S3_ENDPOINT": "https://key:topsecret@minio.local",
            "PYRAMYDAL_STORE": "s3://bucket/prefix",
        ])
        let summary = configuration.description
        #expect(summary == configuration.redactedSummary)
        #expect(!summary.contains("s3cret"))
        #expect(!summary.contains("other"))
        #expect(!summary.contains("topsecret"))
        #expect(summary.contains("PYRAMYDAL_DATABASE_URL=postgresql://app:***@db:5432/p?password=***\n"))
        #expect(summary.contains("PYRAMYDAL_STORE=s3://bucket/prefix\n"))
        #expect(summary.contains("PYRAMYDAL_LOG_LEVEL=info  (default)"))
        #expect(summary.split(separator: "\n").count == Configuration.Variable.all.count)
        for name in Configuration.Variable.all {
            #expect(summary.contains(name + "="))
        }
    }
}

@Suite("Redaction of passwords")
struct RedactionTests {
    @Test(arguments: [
        ("postgresql://u:pw@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        ("postgresql://h:5432/db", "postgresql://h:5432/db"),
        ("postgres://u:p/w@d@h:1/db?sslmode=require", "postgres://u:***@h:1/db?sslmode=require"),
        ("postgresql:///db?user=u&password=pw&sslmode=disable", "postgresql:///db?user=u&password=***&sslmode=disable"),
        ("https://AKIA:secret@s3.local", "https://AKIA:***@s3.local"),
        ("s3://TOKEN@bucket/p", "s3://***@bucket/p"),
        ("ftp://u:pass@host/x", "ftp://u:***@host/x"),
        ("host=h password=pw dbname=d", "host=h password=*** dbname=d"),
        ("host=h password = 'p w\\'x' dbname=d", "host=h password = *** dbname=d"),
        ("host=h dbname=d", "host=h dbname=d"),
    ])
    func redacts(input: String, expected: String) {
        #expect(Redaction.redactingSecrets(in: input) == expected)
    }
}

/// Issue 17, defect 9: a store (or any) URL with credentials in it is never
/// echoed with them, neither by the error nor by `config`.
@Suite("Credentials in invalid URLs")
struct CredentialsInInvalidURLTests {
    @Test(arguments: [
        ("PYRAMYDAL_STORE", "s3://AKIAEXAMPLEKEY:SECRETVALUE123@bucket/p", "SECRETVALUE123"),
        ("PYRAMYDAL_STORE", "ftp://u:SECRETVALUE123@host/x", "SECRETVALUE123"),
        ("PYRAMYDAL_STORE", "s3://SECRETVALUE123@bucket/p", "SECRETVALUE123"),
        ("PYRAMYDAL_S3_ENDPOINT", "ftp://u:SECRETVALUE123@host/x", "SECRETVALUE123"),
        ("PYRAMYDAL_SQS_QUEUE_URL", "ftp://u:SECRETVALUE123@host/x", "SECRETVALUE123"),
        ("PYRAMYDAL_ECS_ENDPOINT", "ftp://u:SECRETVALUE123@host/x", "SECRETVALUE123"),
        ("PYRAMYDAL_SQS_ENDPOINT", "ftp://u:SECRETVALUE123@host/x", "SECRETVALUE123"),
    ])
    func errorHidesTheSecret(variable: String, value: String, secret: String) {
        var environment = ["PYRAMYDAL_HOME": "/tmp/pyramydal-redaction-test"]
        environment[variable] = value
        do {
            let configuration = try Configuration(environment: environment, currentDirectory: "/tmp")
            // Accepted: then `config` must not show it either.
            #expect(!configuration.redactedSummary.contains(secret), "config shows \(variable)'s secret")
        } catch {
            let text = String(describing: error)
            #expect(!text.contains(secret), "the error echoes \(variable)'s secret: \(text)")
            #expect(text.contains(variable))
        }
    }
}
