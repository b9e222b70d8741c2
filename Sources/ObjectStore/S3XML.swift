/// A minimal, safe XML reader for S3's small answers (ListObjectsV2,
/// CreateMultipartUpload, CompleteMultipartUpload, Error). It builds a tree
/// of elements and text, decodes the five predefined entities and numeric
/// character references, ignores attributes, and refuses DOCTYPE — so no
/// entity expansion and no network or file access can happen.
struct S3XMLElement: Sendable {
    var name: String
    var children: [S3XMLElement] = []
    var text: String = ""

    func child(_ name: String) -> S3XMLElement? { children.first { $0.name == name } }
    func all(_ name: String) -> [S3XMLElement] { children.filter { $0.name == name } }
    func value(_ name: String) -> String? { child(name)?.text }

    static func parse(_ bytes: [UInt8]) throws -> S3XMLElement {
        var stack: [S3XMLElement] = [S3XMLElement(name: "#document")]
        var index = 0
        func fail(_ why: String) -> ObjectStoreError {
            ObjectStoreError(code: .invalidResponse, message: "unreadable XML answer: \(why)")
        }
        func find(_ needle: String, from start: Int) -> Int? {
            let pattern = Array(needle.utf8)
            var i = start
            while i + pattern.count <= bytes.count {
                if bytes[i] == pattern[0] && Array(bytes[i..<i + pattern.count]) == pattern { return i }
                i += 1
            }
            return nil
        }
        while index < bytes.count {
            if bytes[index] != UInt8(ascii: "<") {
                let end = bytes[index...].firstIndex(of: UInt8(ascii: "<")) ?? bytes.count
                stack[stack.count - 1].text += try decodeEntities(bytes[index..<end])
                index = end
                continue
            }
            let rest = bytes[index...]
            if rest.starts(with: Array("<?".utf8)) {
                guard let end = find("?>", from: index) else { throw fail("unterminated declaration") }
                index = end + 2
            } else if rest.starts(with: Array("<!--".utf8)) {
                guard let end = find("-->", from: index) else { throw fail("unterminated comment") }
                index = end + 3
            } else if rest.starts(with: Array("<![CDATA[".utf8)) {
                guard let end = find("]]>", from: index) else { throw fail("unterminated CDATA") }
                stack[stack.count - 1].text += String(decoding: bytes[(index + 9)..<end], as: UTF8.self)
                index = end + 3
            } else if rest.starts(with: Array("<!".utf8)) {
                throw fail("DOCTYPE and declarations are not accepted")
            } else {
                guard let end = bytes[index...].firstIndex(of: UInt8(ascii: ">")) else { throw fail("unterminated tag") }
                var tag = Array(bytes[(index + 1)..<end])
                index = end + 1
                if tag.first == UInt8(ascii: "/") {
                    let name = String(decoding: tag.dropFirst(), as: UTF8.self).trimmingSpaces()
                    guard stack.count > 1, stack[stack.count - 1].name == name else { throw fail("mismatched </\(name)>") }
                    let done = stack.removeLast()
                    stack[stack.count - 1].children.append(done)
                    continue
                }
                let selfClosing = tag.last == UInt8(ascii: "/")
                if selfClosing { tag.removeLast() }
                let nameEnd = tag.firstIndex { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") } ?? tag.count
                let name = String(decoding: tag[..<nameEnd], as: UTF8.self)
                guard !name.isEmpty else { throw fail("empty tag name") }
                if selfClosing {
                    stack[stack.count - 1].children.append(S3XMLElement(name: name))
                } else {
                    stack.append(S3XMLElement(name: name))
                }
            }
        }
        guard stack.count == 1, let root = stack[0].children.first else { throw fail("no root element") }
        return root
    }

    static func decodeEntities(_ bytes: ArraySlice<UInt8>) throws -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else {
                throw ObjectStoreError(code: .invalidResponse, message: "unreadable XML answer: bad entity")
            }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                var scalar: UInt32?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    scalar = UInt32(entity.dropFirst(2), radix: 16)
                } else if entity.hasPrefix("#") {
                    scalar = UInt32(entity.dropFirst())
                }
                guard let scalar, let character = Unicode.Scalar(scalar) else {
                    throw ObjectStoreError(code: .invalidResponse, message: "unreadable XML answer: unknown entity &\(entity);")
                }
                out.unicodeScalars.append(character)
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }

    /// Escapes text for an XML body we send.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(self.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
