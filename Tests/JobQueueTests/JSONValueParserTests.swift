import Foundation
import Testing
@testable import JobQueue

/// The hand-written parser behind `JSONValue.parse` agrees with Foundation's
/// JSON reading and refuses what RFC 8259 refuses.
struct JSONValueParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue.parse("""
             {"n": -12.5e1, "i": 0, "t": true, "f": false, "z": null, "s": "a\\"b\\\\c\\/d\\b\\f\\n\\r\\t",
              "u": "\\u00e9\\ud83d\\ude00 Zürich", "a": [1, [2, {}], []], "o": {"k": {"k": "v"}}}
            """)
        #expect(value == [
            "n": -125.0, "i": 0, "t": true, "f": false, "z": nil, "s": "a\"b\\c/d\u{8}\u{c}\n\r\t",
            "u": "é😀 Zürich", "a": [1, [2, [:]], []], "o": ["k": ["k": "v"]],
        ])
        #expect(try JSONValue.parse(" 42 ") == 42)
        #expect(try JSONValue.parse("\"\"") == "")
    }

    @Test func agreesWithFoundationOnOurOwnOutput() throws {
        let original: JSONValue = ["request": ["dataset": "sales/orders", "filters": ["amount >= 100", "city contains köln"],
                                               "version": 3, "ratio": 0.1, "pdf": ["wrap": false]], "name": nil]
        let text = original.jsonText
        #expect(try JSONValue.parse(text) == original)
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) == original)
    }

    @Test func writesWhatJSONEncoderWrites() throws {
        let values: [JSONValue] = [
            ["b": [1, 2.5, -3, 1e-5, 123456789012345678], "a": "q\"uo\\te/\n\t\u{1}é😀", "c": [:], "d": [], "e": nil, "f": true],
            "plain", 0, -0.25, 1e300, false, nil,
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for value in values {
            let ours = value.jsonText
            #expect(try JSONValue.parse(ours) == value)
            #expect(ours == String(decoding: try encoder.encode(value), as: UTF8.self), "\(ours)")
        }
        #expect(JSONValue.number(.infinity).jsonText == "null")
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "-", "1e", "tru", "nul", "\"abc",
                      "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"tab\there\"", "1 2", "1e999", "{a:1}"])
    func refusesInvalidText(_ text: String) {
        #expect(throws: JSONValueParser.ParseError.self) { try JSONValue.parse(text) }
    }

    @Test func refusesDeepNesting() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONValueParser.ParseError.self) { try JSONValue.parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try JSONValue.parse(fine) }
    }
}
