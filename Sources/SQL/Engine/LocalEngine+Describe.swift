import Encoding
import Storage

/// Raw storage keys and values in words, for the REPL's `.keys` and `.mvcc`: the learner sees
/// `Version(row 7 of movies, 3)` beside the hex instead of guessing what the bytes mean.
extension LocalEngine {
    /// A raw engine key (as `MVCC.rawScan` returns them) in words, decoding the MVCC wrapper and
    /// the SQL key inside it: `Version(row 7 of movies, 3)`, `TxnWrite(4, index movies.genre =
    /// 'scifi')`, `NextVersion`. Bytes that are neither print as hex; this never throws.
    public static func describe(key: [UInt8]) -> String {
        guard let mvccKey = try? MVCCKey.decode(key) else { return "?" + hexString(key) }
        switch mvccKey {
        case .nextVersion: return "NextVersion"
        case .txnActive(let version): return "TxnActive(\(version))"
        case .txnActiveSnapshot(let version): return "TxnActiveSnapshot(\(version))"
        case .txnWrite(let version, let key): return "TxnWrite(\(version), \(SQLKey.describe(key)))"
        case .version(let key, let version): return "Version(\(SQLKey.describe(key)), \(version))"
        case .unversioned(let key): return "Unversioned(\(SQLKey.describe(key)))"
        }
    }

    /// The value stored under a SQL key in words: a row's values, an index entry's primary
    /// keys, or a table's column list. nil if the value does not decode as that kind.
    public static func describe(sqlKey key: SQLKey, value: [UInt8]) -> String? {
        switch key {
        case .row:
            return (try? RowCodec.decode(value)).map { "(" + $0.map(\.description).joined(separator: ", ") + ")" }
        case .index:
            return (try? RowCodec.decodeIDs(value)).map { "{" + $0.map(\.description).joined(separator: ", ") + "}" }
        case .table:
            guard let table = try? SchemaCodec.decode(value) else { return nil }
            let columns = table.columns.enumerated().map { position, column in
                column.name == Table.rowIDName ? "(hidden row id)"
                    : "\(column.name) \(column.dataType.rawValue)" + (position == table.primaryKey ? " PRIMARY KEY" : "")
            }
            return "\(table.name) (" + columns.joined(separator: ", ") + ")"
        }
    }

    /// The value of a raw engine pair in words, when it is a SQL version: `tombstone`, or the
    /// SQL value inside MVCC's version value. nil for other pairs and undecodable bytes.
    public static func describe(key: [UInt8], value: [UInt8]) -> String? {
        guard case .version(let userKey, _)? = try? MVCCKey.decode(key),
              let sqlKey = try? SQLKey.decode(userKey) else { return nil }
        let stored: [UInt8]?
        do { stored = try MVCCValues.decode(value) } catch { return nil }
        guard let stored else { return "tombstone" }
        return describe(sqlKey: sqlKey, value: stored)
    }
}
