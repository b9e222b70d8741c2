/// Hides passwords in connection strings before they are printed or logged.
///
/// Handles URLs (`postgresql://user:secret@host/db?password=secret`,
/// `https://user:secret@endpoint`) and libpq keyword/value strings
/// (`host=db password='se cret'`). When in doubt it hides more, never less:
/// the userinfo ends at the *last* `@` before the query, so a password that
/// contains `/` or `@` is still covered.
public enum Redaction {
    /// What replaces a secret.
    public static let mask = "***"

    /// `text` with every password replaced by `***`.
    public static func redactingSecrets(in text: String) -> String {
        if let schemeEnd = text.range(of: "://") {
            return redactingURL(text, schemeEnd: schemeEnd)
        }
        return redactingKeywordValue(text)
    }

    private static func redactingURL(_ text: String, schemeEnd: Range<String.Index>) -> String {
        let afterScheme = schemeEnd.upperBound
        // The query (and fragment) start at the first `?` or `#`.
        let queryStart = text[afterScheme...].firstIndex(where: { $0 == "?" || $0 == "#" }) ?? text.endIndex
        var result = String(text[..<afterScheme])
        let beforeQuery = text[afterScheme..<queryStart]
        if let at = beforeQuery.lastIndex(of: "@"),
            let colon = beforeQuery[..<at].firstIndex(of: ":")
        {
            result += beforeQuery[..<colon] + ":" + mask + beforeQuery[at...]
        } else if let at = beforeQuery.lastIndex(of: "@"), !isPostgres(text[..<schemeEnd.lowerBound]) {
            // A lone userinfo (`s3://TOKEN@bucket`) may itself be the secret;
            // only PostgreSQL URLs name a plain user there.
            result += mask + beforeQuery[at...]
        } else {
            result += beforeQuery
        }
        let query = text[queryStart...]
        result += query.replacing(#/(?i)([?&]password=)[^&#]*/#) { match in
            match.output.1 + mask
        }
        return result
    }

    private static func isPostgres(_ scheme: Substring) -> Bool {
        let lowered = scheme.lowercased()
        return lowered == "postgres" || lowered == "postgresql"
    }

    private static func redactingKeywordValue(_ text: String) -> String {
        text.replacing(#/(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s]*)/#) { match in
            match.output.1 + mask
        }
    }
}
