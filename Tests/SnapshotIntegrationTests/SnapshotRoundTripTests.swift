import Catalog
import Foundation
import ObjectStore
import Postgres
@testable import Snapshots
import Testing

/// Every column type the ingest makes, plus awkward values: NULLs,
/// Unicode, quotes, backslashes, tabs, newlines, non-finite doubles.
let awkwardRows = """
    SELECT * FROM (VALUES
      (1::bigint, 'Müller "GmbH"'::text, 1234.50::numeric(12,2), 0.1::double precision, date '2024-01-31',
       timestamp '2024-01-31 13:45:10.123456', timestamptz '2024-01-31 13:45:10+02', interval '1 day 02:00:00', true, 42::integer),
      (2, 'tab' || chr(9) || 'and' || chr(10) || 'newline' || chr(13), -0.05, 'NaN', date '0044-03-15 BC',
       timestamp '1970-01-01 00:00:00', NULL, interval '-3 mons 1 sec', false, -7),
      (3, 'back\\slash \\N and \\\\ ' || chr(1) || chr(11) || chr(8) || chr(12), 99999999.99, 'Infinity', date '9999-12-31',
       timestamp 'infinity', timestamptz '-infinity', interval '0', NULL, NULL),
      (4, NULL, NULL, '-Infinity', NULL, NULL, NULL, NULL, NULL, NULL),
      (5, '漢字 😀 Łódź', 0.00, 1e-300, date '2000-02-29', timestamp '2000-02-29 23:59:59.5', timestamptz '2000-02-29 12:00:00Z',
       interval '1 year 2 mons 3 days 04:05:06.789', true, 2147483647),
      (6, '', 1, 1.7976931348623157e308, date '1900-01-01', timestamp '1900-01-01 00:00:00', timestamptz '1900-01-01 00:00:00Z',
       interval '1 microsecond', false, -2147483648)
    ) AS t("id", "Name with space", "amount", "ratio", "day", "at", "at tz", "span", "paid", "count")
    UNION ALL
    SELECT g, 'row ' || g, (g * 1.37)::numeric(12,2), g / 7.0, date '2020-01-01' + g, timestamp '2020-01-01' + g * interval '17 minutes',
           timestamptz '2020-01-01 00:00:00Z' + g * interval '1 hour', g * interval '1 second', g % 2 = 0, g::integer
    FROM generate_series(7, 5000) AS g
    """

@Suite("Snapshot and restore")
struct SnapshotRoundTripTests {
    typealias F = SnapshotFixture

    /// Fills the catalog: two versions of one dataset, one in a department,
    /// a failed attempt, a report request and an artifact.
    static func populate(_ f: F) async throws {
        try await f.addVersion("orders", awkwardRows)
        try await f.addVersion("orders", "SELECT g AS id, 'second ' || g AS note FROM generate_series(1, 300) AS g")
        try await f.addVersion("finance/budget", "SELECT g::bigint AS line, (g * 0.01)::numeric AS value FROM generate_series(1, 1000) AS g")
        let catalog = f.catalog
        try await f.connection.run { conn in
            try catalog.recordFailure(DatasetRef(name: "broken"), source: SourceIdentity(uri: "s3://bucket/incoming/broken.xlsx"),
                                      sheet: nil, error: VersionError(kind: "badInput", code: "encrypted", file: "broken.xlsx", message: "encrypted"),
                                      timings: VersionTimings(), createdBy: "test", on: conn)
            let orders = try catalog.dataset(DatasetRef(name: "orders"), on: conn)!
            try catalog.addReportRequest(datasetID: orders.id, format: "xlsx", optionsJSON: "{\"sort\": [\"id\"]}", on: conn)
            _ = try conn.query("""
                INSERT INTO \(catalog.schemas.catalogTable("artifacts")) (kind, key, bytes, sha256, job_id, version_id, filters)
                SELECT 'xlsx', 'reports/orders.xlsx', 123, 'abc', 7, id, '{"where": ["id > 3"]}' FROM \(catalog.schemas.catalogTable("dataset_versions"))
                WHERE table_name = 'orders@v1'
                """, purpose: "artifact")
        }
    }

    @Test(arguments: [F.StoreKind.directory, .rclone])
    func snapshotDropRestoreIsEqual(store: F.StoreKind) async throws {
        try await F.with(store: store) { f in
            try await Self.populate(f)
            let manifest = try await f.snapshot()
            #expect(manifest.kind == .full && manifest.previous == nil && manifest.objects.count == 3)
            #expect(manifest.objects.first { $0.table == "orders@v1" }?.rows == 5000)
            try await f.saveReference()
            try await f.dropOriginal()

            let summary = try await f.restorer().restore(snapshot: manifest.id, into: f.connection, schemas: f.schemas, actor: "test")
            #expect(summary.versions == 3 && summary.datasets == 2 && summary.rows == 6300)
            try await f.expectEqualToReference(restored: f.schemas)
            // The views point at the latest versions; new ids continue after the restored ones.
            let view = try await f.connection.query("SELECT count(*) FROM \(f.schemas.dataRelation("orders"))", purpose: "view")
            #expect(try view[0][0, as: Int.self] == 300)
            try await f.addVersion("orders", "SELECT 1 AS x")
            let versions = try await f.connection.query(
                "SELECT max(version) FROM \(f.schemas.catalogTable("dataset_versions")) v JOIN \(f.schemas.catalogTable("datasets")) d ON d.id = v.dataset_id WHERE d.name = 'orders'",
                purpose: "versions")
            #expect(try versions[0][0, as: Int.self] == 3)
            // The restore is audited.
            let audit = try await f.connection.query("SELECT who, outcome FROM \(f.schemas.catalogTable("audit_log")) WHERE what = $1",
                                                     [.text("restore \(manifest.id)")], purpose: "audit")
            #expect(audit.count == 1)
        }
    }

    @Test func dataFilesAreSelfDescribingNDJSON() async throws {
        try await F.with { f in
            try await f.addVersion("orders", awkwardRows)
            let manifest = try await f.snapshot()
            let object = try #require(manifest.objects.first)
            var lines: [String] = []
            try CompressedFileReader.forEachLine(path: f.storeRoot! + "/" + object.key, key: object.key, maxBytes: object.uncompressedBytes) { line, _ in
                if lines.count < 6 { lines.append(String(decoding: line, as: UTF8.self)) }
            }
            let header = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
            #expect(header?["table"] as? String == "orders@v1")
            #expect((header?["columns"] as? [[String: String]])?.map { $0["type"] ?? "" } == [
                "bigint", "text", "numeric", "double precision", "date", "timestamp without time zone",
                "timestamp with time zone", "interval", "boolean", "integer"])
            #expect(lines[1] == #"[1,"Müller \"GmbH\"","1234.50",0.1,"2024-01-31","2024-01-31T13:45:10.123456","2024-01-31T11:45:10+00","P1DT2H",true,42]"#)
            #expect(lines[2].hasPrefix(#"[2,"tab\tand\nnewline\r","-0.05","NaN","0044-03-15 BC","1970-01-01T00:00:00",null,"#))
            #expect(lines[4] == #"[4,null,null,"-Infinity",null,null,null,null,null,null]"#)
            for line in lines.dropFirst() {
                #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [Any], "\(line)")
            }
        }
    }

    @Test func restoreOneDatasetAlongside() async throws {
        try await F.with { f in
            try await Self.populate(f)
            let manifest = try await f.snapshot()
            let target = CatalogSchemas(catalog: f.schemas.catalog + "_r", data: f.schemas.data + "_r")
            let summary = try await f.restorer().restore(snapshot: manifest.id, datasets: [DatasetRef(parsing: "finance/budget")],
                                                         into: f.connection, schemas: target, actor: "test")
            #expect(summary.versions == 1 && summary.rows == 1000)
            #expect(try await f.tables(in: target.data) == ["finance/budget@v1"])
            #expect(try await f.difference(f.schemas.dataRelation("finance/budget@v1"), target.dataRelation("finance/budget@v1")) == 0)
            let datasets = try await f.connection.query("SELECT department, name FROM \(target.catalogTable("datasets"))", purpose: "datasets")
            #expect(datasets.count == 1)
            // A second restore into the same (now non-empty) target is refused.
            await #expect {
                try await f.restorer().restore(snapshot: manifest.id, into: f.connection, schemas: target, actor: "test")
            } throws: { ($0 as? SnapshotError)?.code == .targetNotEmpty }
            await #expect {
                try await f.restorer().restore(snapshot: manifest.id, datasets: [DatasetRef(name: "nope")], into: f.connection,
                                               schemas: target, actor: "test")
            } throws: { ($0 as? SnapshotError)?.code == .unknownDataset }
        }
    }
}
