import Foundation
@testable import Postgres
import Testing

/// Pure logic, no server: quoting, redaction, numeric and date encodings.
@Suite("Pure helpers")
struct PureTests {
    @Test func quoting() {
        #expect(PostgresConnection.quoteIdentifier("plain") == #""plain""#)
        #expect(PostgresConnection.quoteIdentifier(#"a "b" c"#) == #""a ""b"" c""#)
        #expect(PostgresConnection.quoteIdentifier("nul\0byte ü") == #""nulbyte ü""#)
        #expect(PostgresConnection.quoteQualified("data", "x.y") == #""data"."x.y""#)
        #expect(PostgresConnection.quoteLiteral("it's") == "'it''s'")
        #expect(PostgresConnection.quoteLiteral(#"a\b"#) == #"E'a\\b'"#)
    }

    @Test func redaction() {
        #expect(PostgresConnection.redactedURL("postgresql://bob:hunter22@db:5432/x?sslmode=require")
            == "postgresql://bob:***@db:5432/x?sslmode=require")
        #expect(PostgresConnection.redactedURL("postgresql://db/x?user=bob&password=hunter22&sslmode=disable")
            == "postgresql://db/x?user=bob&password=***&sslmode=disable")
        #expect(PostgresConnection.redactedURL("host=db password='hun ter' user=bob") == "host=db password=*** user=bob")
        #expect(PostgresConnection.redactedURL("postgresql://bob@db/x") == "postgresql://bob@db/x")
        let secrets = ConnectionSecrets("postgresql://bob:p%40ssword1@db/x")
        #expect(secrets.scrub("failed for p@ssword1 and p%40ssword1") == "failed for *** and ***")
    }

    @Test func numericEncoding() throws {
        func encode(_ text: String) throws -> PostgresNumeric { try #require(PostgresNumeric(text)) }
        #expect(try encode("12345.67") == PostgresNumeric(digits: [1, 2345, 6700], weight: 1, sign: 0, displayScale: 2))
        #expect(try encode("-0.05") == PostgresNumeric(digits: [500], weight: -1, sign: 0x4000, displayScale: 2))
        #expect(try encode("0.00") == PostgresNumeric(digits: [], weight: 0, sign: 0, displayScale: 2))
        #expect(try encode("10000") == PostgresNumeric(digits: [1], weight: 1, sign: 0, displayScale: 0))
        #expect(try encode("0.00001") == PostgresNumeric(digits: [1000], weight: -2, sign: 0, displayScale: 5))
        #expect(try encode("+7") == PostgresNumeric(digits: [7], weight: 0, sign: 0, displayScale: 0))
        for bad in ["", "-", "1.2.3", "1e5", "12a", " 1"] { #expect(PostgresNumeric(bad) == nil, "\(bad)") }
    }

    @Test func dates() {
        #expect(PostgresDateTime.days(year: 1970, month: 1, day: 1) == 0)
        #expect(PostgresDateTime.days(year: 2000, month: 1, day: 1) == PostgresDateTime.postgresEpochDays)
        #expect(PostgresDateTime.civil(days: 19_782) == (2024, 2, 29))
        var bytes: [UInt8] = []
        PostgresDateTime.appendTimestamp(microsecondsSince1970: -1, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "1969-12-31 23:59:59.999999+00")
        func parse(_ text: String) -> Date? {
            Array(text.utf8).withUnsafeBufferPointer { PostgresDateTime.parse($0) }
        }
        #expect(parse("1970-01-02") == Date(timeIntervalSince1970: 86_400))
        #expect(parse("1970-01-01 01:00:00+01") == Date(timeIntervalSince1970: 0))
        #expect(parse("1970-01-01 00:00:00.25-05:30") == Date(timeIntervalSince1970: 19_800.25))
        #expect(parse("infinity") == nil)
        #expect(parse("2024-13-01") == nil)
    }
}
