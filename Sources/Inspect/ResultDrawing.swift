import SQL

/// The ways a statement's result can be printed (`.mode`, `--format`).
public enum OutputMode: String, Sendable, CaseIterable {
    /// Aligned columns with a header and a row count, like psql.
    case table
    /// One `column = value` line per column, rows separated by blank lines.
    case line
    /// RFC 4180 comma-separated values with a header row.
    case csv
    /// One JSON object per statement (the conformance runner's contract).
    case json
}

/// Renders `StatementResult`s in every output mode. Pure: result in, text out.
public enum ResultDrawing {
    /// The result as text in `mode`, ending with a newline (empty only for nothing to show). A
    /// table fits values and headers into `width` columns; the other modes print them whole.
    public static func draw(_ result: StatementResult, mode: OutputMode, width: Int = Drawing.defaultWidth) -> String {
        switch mode {
        case .json: return JSONResult.encode(result) + "\n"
        case .table, .line, .csv:
            guard case .query(let columns, let rows) = result else { return summary(result) + "\n" }
            switch mode {
            case .line: return lines(columns: columns, rows: rows)
            case .csv: return csv(columns: columns, rows: rows)
            default: return table(columns: columns, rows: rows, width: width)
            }
        }
    }

    /// The one-line report of a statement that is not a query: `INSERT 3`, `BEGIN …`.
    public static func summary(_ result: StatementResult) -> String {
        switch result {
        case .query(_, let rows): return rowCount(rows.count)
        case .begin(let version, let readOnly):
            return readOnly ? "BEGIN — read-only \(transactionLabel(version: version, readOnly: true))"
                            + ": sees what committed before version \(version)"
                            : "BEGIN — transaction \(version)"
        case .commit(let version): return "COMMIT — transaction \(version)"
        case .rollback(let version): return "ROLLBACK — transaction \(version)"
        case .createTable(let name): return "CREATE TABLE \(name)"
        case .dropTable(let name, let existed): return "DROP TABLE \(name)" + (existed ? "" : " (did not exist)")
        case .createIndex(let name): return "CREATE INDEX \(name)"
        case .dropIndex(let name, let existed): return "DROP INDEX \(name)" + (existed ? "" : " (did not exist)")
        case .insert(let n): return "INSERT \(n)"
        case .update(let n): return "UPDATE \(n)"
        case .delete(let n): return "DELETE \(n)"
        case .explain(let text): return text.hasSuffix("\n") ? String(text.dropLast()) : text
        }
    }

    /// How a transaction is named everywhere (prompt, BEGIN, `.sessions`, `.mvcc`): a read-write
    /// one by its version, `txn 7`; a read-only one, which owns no version and only reads below
    /// one, as a snapshot, `snapshot@7` — never as a number a writer may own too.
    public static func transactionLabel(version: UInt64, readOnly: Bool) -> String {
        readOnly ? "snapshot@\(version)" : "txn \(version)"
    }

    /// psql's closing line: `(1 row)`, `(3 rows)`.
    public static func rowCount(_ n: Int) -> String { n == 1 ? "(1 row)" : "(\(n) rows)" }

    /// An aligned table like psql's: centered header, `-+-` rule, numbers right-aligned, and the
    /// row count. Columns line up by display width. A value or header wider than `width` is cut
    /// to it with `…` and a closing note says so (line, csv and json modes show it whole), so
    /// drawing stays linear in the text and a screen shows the shape of the result.
    public static func table(columns: [String], rows: [[Value]], width: Int = Drawing.defaultWidth) -> String {
        var cut = 0
        let room = max(8, width - 2)   // a lone column is drawn with a space either side
        func fit(_ text: String) -> String {
            let shown = Drawing.visible(text)
            // Cheap bound first: a text with no more UTF-8 bytes than columns always fits.
            guard shown.utf8.count > room, Drawing.width(shown) > room else { return shown }
            cut += 1
            return Drawing.elide(shown, to: room)
        }
        let columns = columns.map(fit)
        let cells = rows.map { $0.map { fit(ValueText.cell($0)) } }
        var widths = columns.map(Drawing.width)
        for row in cells {
            for (i, cell) in row.enumerated() where i < widths.count {
                widths[i] = max(widths[i], Drawing.width(cell))
            }
        }
        var out = ""
        if !columns.isEmpty {
            let header = columns.enumerated().map { i, name in center(name, widths[i]) }
            out += trimTrailing(" " + header.joined(separator: " | ")) + "\n"
            out += widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "+") + "\n"
        }
        for (r, row) in cells.enumerated() {
            var parts: [String] = []
            for i in columns.indices {
                let cell = i < row.count ? row[i] : ""
                let numeric = i < rows[r].count && ValueText.isNumeric(rows[r][i])
                parts.append(numeric ? Drawing.padLeft(cell, to: widths[i]) : Drawing.padRight(cell, to: widths[i]))
            }
            out += trimTrailing(" " + parts.joined(separator: " | ")) + "\n"
        }
        out += rowCount(rows.count) + "\n"
        if cut > 0 {
            out += cut == 1 ? "(1 value cut at … to fit \(width) columns; .mode line shows it whole)\n"
                            : "(\(cut) values cut at … to fit \(width) columns; .mode line shows them whole)\n"
        }
        return out
    }

    /// sqlite's line mode: each row as `column = value` lines, rows separated by a blank line.
    public static func lines(columns: [String], rows: [[Value]]) -> String {
        let width = columns.map(Drawing.width).max() ?? 0
        var blocks: [String] = []
        for row in rows {
            var block = ""
            for (i, name) in columns.enumerated() {
                let value = i < row.count ? ValueText.cell(row[i]) : ""
                block += Drawing.padLeft(name, to: width) + " = " + value + "\n"
            }
            blocks.append(block)
        }
        return blocks.joined(separator: "\n")
    }

    /// RFC 4180 CSV: a header row, then one record per row. Fields holding a comma, quote or
    /// line break are quoted, with quotes doubled. NULL is an empty field.
    public static func csv(columns: [String], rows: [[Value]]) -> String {
        var out = columns.map(csvField).joined(separator: ",") + "\n"
        for row in rows {
            out += row.map { $0 == .null ? "" : csvField(ValueText.plain($0)) }.joined(separator: ",") + "\n"
        }
        return out
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
            return text
        }
        return "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    static func center(_ text: String, _ width: Int) -> String {
        let missing = max(0, width - Drawing.width(text))
        let left = missing / 2
        return String(repeating: " ", count: left) + text + String(repeating: " ", count: missing - left)
    }

    /// `text` without trailing spaces. Walks UTF-8 bytes: dropping characters off a Substring
    /// one at a time recounted it each time, which made a 60 KB value take 13 s to draw.
    static func trimTrailing(_ text: String) -> String {
        let bytes = text.utf8
        var end = bytes.endIndex
        while end > bytes.startIndex {
            let previous = bytes.index(before: end)
            guard bytes[previous] == UInt8(ascii: " ") else { break }
            end = previous
        }
        return String(text[..<end])
    }
}
