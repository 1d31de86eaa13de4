import Inspect
import SQL
import Storage

/// `StorageInspector` for a database in this process: reads MVCC's version chains and raw
/// pairs directly and decodes them with the SQL key layout (`SQLKey`, `RowCodec`).
public final class LocalInspector: StorageInspector {
    let mvcc: MVCC
    /// The MVCC snapshot of a session's open transaction (nil: it would see the latest data).
    let snapshot: (any ShellSession) -> TransactionState?

    public init(mvcc: MVCC, snapshot: @escaping (any ShellSession) -> TransactionState?) {
        self.mvcc = mvcc
        self.snapshot = snapshot
    }

    public func versionChains(table: Table, key: Value?, viewers: [any ShellSession]) throws(ShellError) -> [VersionChain] {
        let states = viewers.map(snapshot)
        // The keys to show: every row and index entry, or one row and the index entries its
        // versions' values live under.
        var prefixes: [[UInt8]] = []
        var exactKeys: [[UInt8]] = []
        if let key {
            let rowKey = SQLKey.row(table: table.name, id: key).encoded
            exactKeys.append(rowKey)
            let versions = try guarded { try mvcc.versions(key: rowKey, viewer: nil) }
            var seen = Set<[UInt8]>()
            for version in versions.versions {
                guard let bytes = version.value, let row = try? RowCodec.decode(bytes) else { continue }
                for (i, column) in table.columns.enumerated() where column.isIndexed && i < row.count {
                    let entry = SQLKey.index(table: table.name, column: column.name, value: row[i]).encoded
                    if seen.insert(entry).inserted { exactKeys.append(entry) }
                }
            }
        } else {
            prefixes = [SQLKey.rowPrefix(table: table.name), SQLKey.indexPrefix(table: table.name)]
        }
        // One pass per viewer: MVCC labels visibility for one viewer at a time.
        var perViewer: [[KeyVersions]] = []
        for state in states.isEmpty ? [nil] : states {
            var keys: [KeyVersions] = []
            for prefix in prefixes {
                keys += try guarded { try mvcc.versions(prefix: prefix, viewer: state) }
            }
            for exact in exactKeys {
                let versions = try guarded { try mvcc.versions(key: exact, viewer: state) }
                if !versions.versions.isEmpty { keys.append(versions) }
            }
            perViewer.append(keys)
        }
        guard let first = perViewer.first else { return [] }
        return first.enumerated().map { k, keyVersions in
            let versions = keyVersions.versions.enumerated().map { v, info in
                ChainVersion(version: info.version, value: info.value.map { Self.describeValue($0, key: keyVersions.key) },
                             visibility: perViewer.map { viewer in
                                 // Same data, same order for every viewer; guard anyway.
                                 guard k < viewer.count, v < viewer[k].versions.count else { return .writtenLater }
                                 return Self.visibility(viewer[k].versions[v].visibility)
                             })
            }
            return VersionChain(key: Self.describeKey(keyVersions.key), versions: versions)
        }
    }

    public func activeTransactions() throws(ShellError) -> [ActiveTransaction] {
        try guarded { try mvcc.activeTransactions() }.map {
            ActiveTransaction(version: $0.version, readOnly: $0.readOnly, activeAtStart: $0.active.sorted())
        }
    }

    public func keys(table: String) throws(ShellError) -> [StoredPair] {
        let prefixes = [SQLKey.table(table).encoded, SQLKey.indexPrefix(table: table), SQLKey.rowPrefix(table: table)]
        var pairs: [StoredPair] = []
        for prefix in prefixes {
            let raw = try guarded { try mvcc.rawScan(prefix: MVCCKey.versionPrefix(prefix)) }
            for pair in raw {
                guard case .version(let userKey, let version)? = try? MVCCKey.decode(pair.key) else { continue }
                // The catalog prefix of table "t" also prefixes table "t2": keep exact matches.
                if prefix == prefixes[0] && userKey != prefix { continue }
                let value: String
                switch pair.value.first {
                case 0x00 where pair.value.count == 1: value = "⌫ tombstone"
                case 0x01: value = Self.describeValue(Array(pair.value.dropFirst()), key: userKey)
                default: value = "0x" + Drawing.hex(pair.value)
                }
                pairs.append(StoredPair(key: pair.key, decodedKey: Self.describeKey(userKey) + " @v\(version)",
                                        decodedValue: value))
            }
        }
        return pairs
    }

    public func status() throws(ShellError) -> [(title: String, properties: [(String, String)])] {
        let status = try guarded { try mvcc.status() }
        let engine = status.engine
        let active = status.activeTransactions.isEmpty ? "none" : status.activeTransactions.map { "txn \($0)" }.joined(separator: ", ")
        return [
            ("storage engine: \(engine.name)", [
                ("live keys", "\(engine.keys)"),
                ("live data", PropertiesDrawing.bytes(engine.logicalSize)),
                ("on disk", PropertiesDrawing.bytes(engine.diskSize)),
                ("garbage", PropertiesDrawing.bytes(engine.garbageSize)
                    + (engine.diskSize > 0 ? " (\(engine.garbageSize * 100 / engine.diskSize)% of disk)" : "")),
            ]),
            ("MVCC", [
                ("versions stored", "\(status.versions)"),
                ("next version", "\(status.nextVersion)"),
                ("active transactions", active),
            ]),
        ]
    }

    // MARK: Decoding

    /// `row 1`, `index name = 'ann'`, `table t`; hex if the bytes are not a SQL key.
    static func describeKey(_ bytes: [UInt8]) -> String {
        guard let key = try? SQLKey.decode(bytes) else { return "0x" + Drawing.hex(bytes) }
        switch key {
        case .table(let name): return "table \(name)"
        case .row(_, let id): return "row \(ValueText.literal(id))"
        case .index(_, let column, let value): return "index \(column)=\(ValueText.literal(value))"
        }
    }

    /// A row's values, an index entry's primary keys, or a schema, as text.
    static func describeValue(_ bytes: [UInt8], key: [UInt8]) -> String {
        switch try? SQLKey.decode(key) {
        case .row?:
            if let row = try? RowCodec.decode(bytes) { return "(" + row.map(ValueText.literal).joined(separator: ", ") + ")" }
        case let sqlKey?:
            if let text = LocalEngine.describe(sqlKey: sqlKey, value: bytes) { return text }
        case nil:
            break
        }
        return "0x" + Drawing.hex(bytes)
    }

    static func visibility(_ v: Visibility) -> VersionVisibility {
        switch v {
        case .visible: .visible
        case .shadowed: .shadowed
        case .ownWrite: .ownWrite
        case .activeAtStart: .activeAtStart
        case .writtenLater: .writtenLater
        case .uncommitted: .uncommitted
        }
    }

    private func guarded<T>(_ body: () throws -> T) throws(ShellError) -> T {
        do { return try body() } catch { throw ShellError("storage: \(error)") }
    }
}
