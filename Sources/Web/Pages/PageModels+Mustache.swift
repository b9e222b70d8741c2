import Mustache

// The table page itself, its columns and their operators answer
// swift-mustache's lookups by name, like its rows and cells (PageModels.swift).
// A cell whose `full` is nil sends the lookup up the context stack to the
// page: through a `Mirror` of the whole page that cost over 100 ms for a page
// of 100 rows × 20 columns. Every stored property is listed; any other name
// answers nil, so the lookup goes on up the stack as with a `Mirror`.
// `PageModelsMustacheTests` checks each list against the type's `Mirror`.

extension TablePage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "title": return title
        case "frame": return frame
        case "dataset": return dataset
        case "datasetID": return datasetID
        case "version": return version
        case "path": return path
        case "q": return q
        case "sort": return sort
        case "hiddenFilters": return hiddenFilters
        case "allColumns": return allColumns
        case "columns": return columns
        case "rows": return rows
        // The grid's rows, drawn and escaped by GridHTML (rows.mustache's `{{{gridRows}}}`).
        case "gridRows": return GridHTML.rows(rows)
        case "problem": return problem
        case "countExact": return countExact
        case "countText": return countText
        case "countURL": return countURL
        case "first": return first
        case "last": return last
        case "firstRow": return firstRow
        case "previousURL": return previousURL
        case "nextURL": return nextURL
        case "gotoFields": return gotoFields
        case "printURL": return printURL
        case "reportsURL": return reportsURL
        case "report": return report
        default: return nil
        }
    }
}

extension TablePage.Column: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "name": return self.name
        case "type": return type
        case "align": return align
        case "sortURL": return sortURL
        case "arrow": return arrow
        case "ops": return ops
        case "filterValue": return filterValue
        default: return nil
        }
    }
}

extension TablePage.Column.Op: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "value": return value
        case "label": return label
        case "selected": return selected
        default: return nil
        }
    }
}
