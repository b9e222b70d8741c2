public import Catalog

/// Dataset names from where a file came from (ARCHITECTURE.md):
/// `incoming/<department>/<name>.xlsx` is dataset `<name>` of
/// `<department>`; a file straight in `incoming/`, any other key, or a
/// local file is in department `default`. Deeper keys keep the rest of the
/// path in the name (`incoming/a/b/c.xlsx` → department `a`, name `b/c`).
/// The extension (`.xlsx`, `.csv`, any case) is dropped.
public enum SourceNaming {
    /// The workbook's dataset reference from a store key.
    public static func workbook(key: String) -> DatasetRef {
        var parts = key.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if parts.first == "incoming" { parts.removeFirst() }
        guard let last = parts.popLast() else { return DatasetRef(name: stripExtension(key)) }
        if parts.isEmpty { return DatasetRef(name: stripExtension(last)) }
        let department = parts.removeFirst()
        return DatasetRef(department: department, name: (parts + [stripExtension(last)]).joined(separator: "/"))
    }

    /// The workbook's dataset reference from a local path: department
    /// `default`, the file's base name.
    public static func workbook(path: String) -> DatasetRef {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return DatasetRef(name: stripExtension(base))
    }

    /// A sheet's dataset: the workbook itself when it has one visible
    /// sheet, else `<workbook>:<sheet>`.
    public static func dataset(workbook: DatasetRef, sheet: String, visibleSheets: Int) -> DatasetRef {
        visibleSheets <= 1 ? workbook : DatasetRef(department: workbook.department, name: "\(workbook.name):\(sheet)")
    }

    static func stripExtension(_ name: String) -> String {
        for ext in [".xlsx", ".xlsm", ".csv", ".txt"] where name.lowercased().hasSuffix(ext) && name.count > ext.count {
            return String(name.dropLast(ext.count))
        }
        return name
    }
}
