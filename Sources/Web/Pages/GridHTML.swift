/// The table page's grid body — a `<tr>` per row, a `<td>` per cell — as
/// HTML, for `{{{gridRows}}}` in `rows.mustache`.
///
/// It is the one piece of a page not drawn by a template: a page of 100
/// rows × 20 columns is 2,000 cells, and swift-mustache spends some 15 ms
/// on their lookups (dynamic casts for each `{{key}}`) where this takes a
/// fraction of one. It writes exactly what the template line it replaces
/// wrote,
///
///     {{#rows}}<tr><td class="rownum">{{number}}</td>{{#cells}}{{#isNull}}<td class="null">NULL</td>{{/isNull}}{{^isNull}}<td class="{{align}}"{{#full}} title="{{.}}"{{/full}}>{{text}}</td>{{/isNull}}{{/cells}}</tr>
///     {{/rows}}
///
/// and every value goes through ``escape(_:into:)``, which escapes the
/// characters mustache's `{{ }}` escapes (`& < > " '`) the same way
/// (`PageModelsMustacheTests.theGridAsTheTemplateDrewIt` renders both and
/// compares them byte for byte).
enum GridHTML {
    static func rows(_ rows: [TablePage.Row]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * (64 + (rows.first?.cells.count ?? 0) * 32))
        for row in rows {
            out.append(contentsOf: #"<tr><td class="rownum">"#.utf8)
            escape(row.number, into: &out)
            out.append(contentsOf: "</td>".utf8)
            for cell in row.cells {
                out.append(contentsOf: #"<td class=""#.utf8)
                escape(cell.isNull ? "null" : cell.align, into: &out)
                out.append(UInt8(ascii: "\""))
                if let full = cell.full {
                    out.append(contentsOf: #" title=""#.utf8)
                    escape(full, into: &out)
                    out.append(UInt8(ascii: "\""))
                }
                out.append(UInt8(ascii: ">"))
                escape(cell.isNull ? "NULL" : cell.text, into: &out)
                out.append(contentsOf: "</td>".utf8)
            }
            out.append(contentsOf: "</tr>\n".utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` as HTML text or attribute value: `&` `<` `>` `"` `'` as
    /// `&amp;` `&lt;` `&gt;` `&quot;` `&#39;`, as mustache writes them.
    static func escape(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
                case UInt8(ascii: "'"): out.append(contentsOf: "&#39;".utf8)
                default: out.append(byte)
                }
            }
        }
    }
}
