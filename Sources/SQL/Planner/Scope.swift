/// Name resolution: which input column a name like `id` or `t.id` refers to.
///
/// A scope lists the columns a clause can see, each labelled with its table (or alias) and
/// name, plus the tables themselves (so `unknown.id` says "unknown table" rather than
/// "unknown column"). An unqualified name must match exactly one column: two tables with an
/// `id` make a bare `id` ambiguous. Errors suggest the nearest existing name.
struct Scope {
    /// The visible columns, by position in the input row.
    var labels: [Label]
    /// Table names and aliases visible as qualifiers.
    var tables: [String]
    /// Set when no columns may be referenced at all (VALUES, LIMIT, DEFAULT): the clause name.
    var constantOnly: Bool
    /// For a subquery, the scopes of the queries around it, nearest first: a name this scope
    /// lacks may be a correlated reference to one of them.
    var outer: [Scope] = []
    /// For a grouped query seen from a subquery in its select list, HAVING or ORDER BY: which
    /// input columns are grouped, each mapped to its column of the aggregate's output (the row
    /// the subquery is bound to). Any other column of the query is not one value per group,
    /// so referring to it is an error. Nil for an ordinary scope.
    var groupedColumns: [Int: Int]?
    /// For a subquery in FROM: the FROM items beside it, listed last among its outer scopes
    /// only so that a reference to one gets a clear error (they are not rows it could see).
    var isBeside = false

    init(labels: [Label] = [], tables: [String] = []) {
        self.labels = labels
        self.tables = tables
        self.constantOnly = false
    }

    /// A scope for constant expressions: any column reference is an error.
    static let constant: Scope = {
        var scope = Scope()
        scope.constantOnly = true
        return scope
    }()

    /// The scope of a table read directly (UPDATE/DELETE, a single-table FROM).
    init(table: Table, alias: String? = nil) {
        let qualifier = alias ?? table.name
        self.init(labels: table.columns.map { Label(table: qualifier, name: $0.name) }, tables: [qualifier])
    }

    /// The two scopes side by side, as a join's output is.
    func joined(with other: Scope) -> Scope {
        Scope(labels: labels + other.labels, tables: tables + other.tables)
    }

    /// The column `table.name` (or `name`): of this scope if it has one by that name, else of the
    /// nearest enclosing query that does (a correlated reference).
    func reference(table: AST.Name?, name: AST.Name) throws(SQLError) -> Expression {
        if constantOnly || has(table: table, name: name) {
            return .column(try resolve(table: table, name: name))
        }
        let written = table.map { "\($0.value).\(name.value)" } ?? name.value
        for (i, scope) in outer.enumerated() where scope.has(table: table, name: name) {
            let index = try scope.resolve(table: table, name: name)
            if scope.isBeside {
                throw SQLError(.semantic, "a subquery in FROM can't refer to \(written) of a table beside it in the same FROM; "
                               + "join them with a condition instead", at: name.position)
            }
            guard let grouped = scope.groupedColumns else {
                return .outer(level: i + 1, column: index, label: scope.labels[index])
            }
            guard let output = grouped[index] else {
                throw Scope.notGrouped(written, at: name.position)
            }
            return .outer(level: i + 1, column: output, label: scope.labels[index])
        }
        // No query has the column. If the qualifier names a table of a query around this one,
        // say the column is unknown there (`t.nope`), not that `t` is unknown.
        if let table, !tables.contains(table.value),
           let around = outer.first(where: { $0.tables.contains(table.value) }) {
            _ = try around.resolve(table: table, name: name)
        }
        return .column(try resolve(table: table, name: name))
    }

    private func has(table: AST.Name?, name: AST.Name) -> Bool {
        labels.contains { $0.name == name.value && (table == nil || $0.table == table?.value) }
    }

    /// The position of the column `table.name` (or `name`).
    ///
    /// - Throws: unknown table, unknown column (with a suggestion) or ambiguous column.
    func resolve(table: AST.Name?, name: AST.Name) throws(SQLError) -> Int {
        let written = table.map { "\($0.value).\(name.value)" } ?? name.value
        if constantOnly {
            throw SQLError(.semantic, "expression must be constant, found column \(written)", at: name.position)
        }
        if let table, !tables.contains(table.value) {
            throw SQLError(.semantic, "unknown table '\(table.value)'" + Scope.suggestion(table.value, tables),
                           at: table.position)
        }
        let matches = labels.indices.filter { i in
            labels[i].name == name.value && (table == nil || labels[i].table == table?.value)
        }
        if matches.count > 1 {
            throw SQLError(.semantic, "ambiguous column \(written)", at: name.position)
        }
        guard let match = matches.first else {
            let candidates = labels.compactMap { label -> String? in
                guard table == nil || label.table == table?.value else { return nil }
                return label.name
            }
            throw SQLError(.semantic, "unknown column '\(written)'" + Scope.suggestion(name.value, candidates),
                           at: name.position)
        }
        return match
    }

    /// The error for a column that a grouped query uses outside an aggregate without grouping it.
    static func notGrouped(_ name: String, at position: SourcePosition?) -> SQLError {
        SQLError(.semantic, "column \(name) must be used in an aggregate or GROUP BY expression", at: position)
    }

    /// "; did you mean 'name'?" when a candidate is close to `word`, else "".
    static func suggestion(_ word: String, _ candidates: [String]) -> String {
        guard let best = nearest(word, candidates) else { return "" }
        return "; did you mean '\(best)'?"
    }

    /// The candidate with the smallest edit distance to `word`, if it is close enough to be a
    /// plausible typo (two edits, more for long words; one for short ones; none for one letter).
    static func nearest(_ word: String, _ candidates: [String]) -> String? {
        // Any one-letter name is one edit from every other: no useful suggestion there.
        guard word.count > 1 else { return nil }
        let limit = word.count <= 3 ? 1 : max(2, word.count / 3)
        var best: (String, Int)?
        for candidate in Set(candidates).sorted() where candidate != word {
            let d = editDistance(word.lowercased(), candidate.lowercased())
            if d <= limit && d < (best?.1 ?? .max) { best = (candidate, d) }
        }
        return best?.0
    }

    /// Edit distance counting insertions, deletions, substitutions and swaps of neighbours
    /// (`nmae` is one edit from `name`). O(|a|·|b|).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
