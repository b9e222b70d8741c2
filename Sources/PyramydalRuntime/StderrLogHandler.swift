import Foundation
public import Logging

/// A `LogHandler` writing one line per message to standard error.
///
/// Text: `2026-01-02T03:04:05.678Z info pyramydal.dev: message key=value…`.
/// JSON: `{"timestamp":…,"level":…,"label":…,"message":…,<metadata keys>…}`.
/// Metadata whose key mentions a password, secret or token is written as
/// `***`, and passwords inside URL-shaped values are masked, so a secret
/// passed by mistake doesn't reach the log.
public struct StderrLogHandler: LogHandler {
    public let label: String
    public let format: LogFormat
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    public init(label: String, format: LogFormat, logLevel: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = logLevel
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        if let error = event.error { merged["error"] = "\(error)" }
        let line = render(date: Date(), level: event.level, message: event.message.description, metadata: merged)
        // One write(2) per line keeps lines from different threads whole.
        var bytes = Array((line + "\n").utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }

    /// The line for one message, without the newline (also used by tests).
    public func render(date: Date, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        let timestamp = Self.timestamp(date)
        let safe = metadata.mapValues(Self.redacted)
        switch format {
        case .text:
            var line = "\(timestamp) \(level.rawValue) \(label): \(message)"
            for key in safe.keys.sorted() {
                line += " \(key)=\(Self.textValue(Self.maskIfSecret(key: key, safe[key]!)))"
            }
            return line
        case .json:
            var fields = [
                "\"timestamp\":\(JSONText.string(timestamp))",
                "\"level\":\(JSONText.string(level.rawValue))",
                "\"label\":\(JSONText.string(label))",
                "\"message\":\(JSONText.string(message))",
            ]
            let reserved: Set = ["timestamp", "level", "label", "message"]
            for key in safe.keys.sorted() {
                let name = reserved.contains(key) ? "metadata.\(key)" : key
                fields.append("\(JSONText.string(name)):\(JSONText.value(Self.maskIfSecret(key: key, safe[key]!)))")
            }
            return "{" + fields.joined(separator: ",") + "}"
        }
    }

    // MARK: helpers

    static func timestamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = time_t(seconds.rounded(.down))
        let millis = min(999, Int(((seconds - Double(whole)) * 1000).rounded()))
        var parts = tm()
        gmtime_r(&whole, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }

    private static func maskIfSecret(key: String, _ value: Logger.MetadataValue) -> Logger.MetadataValue {
        let lowered = key.lowercased()
        let secretWords = ["password", "secret", "token", "credential"]
        return secretWords.contains(where: lowered.contains) ? .string(Redaction.mask) : value
    }

    private static func redacted(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text):
            return .string(text.contains("://") || text.contains("=") ? Redaction.redactingSecrets(in: text) : text)
        case .stringConvertible(let convertible):
            let text = convertible.description
            return .string(text.contains("://") || text.contains("=") ? Redaction.redactingSecrets(in: text) : text)
        case .array(let values):
            return .array(values.map(redacted))
        case .dictionary(let dictionary):
            return .dictionary(
                Dictionary(uniqueKeysWithValues: dictionary.map { ($0.key, maskIfSecret(key: $0.key, redacted($0.value))) }))
        }
    }

    private static func textValue(_ value: Logger.MetadataValue) -> String {
        let text: String
        switch value {
        case .string(let string): text = string
        case .stringConvertible(let convertible): text = convertible.description
        case .array, .dictionary: return JSONText.value(value)
        }
        let needsQuotes = text.isEmpty || text.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline })
        return needsQuotes ? JSONText.string(text) : text
    }
}

/// Minimal JSON text for log lines (no Foundation encoder per line).
enum JSONText {
    static func string(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    static func value(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): return string(text)
        case .stringConvertible(let convertible): return string(convertible.description)
        case .array(let values): return "[" + values.map { Self.value($0) }.joined(separator: ",") + "]"
        case .dictionary(let dictionary):
            let fields = dictionary.keys.sorted().map { "\(string($0)):\(Self.value(dictionary[$0]!))" }
            return "{" + fields.joined(separator: ",") + "}"
        }
    }
}
