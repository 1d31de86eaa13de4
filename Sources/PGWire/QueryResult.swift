import SQL

/// What one statement sends back: a RowDescription and rows (`columns` set), or only a
/// command tag (`INSERT 0 3`, `UPDATE 1`, `BEGIN`…).
struct PGQueryResult: Sendable {
    var columns: [PGColumn]?
    var rows: [[Value]]
    var tag: String
    /// A warning to send before the result (a COMMIT with no transaction, as PostgreSQL does).
    var notice: PGErrorFields?

    static func rows(_ names: [String], _ rows: [[Value]], types: [PGType]) -> PGQueryResult {
        let columns = zip(names, types).map { PGColumn(name: $0, type: $1) }
        return PGQueryResult(columns: columns, rows: rows, tag: "SELECT \(rows.count)")
    }

    static func command(_ tag: String) -> PGQueryResult {
        PGQueryResult(columns: nil, rows: [], tag: tag)
    }

    /// A Cutaway result in PostgreSQL's terms: column types from the values, PostgreSQL's tags.
    init(_ result: StatementResult) {
        switch result {
        case let .query(names, rows):
            self = .rows(names, rows, types: names.indices.map { PGType.of(column: $0, in: rows) })
        case .explain(let drawing):
            let lines = drawing.split(separator: "\n", omittingEmptySubsequences: false).map { [Value.string(String($0))] }
            self = .rows(["QUERY PLAN"], lines, types: [.text])
            tag = "EXPLAIN"
        case .insert(let count): self = .command("INSERT 0 \(count)")
        case .update(let count): self = .command("UPDATE \(count)")
        case .delete(let count): self = .command("DELETE \(count)")
        default: self = .command(result.commandTag)
        }
    }

    init(columns: [PGColumn]?, rows: [[Value]], tag: String) {
        self.columns = columns
        self.rows = rows
        self.tag = tag
    }
}
