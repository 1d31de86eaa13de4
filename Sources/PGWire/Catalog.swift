import SQL

/// Answers the catalog queries psql and drivers send (`\d`, `\dt`, `\d t`, `\l`, `SHOW`,
/// `version()`) from Cutaway's own catalog. Not a general `pg_catalog`: each query is known
/// by what it asks, and any other catalog query gets an empty answer rather than an error,
/// so a client's optional look-ups (policies, publications…) find nothing to show.
struct PGCatalog {
    let tables: [Table]
    let database: String
    let user: String

    /// A table's oid as psql sees it: stable while the catalog does not change.
    func oid(of table: Table) -> Int { 16384 + (tables.firstIndex(of: table) ?? 0) }

    /// Whether `sql` asks the catalog rather than the SQL engine.
    static func handles(_ sql: String) -> Bool {
        let lower = sql.lowercased()
        return lower.contains("pg_catalog") || lower.contains("information_schema") || lower.contains("pg_type")
            || lower.contains("version()") || lower.contains("current_schema")
    }

    /// The answer to a catalog query.
    func answer(_ sql: String) -> PGQueryResult {
        let lower = sql.lowercased()
        if lower.contains("version()") && !lower.contains(" from ") {
            return .rows(["version"], [[.string("PostgreSQL \(PGServer.serverVersion) (Cutaway)")]], types: [.text])
        }
        if lower.contains("c.relchecks") { return relationInfo(lower) }
        if lower.contains("from pg_catalog.pg_attribute a") { return attributes(lower) }
        if lower.contains("pg_catalog.pg_index i") && lower.contains("c2.relname") { return indexes(lower) }
        if lower.contains("from pg_catalog.pg_database d") { return databases() }
        if lower.contains("as \"schema\"") && lower.contains("c.relname as \"name\"") { return relationList(sql) }
        if lower.contains("from pg_catalog.pg_class c") && lower.contains("c.relname operator(pg_catalog.~)") {
            return lookUp(sql)
        }
        if lower.contains("from pg_catalog.pg_class c") && lower.contains("n.nspname") && lower.hasPrefix("select c.oid") {
            return lookUp(sql)
        }
        return .rows(["?column?"], [], types: [.text])
    }

    /// `\d NAME`'s first step: which relations match the pattern `'^(NAME)$'`.
    private func lookUp(_ sql: String) -> PGQueryResult {
        let pattern = Self.quoted(after: "operator(pg_catalog.~)", in: sql)
        let name = pattern.map { Self.plainName(fromPattern: $0) }
        let matches = tables.filter { table in name.map { $0 == nil || $0 == table.name.lowercased() } ?? true }
        return .rows(["oid", "nspname", "relname"],
                     matches.map { [.integer(Int64(oid(of: $0))), .string("public"), .string($0.name)] },
                     types: [.int8, .text, .text])
    }

    private func table(in lowerSQL: String) -> Table? {
        for marker in ["a.attrelid = '", "c.oid = '"] {
            guard let oidText = Self.quoted(after: marker.dropLast(), in: lowerSQL), let number = Int(oidText) else { continue }
            let index = number - 16384
            return tables.indices.contains(index) ? tables[index] : nil
        }
        return nil
    }

    private func relationInfo(_ lower: String) -> PGQueryResult {
        let names = ["relchecks", "relkind", "relhasindex", "relhasrules", "relhastriggers", "relrowsecurity",
                     "relforcerowsecurity", "relhasoids", "relispartition", "?column?", "reltablespace", "reloftype",
                     "relpersistence", "relreplident", "amname"]
        guard table(in: lower) != nil else { return .rows(names, [], types: names.map { _ in .text }) }
        let row: [Value] = ["0", "r", "t", "f", "f", "f", "f", "f", "f", "", "0", "", "p", "d", "heap"].map { .string($0) }
        return .rows(names, [row], types: names.map { _ in .text })
    }

    private func attributes(_ lower: String) -> PGQueryResult {
        var names = ["attname", "format_type", "pg_get_expr", "attnotnull", "attcollation", "attidentity", "attgenerated"]
        // `\d+` also asks for storage, compression, statistics target and description.
        let verbose = lower.contains("a.attstorage")
        if verbose { names += ["attstorage", "attcompression", "attstattarget", "col_description"] }
        let rows: [[Value]] = table(in: lower)?.visibleColumns.map { column in
            var row: [Value] = [
                .string(column.name), .string(PGType(column.dataType).name),
                column.defaultValue.flatMap { PGValues.text($0).map { .string(Self.literal($0, column.dataType)) } } ?? .null,
                .string(column.nullable ? "f" : "t"), .null, .string(""), .string("")]
            if verbose { row += [.string(column.dataType == .string ? "x" : "p"), .string(""), .null, .null] }
            return row
        } ?? []
        return .rows(names, rows, types: names.map { _ in .text })
    }

    private func indexes(_ lower: String) -> PGQueryResult {
        let names = ["relname", "indisprimary", "indisunique", "indisclustered", "indisvalid", "pg_get_indexdef",
                     "pg_get_constraintdef", "contype", "condeferrable", "condeferred", "indisreplident", "reltablespace"]
        guard let table = table(in: lower) else { return .rows(names, [], types: names.map { _ in .text }) }
        var rows: [[Value]] = []
        let key = table.columns[safe: table.primaryKey]?.name ?? "?"
        if !table.hasRowID { rows.append(["\(table.name)_pkey", "t", "t", "f", "t",
                     "CREATE UNIQUE INDEX \(table.name)_pkey ON public.\(table.name) USING btree (\(key))",
                     "PRIMARY KEY (\(key))", "p", "f", "f", "f", "0"].map { .string($0) }) }
        for column in table.columns {
            for index in column.indexes.sorted() {
                rows.append([.string(index), .string("f"), .string(column.unique ? "t" : "f"), .string("f"), .string("t"),
                             .string("CREATE \(column.unique ? "UNIQUE " : "")INDEX \(index) ON public.\(table.name) USING btree (\(column.name))"),
                             .null, .null, .null, .null, .string("f"), .string("0")])
            }
        }
        return .rows(names, rows, types: names.map { _ in .text })
    }

    private func relationList(_ sql: String) -> PGQueryResult {
        let pattern = Self.quoted(after: "OPERATOR(pg_catalog.~)", in: sql).flatMap { Self.plainName(fromPattern: $0) }
        // `\dt` asks for kinds ('r','p'), `\dv` for views ('v'), `\d` for all: only tables exist here.
        let lower = sql.lowercased()
        let kinds = lower.range(of: "c.relkind in (").map { lower[$0.upperBound...].prefix { $0 != ")" } }
        let wantsTables = kinds.map { $0.contains("'r'") } ?? true
        let shown = tables.filter { wantsTables && (pattern == nil || $0.name.lowercased() == pattern) }
        return .rows(["Schema", "Name", "Type", "Owner"],
                     shown.map { [.string("public"), .string($0.name), .string("table"), .string(user)] },
                     types: [.text, .text, .text, .text])
    }

    private func databases() -> PGQueryResult {
        let names = ["Name", "Owner", "Encoding", "Collate", "Ctype", "ICU Locale", "Locale Provider", "Access privileges"]
        let row: [Value] = [.string(database), .string(user), .string("UTF8"), .string("C"), .string("C"), .null,
                            .string("libc"), .null]
        return .rows(names, [row], types: names.map { _ in .text })
    }

    /// The text of the first single-quoted string after `marker` (case-insensitive).
    static func quoted<S: StringProtocol>(after marker: S, in sql: String) -> String? {
        guard let range = sql.range(of: marker, options: .caseInsensitive) else { return nil }
        let rest = sql[range.upperBound...]
        guard let open = rest.firstIndex(of: "'") else { return nil }
        let afterOpen = rest[rest.index(after: open)...]
        guard let close = afterOpen.firstIndex(of: "'") else { return nil }
        return String(afterOpen[..<close])
    }

    /// psql's `'^(name)$'` → `name`; nil when the pattern has wildcards (then all match).
    static func plainName(fromPattern pattern: String) -> String? {
        var name = pattern
        if name.hasPrefix("^(") && name.hasSuffix(")$") { name = String(name.dropFirst(2).dropLast(2)) }
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return name.lowercased()
    }

    private static func literal(_ text: String, _ type: DataType) -> String {
        type == .string ? "'" + text.replacingOccurrences(of: "'", with: "''") + "'::text" : text
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
