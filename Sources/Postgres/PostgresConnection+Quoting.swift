extension PostgresConnection {
    /// `name` as a quoted SQL identifier: wrapped in `"`, inner `"` doubled.
    /// NUL characters, which PostgreSQL cannot store, are removed. Pure.
    public static func quoteIdentifier(_ name: String) -> String {
        var quoted = "\""
        quoted.reserveCapacity(name.utf8.count + 2)
        for character in name.unicodeScalars where character != "\0" {
            if character == "\"" { quoted.unicodeScalars.append("\"") }
            quoted.unicodeScalars.append(character)
        }
        quoted += "\""
        return quoted
    }

    /// `"schema"."name"`, each part quoted with ``quoteIdentifier(_:)``.
    public static func quoteQualified(_ schema: String, _ name: String) -> String {
        "\(quoteIdentifier(schema)).\(quoteIdentifier(name))"
    }

    /// `value` as a SQL string literal, for the few places parameters cannot
    /// go (DDL such as `COMMENT ON`): `'…'` with `'` doubled, and `E'…'` with
    /// backslashes doubled when it has any (correct whatever
    /// `standard_conforming_strings` is). NULs are removed. Pure.
    public static func quoteLiteral(_ value: String) -> String {
        let hasBackslash = value.unicodeScalars.contains("\\")
        var quoted = hasBackslash ? "E'" : "'"
        for character in value.unicodeScalars where character != "\0" {
            if character == "'" || (hasBackslash && character == "\\") { quoted.unicodeScalars.append(character) }
            quoted.unicodeScalars.append(character)
        }
        quoted += "'"
        return quoted
    }
}
