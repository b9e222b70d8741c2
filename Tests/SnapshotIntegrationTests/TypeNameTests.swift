import Testing
@testable import Snapshots

/// A manifest's column types go into `CREATE TABLE` as text, so a restore
/// accepts only plain type names.
struct TypeNameTests {
    @Test(arguments: ["bigint", "numeric", "double precision", "date", "timestamp without time zone", "interval",
                      "boolean", "text", "numeric(12,2)", "character varying(20)"])
    func plainTypesAreAccepted(_ type: String) {
        #expect(isPlainTypeName(type))
    }

    @Test(arguments: ["", " text", "text ", "int); DROP TABLE x; --", "text\"", "numeric(1,2", "numeric()", "Text",
                      "int4[]", "text COLLATE \"C\"", "numeric(1)(2)"])
    func anythingElseIsRefused(_ type: String) {
        #expect(!isPlainTypeName(type))
    }
}
