import Encoding
import SQL
import Storage

/// A write that goes through the Raft log: every node applies it to its own MVCC store.
///
/// Each carries the client that sent it and that client's sequence number, so a command sent
/// again after a change of leader is recognised and answered from memory instead of being
/// applied twice.
public struct SQLCommand: Sendable, Hashable {
    /// Who sent the command and its place in that client's sequence.
    public var client: UInt64
    public var sequence: UInt64
    public var action: Action

    /// What the command does.
    public enum Action: Sendable, Hashable {
        /// `BEGIN`: a read-write transaction with a new version.
        case begin
        /// One statement's writes in an open transaction (applied all or nothing), committing
        /// the transaction afterwards when `commit` is set.
        case write(TransactionState, [Mutation], commit: Bool)
        /// An autocommitted statement: begin a transaction that sees what `snapshot` saw (the
        /// statement read on it), make the writes and commit — or, when `commit` is false
        /// (the statement failed before it wrote), just use up the version, as a local engine
        /// does, so version numbers stay the same on every engine.
        case autocommit(snapshot: TransactionState, [Mutation], commit: Bool)
        case commit(TransactionState)
        case rollback(TransactionState)
    }

    public init(client: UInt64, sequence: UInt64, action: Action) {
        self.client = client
        self.sequence = sequence
        self.action = action
    }

    public func encoded() -> [UInt8] {
        var w = BinaryWriter()
        w.writeByte(Self.format)
        w.writeUVarint(client)
        w.writeUVarint(sequence)
        func mutations(_ list: [Mutation]) {
            w.writeUVarint(UInt64(list.count))
            for mutation in list { SQLWire.write(mutation, to: &w) }
        }
        switch action {
        case .begin:
            w.writeByte(0)
        case .write(let state, let list, let commit):
            w.writeByte(1)
            SQLWire.write(state, to: &w)
            mutations(list)
            w.writeBool(commit)
        case .autocommit(let snapshot, let list, let commit):
            w.writeByte(2)
            SQLWire.write(snapshot, to: &w)
            mutations(list)
            w.writeBool(commit)
        case .commit(let state):
            w.writeByte(3)
            SQLWire.write(state, to: &w)
        case .rollback(let state):
            w.writeByte(4)
            SQLWire.write(state, to: &w)
        }
        return w.bytes
    }

    /// Reads a command; malformed bytes are an error, never a crash.
    public init(decoding bytes: [UInt8]) throws(SQLError) {
        var r = BinaryReader(bytes)
        let format = try wire { try r.readByte("format") }
        guard format == Self.format else { throw SQLError(.storage, "unknown command format \(format)") }
        client = try wire { try r.readUVarint("client") }
        sequence = try wire { try r.readUVarint("sequence") }
        let tag = try wire { try r.readByte("action") }
        func mutations() throws(SQLError) -> [Mutation] {
            let count = try wire { try r.readCount("mutations") }
            guard count <= r.remainingCount else { throw SQLError(.storage, "malformed command: \(count) mutations") }
            var list: [Mutation] = []
            for _ in 0..<count { list.append(try SQLWire.readMutation(&r)) }
            return list
        }
        switch tag {
        case 0: action = .begin
        case 1:
            let state = try SQLWire.readState(&r)
            let list = try mutations()
            action = .write(state, list, commit: try wire { try r.readBool() })
        case 2:
            let snapshot = try SQLWire.readState(&r)
            let list = try mutations()
            action = .autocommit(snapshot: snapshot, list, commit: try wire { try r.readBool() })
        case 3: action = .commit(try SQLWire.readState(&r))
        case 4: action = .rollback(try SQLWire.readState(&r))
        default: throw SQLError(.storage, "malformed command: unknown action \(tag)")
        }
        try wire { try r.finish("command") }
    }

    /// `INSERT INTO t, 2 rows, txn 7` — the entry in words, for `.raft`.
    public func describe(version: UInt64?) -> String {
        let txn = version.map { ", txn \($0)" } ?? ""
        switch action {
        case .begin: return "BEGIN" + txn
        case .write(let state, let list, let commit):
            return Self.describe(list) + ", txn \(state.version)" + (commit ? ", COMMIT" : "")
        case .autocommit(_, let list, let commit):
            return commit ? Self.describe(list) + txn : "failed statement" + txn
        case .commit(let state): return "COMMIT txn \(state.version)"
        case .rollback(let state): return "ROLLBACK txn \(state.version)"
        }
    }

    private static func describe(_ list: [Mutation]) -> String {
        guard let first = list.first else { return "no writes" }
        return list.count == 1 ? first.summary : first.summary + " +\(list.count - 1) more"
    }

    static let format: UInt8 = 1
}

/// A linearizable read, answered by the leader from its applied state without touching the log.
public enum SQLQuery: Sendable, Hashable {
    /// A read-only snapshot of the latest data, or of the data as of a version.
    case snapshot(asOf: UInt64?)
    case table(TransactionState, String)
    case tables(TransactionState)
    /// Rows by primary key.
    case get(TransactionState, table: String, ids: [Value])
    /// One page of a table's stored rows after a primary key.
    case scan(TransactionState, table: String, after: Value?, limit: Int)
    case lookupIndex(TransactionState, table: String, column: String, values: [Value])

    /// `scan t`, `schema of t` — for the message trace.
    public var summary: String {
        switch self {
        case .snapshot(let asOf): asOf.map { "snapshot as of \($0)" } ?? "snapshot"
        case .table(_, let name): "schema of \(name)"
        case .tables: "list tables"
        case .get(_, let table, let ids): "get \(ids.count) row\(ids.count == 1 ? "" : "s") of \(table)"
        case .scan(_, let table, let after, _): after == nil ? "scan \(table)" : "scan \(table), next page"
        case .lookupIndex(_, let table, let column, _): "index \(table).\(column)"
        }
    }

    public func encoded() -> [UInt8] {
        var w = BinaryWriter()
        switch self {
        case .snapshot(let asOf):
            w.writeByte(0)
            w.writeBool(asOf != nil)
            w.writeUVarint(asOf ?? 0)
        case .table(let state, let name):
            w.writeByte(1)
            SQLWire.write(state, to: &w)
            w.writeString(name)
        case .tables(let state):
            w.writeByte(2)
            SQLWire.write(state, to: &w)
        case .get(let state, let table, let ids):
            w.writeByte(3)
            SQLWire.write(state, to: &w)
            w.writeString(table)
            SQLWire.write(ids, to: &w)
        case .scan(let state, let table, let after, let limit):
            w.writeByte(4)
            SQLWire.write(state, to: &w)
            w.writeString(table)
            w.writeBool(after != nil)
            SQLWire.write(after ?? .null, to: &w)
            w.writeUVarint(UInt64(limit))
        case .lookupIndex(let state, let table, let column, let values):
            w.writeByte(5)
            SQLWire.write(state, to: &w)
            w.writeString(table)
            w.writeString(column)
            SQLWire.write(values, to: &w)
        }
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(SQLError) {
        var r = BinaryReader(bytes)
        let tag = try wire { try r.readByte("query") }
        func string(_ what: String) throws(SQLError) -> String { try wire { try r.readString(what) } }
        switch tag {
        case 0:
            let has = try wire { try r.readBool() }
            let version = try wire { try r.readUVarint("version") }
            self = .snapshot(asOf: has ? version : nil)
        case 1:
            let state = try SQLWire.readState(&r)
            self = .table(state, try string("table"))
        case 2: self = .tables(try SQLWire.readState(&r))
        case 3:
            let state = try SQLWire.readState(&r)
            let table = try string("table")
            self = .get(state, table: table, ids: try SQLWire.readRow(&r))
        case 4:
            let state = try SQLWire.readState(&r)
            let table = try string("table")
            let hasAfter = try wire { try r.readBool() }
            let after = try SQLWire.readValue(&r)
            let limit = try wire { try r.readCount("limit") }
            self = .scan(state, table: table, after: hasAfter ? after : nil, limit: limit)
        case 5:
            let state = try SQLWire.readState(&r)
            let table = try string("table"), column = try string("column")
            self = .lookupIndex(state, table: table, column: column, values: try SQLWire.readRow(&r))
        default: throw SQLError(.storage, "malformed query: unknown kind \(tag)")
        }
        try wire { try r.finish("query") }
    }
}

/// Answers travel as a status byte and either the payload or the `SQLError` (kind, message
/// and position intact), so a constraint violation reads the same on every node and client.
enum SQLAnswer {
    static func success(_ body: (inout BinaryWriter) -> Void) -> [UInt8] {
        var w = BinaryWriter()
        w.writeByte(0)
        body(&w)
        return w.bytes
    }

    static func failure(_ error: SQLError) -> [UInt8] {
        var w = BinaryWriter()
        w.writeByte(1)
        SQLWire.write(error, to: &w)
        return w.bytes
    }

    /// Opens an answer: a reader positioned at the payload, or the error it carries.
    static func open(_ bytes: [UInt8]) throws(SQLError) -> BinaryReader {
        var r = BinaryReader(bytes)
        let status = try wire { try r.readByte("answer") }
        switch status {
        case 0: return r
        case 1: throw try SQLWire.readError(&r)
        default: throw SQLError(.storage, "malformed answer: status \(status)")
        }
    }
}

/// Runs a decoding step, turning an `EncodingError` into a storage error naming the problem.
public func wire<T>(_ body: () throws -> T) throws(SQLError) -> T {
    do {
        return try body()
    } catch let error as SQLError {
        throw error
    } catch {
        throw SQLError(.storage, "malformed message: \(error)")
    }
}
