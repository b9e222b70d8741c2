import Accounts
import Mustache
import Testing
@testable import Web

/// The table page's models answer mustache lookups by name
/// (`PageModels+Mustache.swift`) instead of by `Mirror`: each answers every
/// stored property, with the property's value, and nothing else.
@Suite struct PageModelsMustacheTests {
    static func check(_ value: some MustacheParent) {
        let mirror = Mirror(reflecting: value)
        for child in mirror.children {
            let label = try! #require(child.label)
            let answer = value.child(named: label).map { "\($0)" } ?? "nil"
            let expected = Self.unwrapped(child.value)
            // A cell's nil `full` answers false (the lookup stops at the cell).
            let nilAnsweredFalse = value is TablePage.Cell && label == "full" && expected == "nil" && answer == "false"
            #expect(answer == expected || nilAnsweredFalse, "\(type(of: value)).\(label)")
        }
        #expect(value.child(named: "noSuchKey") == nil)
    }

    /// An optional's value as text, or "nil".
    static func unwrapped(_ value: Any) -> String {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return "\(value)" }
        return mirror.children.first.map { "\($0.value)" } ?? "nil"
    }

    @Test func everyPropertyIsAnswered() {
        let op = TablePage.Column.Op(value: "=", label: "=", selected: true)
        Self.check(op)
        Self.check(TablePage.Column(name: "amount", type: "number", align: "num", sortURL: "/versions/1?sort=amount",
                                    arrow: " ▲", ops: [op], filterValue: "12"))
        let cell = TablePage.Cell(isNull: false, text: "a long text", align: "", full: "a long text")
        Self.check(cell)
        Self.check(TablePage.Cell(isNull: true, text: "", align: "", full: nil))
        Self.check(TablePage.Row(number: "1", cells: [cell]))
        Self.check(TablePage(
            title: "t", frame: PageFrame(principal: Principal(user: User(id: 1, username: "u", isAdmin: true, disabled: false, grants: [:]),
                                                                     credential: .session(id: "s", csrfToken: "c")),
                                                   datasets: [], current: nil), dataset: "d/o", datasetID: 1, version: "v1", path: "/versions/1", q: "x",
            sort: "amount", hiddenFilters: ["a = 1"], allColumns: [.init(name: "a", shown: true)], columns: [],
            rows: [], problem: nil, countExact: true, countText: "1 row", countURL: "/c", first: "1", last: "1",
            firstRow: 1, previousURL: nil, nextURL: "/n", gotoFields: [.init(name: "q", value: "x")],
            printURL: "/versions/1/print", reportsURL: "/datasets/1/reports", report: nil))
    }

    /// GridHTML writes what the template line it replaced wrote, byte for
    /// byte, markup and quotes in values included.
    @Test func theGridAsTheTemplateDrewIt() throws {
        let template = try MustacheTemplate(string: """
            {{#rows}}<tr><td class="rownum">{{number}}</td>{{#cells}}{{#isNull}}<td class="null">NULL</td>{{/isNull}}{{^isNull}}<td class="{{align}}"{{#full}} title="{{.}}"{{/full}}>{{text}}</td>{{/isNull}}{{/cells}}</tr>
            {{/rows}}
            """)
        let nasty = "<script>alert('x')</script> & \"quoted\" — ü 日本 😀\nline"
        let rows = (1...3).map { n in
            TablePage.Row(number: "1,00\(n)", cells: [
                .init(isNull: false, text: nasty, align: "", full: nasty), .init(isNull: true, text: "", align: "num", full: nil),
                .init(isNull: false, text: "1,234.50 €", align: "num", full: nil), .init(isNull: false, text: "", align: "", full: nil),
            ])
        }
        #expect(GridHTML.rows(rows) == template.render(["rows": rows]))
        #expect(GridHTML.rows([]) == template.render(["rows": [TablePage.Row]()]))
        #expect(!GridHTML.rows(rows).contains("<script>"))
    }

    /// Rendered through the grid's template, escaped; a cell's nil `full` adds no title, not even one further up.
    @Test func aRowRendersAsBefore() throws {
        let template = try MustacheTemplate(string: "{{#rows}}<tr><td>{{number}}</td>{{#cells}}{{#isNull}}<td class=\"null\">NULL</td>{{/isNull}}{{^isNull}}<td class=\"{{align}}\"{{#full}} title=\"{{.}}\"{{/full}}>{{text}}</td>{{/isNull}}{{/cells}}</tr>{{/rows}}")
        let rows = [TablePage.Row(number: "7", cells: [
            .init(isNull: false, text: "<b>", align: "num", full: nil), .init(isNull: true, text: "", align: "", full: nil),
            .init(isNull: false, text: "x", align: "", full: "x & y"),
        ])]
        #expect(template.render(["rows": rows, "full": "a title further up"])
            == "<tr><td>7</td><td class=\"num\">&lt;b&gt;</td><td class=\"null\">NULL</td><td class=\"\" title=\"x &amp; y\">x</td></tr>")
    }
}
