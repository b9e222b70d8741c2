import Foundation

/// One cell of a workbook read back by Python (openpyxl, calamine), as
/// the JSON `[type, value]`: the XLSX writer's and the reports' tests.
public struct XLSXDumpCell: Decodable, Equatable, CustomStringConvertible {
    public var type: String
    public var value: String?
    public init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        type = try c.decode(String.self)
        if type == "null" { value = nil }
        else if type == "number" { value = String(try c.decode(Double.self)) }
        else if type == "bool" { value = String(try c.decode(Bool.self)) }
        else { value = try c.decode(String.self) }
    }
    public var description: String { "\(type):\(value ?? "nil")" }
}

extension XLSXDumpCell {
    /// A cell as the tests expect it (`value` as text; numbers and
    /// booleans typed as the JSON would hold them).
    public init(_ type: String, _ value: String?) {
        let typed: Any? = switch type {
        case "number": value.flatMap(Double.init)
        case "bool": value.map { $0 == "true" }
        default: value
        }
        let json = try! JSONSerialization.data(withJSONObject: typed.map { [type, $0] } ?? [type])
        self = try! JSONDecoder().decode(XLSXDumpCell.self, from: json)
    }
}
