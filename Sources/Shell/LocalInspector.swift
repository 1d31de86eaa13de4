import Encoding
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

    public func versionChains(table: Table, key: Value?, viewers: [any ShellSession], limit: Int) throws(ShellError)
        -> (chains: [VersionChain], more: Bool) {
        let states = viewers.map(snapshot)
        // The keys to show: the first `limit` rows and index entries, or one row and the index
        // entries its versions' values live under. Only those keys' versions are read, so a
        // big table costs no more than a small one.
        var keys: [[UInt8]] = []
        var more = false
        if let key {
            let rowKey = SQLKey.row(table: table.name, id: key).encoded
            keys.append(rowKey)
            let versions = try guarded { try mvcc.versions(key: rowKey, viewer: nil) }
            var seen = Set<[UInt8]>()
            for version in versions.versions {
                guard let bytes = version.value, let row = try? RowCodec.decode(bytes) else { continue }
                for (i, column) in table.columns.enumerated() where column.isIndexed && i < row.count {
                    let entry = SQLKey.index(table: table.name, column: column.name, value: row[i]).encoded
                    if seen.insert(entry).inserted { keys.append(entry) }
                }
            }
        } else {
            for prefix in [SQLKey.rowPrefix(table: table.name), SQLKey.indexPrefix(table: table.name)] {
                let (found, truncated) = try firstKeys(under: prefix, count: limit - keys.count)
                keys += found
                if truncated { more = true; break }
            }
        }
        // One pass per viewer: MVCC labels visibility for one viewer at a time.
        var perViewer: [[KeyVersions]] = []
        for state in states.isEmpty ? [nil] : states {
            var chains: [KeyVersions] = []
            for key in keys {
                let versions = try guarded { try mvcc.versions(key: key, viewer: state) }
                if !versions.versions.isEmpty { chains.append(versions) }
            }
            perViewer.append(chains)
        }
        guard let first = perViewer.first else { return ([], more) }
        let chains = first.enumerated().map { k, keyVersions in
            let versions = keyVersions.versions.enumerated().map { v, info in
                ChainVersion(version: info.version, value: info.value.map { Self.describeValue($0, key: keyVersions.key) },
                             visibility: perViewer.map { viewer in
                                 // Same data, same order for every viewer; guard anyway.
                                 guard k < viewer.count, v < viewer[k].versions.count else { return .writtenLater }
                                 return viewer[k].versions[v].visibility
                             })
            }
            return VersionChain(key: Self.describeKey(keyVersions.key), versions: versions)
        }
        return (chains, more)
    }

    /// The first `count` distinct user keys under `prefix`, read from the raw engine pairs a
    /// batch at a time, and whether more exist.
    private func firstKeys(under prefix: [UInt8], count: Int) throws(ShellError) -> (keys: [[UInt8]], more: Bool) {
        guard count > 0 else { return ([], true) }
        var keys: [[UInt8]] = []
        var batch = 256
        while true {
            let raw = try guarded { try mvcc.rawScan(prefix: MVCCKey.versionPrefix(prefix), limit: batch) }
            keys = []
            for pair in raw {
                guard case .version(let userKey, _)? = try? MVCCKey.decode(pair.key) else { continue }
                if keys.last != userKey {
                    if keys.count == count { return (keys, true) }
                    keys.append(userKey)
                }
            }
            if raw.count < batch { return (keys, false) }
            batch *= 4   // long version chains: read further
        }
    }

    public func activeTransactions() throws(ShellError) -> [ActiveTransaction] {
        try guarded { try mvcc.activeTransactions() }.map {
            ActiveTransaction(version: $0.version, readOnly: $0.readOnly, activeAtStart: $0.active.sorted())
        }
    }

    public func keys(table: String, limit: Int) throws(ShellError) -> (pairs: [StoredPair], more: Bool) {
        let prefixes = [SQLKey.table(table).encoded, SQLKey.indexPrefix(table: table), SQLKey.rowPrefix(table: table)]
        var pairs: [StoredPair] = []
        for prefix in prefixes {
            // One more than fits tells whether there are more.
            let raw = try guarded { try mvcc.rawScan(prefix: MVCCKey.versionPrefix(prefix), limit: limit + 1 - pairs.count) }
            for pair in raw {
                if pairs.count == limit { return (pairs, true) }
                guard case .version(let userKey, let version)? = try? MVCCKey.decode(pair.key) else { continue }
                // The catalog prefix of table "t" also prefixes table "t2": keep exact matches.
                if prefix == prefixes[0] && userKey != prefix { continue }
                let value: String
                do {
                    value = try MVCCValues.decode(pair.value).map { Self.describeValue($0, key: userKey) } ?? "⌫ tombstone"
                } catch {
                    value = "0x" + hexString(pair.value)
                }
                let segments = (try? SQLKey.decode(userKey)).map { MVCCKey.versionSegments($0.segments, version: version) }
                pairs.append(StoredPair(key: pair.key, decodedKey: Self.describeKey(userKey) + " @v\(version)",
                                        decodedValue: value, segments: segments ?? []))
            }
        }
        return (pairs, false)
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
                ("versions stored", "\(status.storedVersions) (every write of every key)"),
                ("transactions begun", "\(status.versions) (read-write)"),
                ("next version", "\(status.nextVersion)"),
                ("active transactions", active),
            ]),
        ]
    }

    // MARK: Decoding

    /// `row 1`, `index name='ann'`, `table t`: the table goes without saying in its listings.
    static func describeKey(_ bytes: [UInt8]) -> String {
        SQLKey.describe(bytes, .withinTable, value: ValueText.literal)
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
        return "0x" + hexString(bytes)
    }

    private func guarded<T>(_ body: () throws -> T) throws(ShellError) -> T {
        do { return try body() } catch { throw ShellError("storage: \(error)") }
    }
}
