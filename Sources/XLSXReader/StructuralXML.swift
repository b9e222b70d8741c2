internal import CLibXML2

/// libxml2 2.9 initialises its globals lazily without a lock: do it once,
/// thread-safely (Swift runs a global's initialiser exactly once).
private let libxml2Initialised: Bool = {
    xmlInitParser()
    return true
}()

/// A small structural part (`[Content_Types].xml`, relationships,
/// `workbook.xml`, `styles.xml`) parsed with libxml2 into a tree.
/// Parsed with `XML_PARSE_NONET` and without `NOENT`/`DTDLOAD`; any
/// document type declaration is refused before libxml2 sees the bytes
/// (in UTF-8 and UTF-16), and again if libxml2 found an internal subset.
/// libxml2 handles the encoding (UTF-8, UTF-16 with BOM).
final class StructuralXML {
    private let doc: xmlDocPtr

    struct Element {
        fileprivate let node: xmlNodePtr

        var localName: String { String(cString: node.pointee.name) }

        /// The element's namespace URI, or "".
        var namespace: String {
            guard let ns = node.pointee.ns, let href = ns.pointee.href else { return "" }
            return String(cString: href)
        }

        /// The parent element's local name, or "".
        var parentName: String {
            guard let parent = node.pointee.parent, parent.pointee.type == XML_ELEMENT_NODE else { return "" }
            return String(cString: parent.pointee.name)
        }

        /// The value of the attribute with this local name (any namespace,
        /// or only a namespace URI ending in `namespaceSuffix`).
        func attribute(_ name: String, namespaceSuffix: String? = nil) -> String? {
            var attr = node.pointee.properties
            while let a = attr {
                defer { attr = a.pointee.next }
                guard String(cString: a.pointee.name) == name else { continue }
                if let suffix = namespaceSuffix {
                    guard let ns = a.pointee.ns, let href = ns.pointee.href, String(cString: href).hasSuffix(suffix) else { continue }
                }
                var value = ""
                var child = a.pointee.children
                while let c = child {
                    if let content = c.pointee.content { value += String(cString: content) }
                    child = c.pointee.next
                }
                return value
            }
            return nil
        }
    }

    init(bytes: [UInt8], file: String, part: String) throws {
        if Self.containsDoctype(bytes) {
            throw WorkbookError(.dtdNotAllowed, file: file, part: part, message: "a document type declaration (<!DOCTYPE …>) is not allowed in workbook XML")
        }
        _ = libxml2Initialised
        guard let ctxt = xmlNewParserCtxt() else {
            throw WorkbookError(.io, file: file, part: part, message: "libxml2 could not allocate a parser")
        }
        defer { xmlFreeParserCtxt(ctxt) }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let parsed = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                xmlCtxtReadMemory(ctxt, $0, Int32(buf.count), part, nil, options)
            }
        }
        guard let doc = parsed, ctxt.pointee.wellFormed != 0 else {
            if let parsed { xmlFreeDoc(parsed) }
            let err = ctxt.pointee.lastError
            var message = err.message.map { String(cString: $0) } ?? "not well-formed"
            while message.last == "\n" { message.removeLast() }
            throw WorkbookError(.malformedXML, file: file, part: part, line: err.line > 0 ? Int(err.line) : nil,
                                message: "malformed XML: \(message)")
        }
        if doc.pointee.intSubset != nil || doc.pointee.extSubset != nil {
            xmlFreeDoc(doc)
            throw WorkbookError(.dtdNotAllowed, file: file, part: part, message: "a document type declaration is not allowed in workbook XML")
        }
        self.doc = doc
    }

    deinit {
        xmlFreeDoc(doc)
    }

    var root: Element? {
        xmlDocGetRootElement(doc).map { Element(node: $0) }
    }

    /// Visits every element, depth first, in document order.
    func forEachElement(_ body: (Element) throws -> Void) rethrows {
        guard let root = xmlDocGetRootElement(doc) else { return }
        try visit(root, body)
    }

    private func visit(_ node: xmlNodePtr, _ body: (Element) throws -> Void) rethrows {
        try body(Element(node: node))
        var child = node.pointee.children
        while let c = child {
            if c.pointee.type == XML_ELEMENT_NODE { try visit(c, body) }
            child = c.pointee.next
        }
    }

    /// `<!DOCTYPE` in UTF-8, UTF-16LE or UTF-16BE.
    static func containsDoctype(_ bytes: [UInt8]) -> Bool {
        let ascii = Array("<!DOCTYPE".utf8)
        let le: [UInt8] = ascii.flatMap { [$0, 0] as [UInt8] }
        let be: [UInt8] = ascii.flatMap { [0, $0] as [UInt8] }
        return contains(bytes, ascii) || contains(bytes, le) || contains(bytes, be)
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
