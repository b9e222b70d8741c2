import Foundation

/// A workbook made in the test from its parts' XML, zipped by the `zip`
/// tool (deflated), so each hostile variant is written where it is tested.
public enum HandMadeWorkbook {
    public static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    public static let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    /// A worksheet part holding `sheetData`.
    public static func worksheet(_ sheetData: String) -> String {
        #"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="\#(main)" xmlns:r="\#(rel)"><sheetData>\#(sheetData)</sheetData></worksheet>"#
    }

    /// One `<sheet>` of a hand-made workbook: its name, relationship target
    /// (relative to `xl/`), relationship type and `state` attribute.
    public struct Sheet {
        public var name: String
        public var target: String
        public var type: String
        public var state: String?

        public init(name: String, target: String, type: String = "\(HandMadeWorkbook.rel)/worksheet", state: String? = nil) {
            self.name = name
            self.target = target
            self.type = type
            self.state = state
        }
    }

    /// Writes a package whose workbook lists `sheets` (name, relationship
    /// target relative to `xl/`) and holds `parts` (path → XML); returns
    /// the file's path in `directory`.
    public static func write(sheets: [(name: String, target: String)], parts: [String: String], in directory: URL,
                      name: String = "book.xlsx") throws -> String {
        try write(sheets.map { Sheet(name: $0.name, target: $0.target) }, parts: parts, in: directory, name: name)
    }

    /// Writes a package of `sheets` and `parts` (path → XML), with
    /// `xl/sharedStrings.xml` and `xl/styles.xml` related to the workbook
    /// when `parts` holds them; returns the file's path in `directory`.
    public static func write(_ sheets: [Sheet], parts: [String: String], in directory: URL, name: String = "book.xlsx") throws -> String {
        var files = parts
        files["[Content_Types].xml"] = #"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#
        files["_rels/.rels"] = #"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="\#(rel)/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        var sheetElements = ""
        var relationships = ""
        for (i, sheet) in sheets.enumerated() {
            let state = sheet.state.map { #" state="\#($0)""# } ?? ""
            sheetElements += #"<sheet name="\#(sheet.name)" sheetId="\#(i + 1)"\#(state) r:id="rId\#(i + 1)"/>"#
            relationships += #"<Relationship Id="rId\#(i + 1)" Type="\#(sheet.type)" Target="\#(sheet.target)"/>"#
        }
        if parts["xl/sharedStrings.xml"] != nil {
            relationships += #"<Relationship Id="rIdS" Type="\#(rel)/sharedStrings" Target="sharedStrings.xml"/>"#
        }
        if parts["xl/styles.xml"] != nil {
            relationships += #"<Relationship Id="rIdT" Type="\#(rel)/styles" Target="styles.xml"/>"#
        }
        files["xl/workbook.xml"] = #"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="\#(main)" xmlns:r="\#(rel)"><sheets>\#(sheetElements)</sheets></workbook>"#
        files["xl/_rels/workbook.xml.rels"] = #"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\#(relationships)</Relationships>"#

        let source = directory.appendingPathComponent("parts-\(name)")
        for (path, text) in files {
            let url = source.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        let target = directory.appendingPathComponent(name).path
        _ = try TIProcess.run("/bin/sh", ["-c", "cd \"$1\" && zip -q -X -r \"$2\" .", "sh", source.path, target])
        return target
    }

    /// A one-sheet workbook (sheet "S") whose sheet data is `sheetData`.
    public static func oneSheet(_ sheetData: String, in directory: URL) throws -> String {
        try write(sheets: [("S", "worksheets/sheet1.xml")], parts: ["xl/worksheets/sheet1.xml": worksheet(sheetData)], in: directory)
    }
}

