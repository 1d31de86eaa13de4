/// A table drawn with box-drawing characters, fitted to a width: the widest columns give up
/// space first and their cells are elided with `…`. The building block of the `.mvcc`, `.keys`,
/// `.status` and `.sessions` drawings.
public struct BoxTable: Sendable {
    /// Column titles.
    public var headers: [String]
    /// Cell text, one array per row (short rows are padded with empty cells).
    public var rows: [[String]]
    /// Row positions before which a horizontal rule is drawn (groups, such as one key's versions).
    public var rulesBefore: Set<Int>
    /// Columns drawn right-aligned (numbers).
    public var rightAligned: Set<Int>
    /// The narrowest a column may be squeezed to.
    public var minimumColumnWidth = 4
    /// Columns that give up width first when the table is too wide (nil: any column).
    public var shrinkFirst: Set<Int>? = nil
    /// Whether the header line is drawn (property lists go without).
    public var showsHeader = true
    /// Rows whose first cell spans the whole table instead of one column, wrapped (never cut)
    /// onto as many lines as it needs: `.mvcc` puts values there when columns are too narrow.
    public var spanningRows: Set<Int> = []

    public init(headers: [String], rows: [[String]], rulesBefore: Set<Int> = [], rightAligned: Set<Int> = []) {
        self.headers = headers
        self.rows = rows
        self.rulesBefore = rulesBefore
        self.rightAligned = rightAligned
    }

    /// The width the table would take with no column squeezed.
    public var naturalWidth: Int {
        let widths = naturalColumnWidths(headers.map(Drawing.visible), rows.map { $0.map(Drawing.visible) })
        return widths.reduce(0, +) + 3 * widths.count + 1
    }

    private func naturalColumnWidths(_ headers: [String], _ rows: [[String]]) -> [Int] {
        var widths = headers.map(Drawing.width)
        for (r, row) in rows.enumerated() where !spanningRows.contains(r) {
            for (i, cell) in row.prefix(headers.count).enumerated() { widths[i] = max(widths[i], Drawing.width(cell)) }
        }
        return widths
    }

    /// The table in at most `width` columns (unless even the minimum widths do not fit).
    public func draw(width: Int = Drawing.defaultWidth) -> String {
        let count = headers.count
        guard count > 0 else { return "" }
        let headers = headers.map(Drawing.visible)
        let rows = rows.map { $0.map(Drawing.visible) }
        var widths = naturalColumnWidths(headers, rows)
        // Each column costs its width plus " │ " between and "│ "/" │" at the ends.
        var total = widths.reduce(0, +) + 3 * count + 1
        // Shrink the preferred columns first, then any column, always the widest one.
        for candidates in [shrinkFirst.map { Array($0).sorted() } ?? Array(widths.indices), Array(widths.indices)] {
            while total > width {
                guard let widest = candidates.filter({ $0 < count }).max(by: { widths[$0] < widths[$1] }),
                      widths[widest] > minimumColumnWidth else { break }
                widths[widest] -= 1
                total -= 1
            }
        }
        func rule(_ left: String, _ middle: String, _ right: String) -> String {
            left + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: middle) + right + "\n"
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for i in 0..<count {
                let text = Drawing.elide(i < cells.count ? cells[i] : "", to: widths[i])
                parts.append(rightAligned.contains(i) ? Drawing.padLeft(text, to: widths[i])
                                                      : Drawing.padRight(text, to: widths[i]))
            }
            return "│ " + parts.joined(separator: " │ ") + " │\n"
        }
        func spanning(_ text: String) -> String {
            let inner = max(1, total - 4)
            return Drawing.wrap(text, to: inner).map { "│ " + Drawing.padRight($0, to: inner) + " │\n" }.joined()
        }
        var out = rule("┌", "┬", "┐")
        if showsHeader { out += line(headers) + rule("├", "┼", "┤") }
        for (i, row) in rows.enumerated() {
            if i > 0 && rulesBefore.contains(i) { out += rule("├", "┼", "┤") }
            out += spanningRows.contains(i) ? spanning(row.first ?? "") : line(row)
        }
        return out + rule("└", "┴", "┘")
    }
}
