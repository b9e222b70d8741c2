internal import Basics

/// The package structure of a workbook, found the OPC way — through
/// `[Content_Types].xml`, `_rels/.rels` (the officeDocument relationship,
/// transitional or Strict) and the workbook's own relationships — never by
/// fixed file names.
struct PackageParts {
    var workbookPart: String
    var sheets: [SheetInfo]
    /// The sheets not read (chart, dialog, macro sheets, unknown states).
    var skipped: [SkippedSheet] = []
    var date1904: Bool
    var sharedStringsPart: String?
    var stylesPart: String?

    private static let relationshipBases = [
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/",
        "http://purl.oclc.org/ooxml/officeDocument/relationships/",
    ]
    private static let workbookContentTypes: Set<String> = [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        "application/vnd.ms-excel.template.macroEnabled.main+xml",
    ]

    struct Relationship {
        var id: String
        /// The last segment of the type URI (`worksheet`, `styles`, …) for
        /// the OOXML relationship types (transitional or Strict); empty for
        /// other types (Microsoft's `xlMacrosheet`, …).
        var kind: String
        /// The whole type URI.
        var type: String
        var target: String
    }

    init(archive: ZipArchive) throws {
        let file = archive.path
        func load(_ part: String) throws -> StructuralXML {
            try StructuralXML(bytes: try archive.readAll(part), file: file, part: part)
        }

        // [Content_Types].xml: the overrides name the workbook part if the
        // package relationships do not.
        if !archive.has("[Content_Types].xml") && archive.has("mimetype") && archive.has("content.xml") {
            throw WorkbookError(.unsupported, file: file, message: "an OpenDocument spreadsheet (.ods), not .xlsx; save it as .xlsx and drop it again")
        }
        guard archive.has("[Content_Types].xml") else {
            throw WorkbookError(.missingPart, file: file, part: "[Content_Types].xml",
                                message: "no [Content_Types].xml: not an Office Open XML package")
        }
        var overrides: [(part: String, type: String)] = []
        try load("[Content_Types].xml").forEachElement { element in
            if element.localName == "Override", let name = element.attribute("PartName"), let type = element.attribute("ContentType") {
                overrides.append((name, type))
            }
        }

        // _rels/.rels → officeDocument.
        var workbook: String?
        if archive.has("_rels/.rels") {
            let rels = try Self.relationships(of: "", xml: load("_rels/.rels"))
            workbook = rels.first { $0.kind == "officeDocument" }?.target
        }
        if workbook == nil {
            workbook = overrides.first { Self.workbookContentTypes.contains($0.type) }.map { Self.resolve($0.part, from: "") }
        }
        guard let workbookPart = workbook, archive.has(workbookPart) else {
            throw WorkbookError(.missingPart, file: file, part: workbook ?? "_rels/.rels",
                                message: "the package has no workbook part (no officeDocument relationship)")
        }
        if workbookPart.hasSuffix(".bin") {
            throw WorkbookError(.unsupported, file: file, part: workbookPart,
                                message: "an Excel binary workbook (.xlsb), not .xlsx; save it as .xlsx and drop it again")
        }
        self.workbookPart = workbookPart

        // The workbook's relationships.
        let relsPart = Self.relationshipsPart(of: workbookPart)
        var byId: [String: Relationship] = [:]
        if archive.has(relsPart) {
            for rel in try Self.relationships(of: workbookPart, xml: load(relsPart)) {
                byId[rel.id] = rel
                if rel.kind == "sharedStrings" && sharedStringsPart == nil { sharedStringsPart = rel.target }
                if rel.kind == "styles" && stylesPart == nil { stylesPart = rel.target }
            }
        }
        if let part = sharedStringsPart, !archive.has(part) { sharedStringsPart = nil }
        if let part = stylesPart, !archive.has(part) { stylesPart = nil }

        // workbook.xml: sheet order, names, visibility; the date system.
        // Two sheets with one name (Excel compares names without case) would
        // make one dataset of two, and two sheets sharing one part would
        // read it twice (a 19 KB file of 150 sheets on one 16 MiB part kept
        // an ingest busy for 11 s): both are refused.
        var sheets: [SheetInfo] = []
        var skipped: [SkippedSheet] = []
        var date1904 = false
        var problem: WorkbookError?
        var namesSeen: [String: String] = [:]  // lower-cased name → the name as written
        var partsSeen: [String: String] = [:]  // normalised part → the sheet's name
        try load(workbookPart).forEachElement { element in
            switch element.localName {
            case "workbookPr":
                let value = element.attribute("date1904") ?? "0"
                date1904 = value == "1" || value == "true"
            case "sheet" where element.parentName == "sheets":
                let name = element.attribute("name") ?? ""
                if let first = namesSeen.updateValue(name, forKey: name.lowercased()) {
                    let spelling = first == name ? "" : " (\"\(first)\" and \"\(name)\": Excel compares sheet names without case)"
                    problem = problem ?? WorkbookError(.invalidPackage, file: file, sheet: name, part: workbookPart,
                                                       message: "the workbook has two sheets named \"\(name)\"\(spelling); rename one and drop it again")
                    return
                }
                guard let rid = element.attribute("id", namespaceSuffix: "relationships") else {
                    problem = problem ?? WorkbookError(.missingPart, file: file, sheet: name, part: workbookPart,
                                                       message: "the sheet has no relationship id")
                    return
                }
                guard let rel = byId[rid] else {
                    problem = problem ?? WorkbookError(.missingPart, file: file, sheet: name, part: relsPart,
                                                       message: "the sheet's relationship \(rid) is missing")
                    return
                }
                guard rel.kind == "worksheet" else {
                    skipped.append(SkippedSheet(name: name, reason: Self.skipReason(rel)))
                    return
                }
                guard archive.has(rel.target) else {
                    problem = problem ?? WorkbookError(.missingPart, file: file, sheet: name, part: rel.target,
                                                       message: "the sheet's part is missing from the archive")
                    return
                }
                if let first = partsSeen.updateValue(name, forKey: ZipArchive.normalise(rel.target)) {
                    problem = problem ?? WorkbookError(.invalidPackage, file: file, sheet: name, part: rel.target,
                                                       message: "the sheets \"\(first)\" and \"\(name)\" are one part; a workbook whose sheets share a part is refused")
                    return
                }
                let visibility: SheetVisibility
                switch element.attribute("state") {
                case nil, "visible": visibility = .visible
                case "hidden": visibility = .hidden
                case "veryHidden": visibility = .veryHidden
                case let state?:
                    skipped.append(SkippedSheet(name: name, reason: .unknownState(state)))
                    return
                }
                sheets.append(SheetInfo(name: name, index: sheets.count, visibility: visibility, partName: rel.target))
            default:
                break
            }
        }
        if let problem { throw problem }
        // Each worksheet's Excel Tables, through its own relationships. A
        // table part that can't be read leaves the sheet to detection.
        for i in sheets.indices where sheets[i].visibility == .visible {
            sheets[i].tables = Self.tables(of: sheets[i].partName, archive: archive, load: load)
        }
        guard !sheets.isEmpty else {
            let why = skipped.isEmpty ? "" : " (" + skipped.map(\.description).joined(separator: "; ") + ")"
            throw WorkbookError(.noSheets, file: file, part: workbookPart, message: "the workbook has no worksheets\(why)")
        }
        self.sheets = sheets
        self.skipped = skipped
        self.date1904 = date1904
    }

    /// At most this many tables are read per sheet.
    static let maxTablesPerSheet = 256

    /// The tables of a worksheet part: its `table` relationships' parts,
    /// each read for its name, `ref`, header and totals row counts and
    /// column names. Parts that are missing or unreadable, and ranges that
    /// are not cell ranges, are left out.
    static func tables(of sheetPart: String, archive: ZipArchive, load: (String) throws -> StructuralXML) -> [ExcelTable] {
        let relsPart = relationshipsPart(of: sheetPart)
        guard archive.has(relsPart), let rels = try? relationships(of: sheetPart, xml: load(relsPart)) else { return [] }
        var tables: [ExcelTable] = []
        for rel in rels where rel.kind == "table" && archive.has(rel.target) && tables.count < maxTablesPerSheet {
            guard let xml = try? load(rel.target) else { continue }
            var table: ExcelTable?
            var names: [String] = []
            xml.forEachElement { element in
                switch element.localName {
                case "table" where element.parentName.isEmpty:
                    guard let ref = element.attribute("ref"), let range = CellReference.parseRange(ref),
                          let name = element.attribute("displayName") ?? element.attribute("name") else { return }
                    table = ExcelTable(name: name, firstColumn: range.first.column, lastColumn: range.last.column,
                                       firstRow: range.first.row, lastRow: range.last.row,
                                       headerRowCount: min(1, max(0, Int(element.attribute("headerRowCount") ?? "1") ?? 1)),
                                       totalsRowCount: min(1, max(0, Int(element.attribute("totalsRowCount") ?? "0") ?? 0)))
                case "tableColumn" where element.parentName == "tableColumns":
                    names.append(element.attribute("name") ?? "")
                default:
                    break
                }
            }
            guard var found = table else { continue }
            if names.count == found.lastColumn - found.firstColumn + 1 { found.columnNames = names }
            tables.append(found)
        }
        return tables
    }

    /// Why a sheet whose relationship is not a worksheet is skipped.
    static func skipReason(_ rel: Relationship) -> SkippedSheet.Reason {
        switch rel.kind {
        case "chartsheet": return .chartSheet
        case "dialogsheet": return .dialogSheet
        default:
            if rel.type.hasSuffix("/xlMacrosheet") || rel.type.hasSuffix("/xlIntlMacrosheet") { return .macroSheet(type: rel.type) }
            return .otherType(rel.type)
        }
    }

    /// `xl/workbook.xml` → `xl/_rels/workbook.xml.rels`.
    static func relationshipsPart(of part: String) -> String {
        let segments = part.split(separator: "/", omittingEmptySubsequences: false)
        let dir = segments.dropLast().joined(separator: "/")
        let name = segments.last.map(String.init) ?? ""
        return (dir.isEmpty ? "" : dir + "/") + "_rels/" + name + ".rels"
    }

    static func relationships(of source: String, xml: StructuralXML) throws -> [Relationship] {
        var result: [Relationship] = []
        xml.forEachElement { element in
            guard element.localName == "Relationship",
                  element.attribute("TargetMode") != "External",
                  let id = element.attribute("Id"), let type = element.attribute("Type"),
                  let target = element.attribute("Target") else { return }
            // Other types are kept (a sheet of such a type is reported as
            // that type, not as a missing relationship).
            let kind = relationshipBases.first(where: { type.hasPrefix($0) }).map { String(type.dropFirst($0.count)) } ?? ""
            result.append(Relationship(id: id, kind: kind, type: type, target: resolve(target, from: source)))
        }
        return result
    }

    /// Resolves a relationship target against its source part's folder
    /// (`/`-rooted targets are absolute; `.` and `..` segments handled;
    /// backslashes read as `/`).
    static func resolve(_ target: String, from source: String) -> String {
        let t = String(target.map { $0 == "\\" ? "/" : $0 })
        var segments: [Substring] = []
        if !t.hasPrefix("/") {
            segments = source.split(separator: "/", omittingEmptySubsequences: true).dropLast()
        }
        for segment in t.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { if !segments.isEmpty { segments.removeLast() }; continue }
            segments.append(segment)
        }
        return segments.joined(separator: "/")
    }
}
