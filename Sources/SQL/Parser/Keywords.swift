/// The words SQL gives a meaning to.
///
/// Keywords are matched case-insensitively (`select`, `SELECT` and `SeLeCt` are the same word).
/// Most are *reserved*: they can only be used as a table or column name when double-quoted
/// (`"table"`, `"index"`). A few that only mean something in one narrow place (`BEGIN ... READ
/// ONLY AS OF SYSTEM TIME n`, `PRIMARY KEY`, `EXPLAIN ANALYZE`) are *non-reserved*: elsewhere they
/// are ordinary identifiers, so a column may be called `time` or `key`.
public enum Keyword: String, Sendable, Hashable, CaseIterable {
    case all = "ALL"
    case and = "AND"
    case analyze = "ANALYZE"
    case `as` = "AS"
    case asc = "ASC"
    case begin = "BEGIN"
    case between = "BETWEEN"
    case bool = "BOOL"
    case boolean = "BOOLEAN"
    case by = "BY"
    case `case` = "CASE"
    case cast = "CAST"
    case commit = "COMMIT"
    case create = "CREATE"
    case cross = "CROSS"
    case `default` = "DEFAULT"
    case delete = "DELETE"
    case desc = "DESC"
    case distinct = "DISTINCT"
    case double = "DOUBLE"
    case drop = "DROP"
    case `else` = "ELSE"
    case end = "END"
    case except = "EXCEPT"
    case exists = "EXISTS"
    case explain = "EXPLAIN"
    case `false` = "FALSE"
    case float = "FLOAT"
    case from = "FROM"
    case group = "GROUP"
    case having = "HAVING"
    case `if` = "IF"
    case `in` = "IN"
    case index = "INDEX"
    case infinity = "INFINITY"
    case inner = "INNER"
    case insert = "INSERT"
    case int = "INT"
    case integer = "INTEGER"
    case intersect = "INTERSECT"
    case into = "INTO"
    case `is` = "IS"
    case join = "JOIN"
    case key = "KEY"
    case left = "LEFT"
    case like = "LIKE"
    case limit = "LIMIT"
    case nan = "NAN"
    case not = "NOT"
    case null = "NULL"
    case of = "OF"
    case offset = "OFFSET"
    case on = "ON"
    case only = "ONLY"
    case or = "OR"
    case order = "ORDER"
    case outer = "OUTER"
    case primary = "PRIMARY"
    case read = "READ"
    case references = "REFERENCES"
    case right = "RIGHT"
    case rollback = "ROLLBACK"
    case select = "SELECT"
    case set = "SET"
    case string = "STRING"
    case system = "SYSTEM"
    case table = "TABLE"
    case text = "TEXT"
    case then = "THEN"
    case time = "TIME"
    case transaction = "TRANSACTION"
    case `true` = "TRUE"
    case union = "UNION"
    case unique = "UNIQUE"
    case update = "UPDATE"
    case values = "VALUES"
    case varchar = "VARCHAR"
    case when = "WHEN"
    case `where` = "WHERE"
    case write = "WRITE"

    /// Keywords that are ordinary identifiers wherever they are not expected as keywords.
    public static let nonReserved: Set<Keyword> = [
        .analyze, .key, .of, .only, .read, .system, .time, .transaction, .write,
    ]

    /// Whether this keyword can only be used as a name when double-quoted.
    public var isReserved: Bool { !Keyword.nonReserved.contains(self) }

    /// Looks a word up case-insensitively; nil if it is not a keyword. Keywords are ASCII, so
    /// "ıf" (with a dotless i, which uppercases to I) is not IF.
    public init?(word: String) {
        guard word.utf8.allSatisfy({ $0 < 0x80 }), let keyword = Keyword.byWord[word.uppercased()] else { return nil }
        self = keyword
    }

    /// Every keyword by its uppercase spelling (a hash lookup beats comparing against each).
    static let byWord: [String: Keyword] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

    /// The length of the longest keyword, so longer words skip the lookup.
    static let longest = allCases.map(\.rawValue.utf8.count).max() ?? 0
}

/// Keyword lists for tools such as the REPL's tab completion.
public enum Keywords {
    /// Every keyword, uppercase, sorted.
    public static let all: [String] = Keyword.allCases.map(\.rawValue).sorted()
    /// The keywords that need double quotes to be used as names, uppercase, sorted.
    public static let reserved: [String] = Keyword.allCases.filter(\.isReserved).map(\.rawValue).sorted()
}
