import Foundation
import Logging
import Testing

@testable import PyramydalRuntime

@Suite("Log lines")
struct StderrLogHandlerTests {
    let date = Date(timeIntervalSince1970: 1_767_323_045.678)  // 2026-01-02T03:04:05.678Z

    @Test func textLine() {
        let handler = StderrLogHandler(label: "pyramydal.ingest", format: .text, logLevel: .info)
        let line = handler.render(
            date: date, level: .info, message: "ingested",
            metadata: ["dataset.version": "3", "source.key": "incoming/a b.xlsx"])
        #expect(line == #"2026-01-02T03:04:05.678Z info pyramydal.ingest: ingested dataset.version=3 source.key="incoming/a b.xlsx""#)
    }

    @Test func jsonLineIsOneObject() throws {
        let handler = StderrLogHandler(label: "pyramydal.ingest", format: .json, logLevel: .info)
        let line = handler.render(
            date: date, level: .warning, message: "say \"hi\"\n",
            metadata: ["job.id": "42", "message": "clash", "rows": .array(["1", "2"])])
        #expect(!line.contains("\n"))
        let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["timestamp"] as? String == "2026-01-02T03:04:05.678Z")
        #expect(object["level"] as? String == "warning")
        #expect(object["label"] as? String == "pyramydal.ingest")
        #expect(object["message"] as? String == "say \"hi\"\n")
        #expect(object["job.id"] as? String == "42")
        #expect(object["metadata.message"] as? String == "clash")
        #expect(object["rows"] as? [String] == ["1", "2"])
    }

    @Test func secretsNeverReachTheLine() {
        for format in LogFormat.allCases {
            let handler = StderrLogHandler(label: "t", format: format, logLevel: .info)
            let line = handler.render(
                date: date, level: .info, message: "connecting",
                metadata: [
                    "database.url": "postgresql://u:hunter2@h/db",
                    "aws.secret_access_key": "wJalrXUtnFEMI",
                    "nested": ["password": "hunter3"],
                ])
            #expect(!line.contains("hunter2"))
            #expect(!line.contains("wJalrXUtnFEMI"))
            #expect(!line.contains("hunter3"))
            #expect(line.contains("postgresql://u:***@h/db"))
        }
    }

    @Test func levelFromConfiguration() throws {
        let configuration = try Configuration(environment: ["PYRAMYDAL_LOG_LEVEL": "error"], currentDirectory: "/")
        // No LoggingSetup.bootstrap here: every test target shares one process,
        // and swift-log allows a single bootstrap per process.
        var handler = StderrLogHandler(label: "t", format: .text, logLevel: configuration.logLevel)
        #expect(handler.logLevel == .error)
        handler[metadataKey: "k"] = "v"
        #expect(handler.metadata["k"] == "v")
    }
}
