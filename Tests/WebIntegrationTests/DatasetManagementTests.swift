import Accounts
import Catalog
import Foundation
import Hummingbird
import Postgres
import Testing
import Web

extension WebIntegration {
    /// Dataset management over API v1: revert, PATCH (rename, move, archive), DELETE.
    @Suite struct DatasetManagementTests {
        @Test func revertMakesANewVersionOnTheSameTable() async throws {
            try await WebFixture.run { fixture, client in
                try await fixture.addVersionA(rows: 10)
                let tablesBefore = try await fixture.count(fixture.dataTables)
                let viewer = try await fixture.token("vera", scope: .write)
                let editor = try await fixture.token("eddie", scope: .write)
                let path = "/api/v1/datasets/\(fixture.datasetA)/revert"
                #expect(try await client.send(.post, path, token: viewer, json: #"{"version":1}"#).status == .forbidden)

                let reverted = try await client.send(.post, path, token: editor, json: #"{"version":1}"#)
                #expect(reverted.status == .created)
                let body = try reverted.json()
                #expect(body["version"] as? Int == 3)
                #expect(body["reverted_from"] as? Int == Int(fixture.versionA))
                #expect(body["row_count"] as? Int == WebFixture.rowCount)
                #expect(reverted.headers[.location] == "/api/v1/versions/\(body["id"] as? Int ?? 0)")

                // The same table, nothing copied; the view shows version 1's rows again.
                let c = fixture.catalog.schemas
                let tables = try await fixture.connection.query("""
                    SELECT table_name FROM \(c.catalogTable("dataset_versions")) WHERE dataset_id = $1 AND version IN (1, 3)
                    """, [.int64(fixture.datasetA)], purpose: "tables").map { try $0[0, as: String.self] }
                #expect(tables.count == 2 && Set(tables).count == 1)
                #expect(try await fixture.count(fixture.dataTables) == tablesBefore)
                let view = try await fixture.connection.query("SELECT view_name FROM \(c.catalogTable("datasets")) WHERE id = $1",
                                                              [.int64(fixture.datasetA)], purpose: "view")[0][0, as: String.self]
                #expect(try await fixture.count("SELECT count(*) FROM \(c.dataRelation(view))") == WebFixture.rowCount)
                let show = try await client.send(.get, "/api/v1/datasets/\(fixture.datasetA)", token: viewer).json()
                #expect(show["latest_version"] as? Int == 3)
                #expect(show["row_count"] as? Int == WebFixture.rowCount)

                let latest = try await client.send(.post, path, token: editor, json: #"{"version":3}"#)
                #expect(latest.status == .conflict)
                #expect(try latest.json()["field"] as? String == "version")
                let missing = try await client.send(.post, path, token: editor, json: #"{"version":99}"#)
                #expect(missing.status == .notFound)
                #expect(try missing.json()["field"] as? String == "version")
                let huge = try await client.send(.post, path, token: editor, json: #"{"version":99999999999}"#)
                #expect(huge.status == .notFound)
                #expect(try await client.send(.post, path, token: editor, json: #"{"version":"x"}"#).status == .badRequest)

                let audit = try await fixture.connection.query(
                    "SELECT who, what FROM \(c.catalogTable("audit_log")) WHERE what LIKE 'revert %'", purpose: "audit")
                    .map { "\(try $0[0, as: String.self]) \(try $0[1, as: String.self])" }
                #expect(audit.count == 1 && audit[0].hasPrefix("eddie (token ") && audit[0].hasSuffix(" revert dept-a/sales"))
            }
        }

        @Test func anotherDepartmentsDatasetIsNotFoundAndRolesAreChecked() async throws {
            try await WebFixture.run { fixture, client in
                for user in ["vera", "eddie", "ada"] {
                    let token = try await fixture.token(user, scope: .write)
                    let b = "/api/v1/datasets/\(fixture.datasetB)"
                    #expect(try await client.send(.post, b + "/revert", token: token, json: #"{"version":1}"#).status == .notFound, "\(user)")
                    #expect(try await client.send(.patch, b, token: token, json: #"{"archived":true}"#).status == .notFound, "\(user)")
                    #expect(try await client.send(.delete, b, token: token).status == .notFound, "\(user)")
                }
                let a = "/api/v1/datasets/\(fixture.datasetA)"
                let viewer = try await fixture.token("vera", scope: .write)
                let editor = try await fixture.token("eddie", scope: .write)
                let admin = try await fixture.token("ada", scope: .write)
                #expect(try await client.send(.patch, a, token: viewer, json: #"{"archived":true}"#).status == .forbidden)
                #expect(try await client.send(.delete, a, token: editor).status == .forbidden)
                #expect(try await client.send(.patch, a, token: editor, json: #"{"department":"dept-b"}"#).status == .forbidden)
                // ada is admin of dept-a only: a move needs admin of both.
                #expect(try await client.send(.patch, a, token: admin, json: #"{"department":"dept-b"}"#).status == .forbidden)
                // A read token changes nothing.
                let read = try await fixture.token("ada")
                #expect(try await client.send(.delete, a, token: read).status == .forbidden)
                #expect(try await client.send(.get, a, token: viewer).status == .ok)
            }
        }

        @Test func renameArchiveAndMove() async throws {
            try await WebFixture.run { fixture, client in
                let editor = try await fixture.token("eddie", scope: .write)
                let a = "/api/v1/datasets/\(fixture.datasetA)"
                let renamed = try await client.send(.patch, a, token: editor, json: #"{"name":"orders"}"#)
                #expect(renamed.status == .ok)
                #expect(try renamed.json()["name"] as? String == "orders")

                let catalog = fixture.catalog
                _ = try await fixture.connection.run { conn in
                    try WebFixture.makeVersion(catalog, DatasetRef(department: "dept-a", name: "other"), columns: [("x", "bigint")],
                                               rowCount: 1, on: conn) { "INSERT INTO \($0) VALUES (1)" }
                }
                let taken = try await client.send(.patch, a, token: editor, json: #"{"name":"other"}"#)
                #expect(taken.status == .conflict)
                #expect(try taken.json()["field"] as? String == "name")
                #expect(try await client.send(.patch, a, token: editor, json: #"{"name":""}"#).status == .badRequest)
                #expect(try await client.send(.patch, a, token: editor, json: "{}").status == .badRequest)

                func listed(_ query: String = "") async throws -> [String] {
                    (try await client.send(.get, "/api/v1/datasets" + query, token: editor).json()["items"] as? [[String: Any]] ?? [])
                        .compactMap { $0["name"] as? String }
                }
                let archived = try await client.send(.patch, a, token: editor, json: #"{"archived":true}"#)
                #expect(try archived.json()["archived"] as? Bool == true)
                #expect(try await listed() == ["other"])
                #expect(try await listed("?archived=true") == ["orders", "other"])
                #expect(try await client.send(.get, "/api/v1/datasets?archived=maybe", token: editor).status == .badRequest)
                #expect(try await client.send(.get, a, token: editor).status == .ok)
                #expect(try await client.send(.patch, a, token: editor, json: #"{"archived":false}"#).status == .ok)
                #expect(try await listed() == ["orders", "other"])

                let moved = try await client.send(.patch, a, token: fixture.adminToken, json: #"{"department":"dept-b"}"#)
                #expect(moved.status == .ok)
                #expect(try moved.json()["department"] as? String == "dept-b")
                #expect(try await client.send(.get, a, token: editor).status == .notFound)
                let bob = try await fixture.token("bob")
                #expect(try await client.send(.get, a, token: bob).status == .ok)

                let audit = try await fixture.connection.query(
                    "SELECT what FROM \(catalog.schemas.catalogTable("audit_log")) WHERE what ~ '^(rename|move|archive|unarchive) ' ORDER BY id",
                    purpose: "audit").map { try $0[0, as: String.self] }
                #expect(audit == ["rename dept-a/sales", "archive dept-a/orders", "unarchive dept-a/orders", "move dept-a/orders"])
            }
        }

        @Test func deletedIsGoneAtOnceAndItsTablesAtThePrune() async throws {
            try await WebFixture.run { fixture, client in
                let admin = try await fixture.token("ada", scope: .write)
                let viewer = try await fixture.token("vera")
                let a = "/api/v1/datasets/\(fixture.datasetA)"
                let table = try await fixture.connection.query(
                    "SELECT table_name FROM \(fixture.catalog.schemas.catalogTable("dataset_versions")) WHERE id = $1",
                    [.int64(fixture.versionA)], purpose: "table")[0][0, as: String.self]
                let relation = fixture.catalog.schemas.dataRelation(table)
                #expect(try await client.send(.delete, a, token: admin).status == .noContent)
                for path in [a, a + "/versions", "/api/v1/versions/\(fixture.versionA)", "/api/v1/versions/\(fixture.versionA)/rows"] {
                    #expect(try await client.send(.get, path, token: viewer).status == .notFound, "\(path)")
                }
                #expect(try await client.send(.delete, a, token: admin).status == .notFound)
                let list = try await client.send(.get, "/api/v1/datasets?archived=true", token: viewer).json()["items"] as? [[String: Any]]
                #expect(list?.isEmpty == true)
                #expect(try await fixture.count("SELECT count(*) FROM \(relation)") == WebFixture.rowCount)

                // A new drop of the name makes a new dataset.
                let catalog = fixture.catalog
                let again = try await fixture.connection.run { conn in
                    try conn.transaction(purpose: "recreate") { conn in
                        try catalog.ensureDataset(DatasetRef(department: "dept-a", name: "sales"), on: conn).id
                    }
                }
                #expect(again != fixture.datasetA)

                let dropped = try await fixture.connection.run { try catalog.purgeDeleted(who: "prune", on: $0) }
                #expect(dropped == [table])
                #expect(try await fixture.connection.query("SELECT to_regclass($1) IS NULL", [.text(relation)],
                                                           purpose: "gone")[0][0, as: Bool.self])
                #expect(try await fixture.connection.run { try catalog.purgeDeleted(who: "prune", on: $0) }.isEmpty)
            }
        }

        @Test func aCookieSessionNeedsTheCSRFToken() async throws {
            try await WebFixture.run { fixture, client in
                let (cookie, csrf) = try await client.login("eddie")
                let a = "/api/v1/datasets/\(fixture.datasetA)"
                #expect(try await client.send(.patch, a, cookie: cookie, json: #"{"archived":true}"#).status == .forbidden)
                #expect(try await client.send(.patch, a, cookie: cookie, csrf: csrf, json: #"{"archived":true}"#).status == .ok)
            }
        }
    }
}
