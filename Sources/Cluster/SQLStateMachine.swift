import Encoding
import Raft
import SQL
import Storage

/// The replicated SQL database of one node: Raft hands it committed log entries in order and it
/// applies each to the node's own MVCC store (through a `LocalEngine`), so every node that has
/// applied the same entries holds the same tables, rows, versions and transactions.
///
/// Applying is deterministic: transaction versions come from the store's counter, which only
/// log entries advance; mutations carry their values; nothing reads a clock or a random source.
/// A deterministic error (a constraint, a conflict) is the entry's answer, the same on every
/// node; a storage failure is thrown, which stops the node rather than let it diverge.
public final class SQLStateMachine: StateMachine {
    /// The node's SQL database. Reads may look at it directly (`.mvcc @n3`); only `apply`
    /// changes it.
    public let engine: LocalEngine
    public private(set) var appliedIndex: LogIndex
    /// Each client's last command and its answer: a command sent again after a change of
    /// leader is answered from here instead of being applied twice.
    private var lastCommands: [UInt64: (sequence: UInt64, answer: [UInt8])] = [:]
    /// The transaction version each applied entry used, for describing the log (`txn 7`).
    private var entryVersions: [LogIndex: UInt64] = [:]

    /// Opens the state machine on `engine`, recovering the applied index and the clients'
    /// last answers that `apply` stored beside the data.
    public init(engine: LocalEngine) throws(SQLError) {
        self.engine = engine
        appliedIndex = 0
        do {
            if let bytes = try engine.mvcc.getUnversioned(Self.appliedKey) {
                var r = BinaryReader(bytes)
                appliedIndex = try r.readUVarint("applied index")
            }
            let prefix = Self.clientPrefix
            for pair in try engine.mvcc.scanUnversioned(prefix: prefix) {
                var key = BinaryReader(Array(pair.key.dropFirst(prefix.count)))
                var value = BinaryReader(pair.value)
                let client = try key.readUInt64("client")
                let sequence = try value.readUVarint("sequence")
                lastCommands[client] = (sequence, try value.readBytes("answer"))
            }
        } catch {
            throw SQLError(.storage, "cannot open the node's SQL state: \(error)")
        }
    }

    public func apply(index: LogIndex, command bytes: [UInt8]?) throws -> [UInt8] {
        guard index == appliedIndex + 1 else {
            throw SQLError(.storage, "entry \(index) arrived after \(appliedIndex): entries must be applied in order")
        }
        var answer: [UInt8] = []
        var client: (id: UInt64, sequence: UInt64)?
        if let bytes {
            let command: SQLCommand
            do {
                command = try SQLCommand(decoding: bytes)
            } catch {
                // The same bytes fail the same way on every node: an answer, not a halt.
                try record(index: index, client: nil, answer: [])
                return SQLAnswer.failure(error)
            }
            if let last = lastCommands[command.client], command.sequence <= last.sequence {
                // Sent again (the leader changed while it was pending): answer, don't redo.
                answer = command.sequence == last.sequence
                    ? last.answer
                    : SQLAnswer.failure(SQLError(.unavailable, "a late copy of an earlier request; it was not applied again"))
            } else {
                // Throws only what is not deterministic: the node must stop, not diverge.
                answer = try execute(command.action, index: index)
                client = (command.client, command.sequence)
            }
        }
        try record(index: index, client: client, answer: answer)
        return answer
    }

    /// Runs one command; deterministic SQL errors become the answer, others are thrown.
    private func execute(_ action: SQLCommand.Action, index: LogIndex) throws(SQLError) -> [UInt8] {
        do throws(SQLError) {
            switch action {
            case .begin:
                let txn = try engine.begin()
                entryVersions[index] = txn.version
                return SQLAnswer.success { SQLWire.write(txn.state, to: &$0) }
            case .write(let state, let mutations, let commit):
                let txn = try resumeActive(state)
                try applyAtomically(mutations, in: txn)
                if commit { try txn.commit() }
                return SQLAnswer.success { SQLWire.write(txn.state, to: &$0) }
            case .autocommit(let snapshot, let mutations, let commit):
                let txn = try engine.begin(snapshot: snapshot)
                entryVersions[index] = txn.version
                do throws(SQLError) {
                    guard commit else {
                        try txn.rollback()
                        return SQLAnswer.success { SQLWire.write(txn.state, to: &$0) }
                    }
                    for mutation in mutations { try txn.apply(mutation) }
                    try txn.commit()
                } catch {
                    try? txn.rollback()
                    throw error
                }
                return SQLAnswer.success { SQLWire.write(txn.state, to: &$0) }
            case .commit(let state):
                try resumeActive(state).commit()
                return SQLAnswer.success { _ in }
            case .rollback(let state):
                try resumeActive(state).rollback()
                return SQLAnswer.success { _ in }
            }
        } catch where error.isDeterministic {
            return SQLAnswer.failure(error)
        }
    }

    /// The read-write transaction a command continues. One that has already ended (a second
    /// COMMIT or ROLLBACK for it, sent through `Engine.resume` by another client) has ended on
    /// every node alike, so that is the command's answer; `resume` would report it as a storage
    /// failure, which is not deterministic and would halt every node that applies the entry.
    private func resumeActive(_ state: TransactionState) throws(SQLError) -> any Transaction {
        let active: Bool
        do {
            active = try engine.mvcc.status().activeTransactions.contains(state.version)
        } catch {
            throw SQLError(.storage, "cannot read the node's transactions: \(error)")
        }
        guard state.readOnly || active else {
            throw SQLError(.transaction, "transaction \(state.version) has already ended")
        }
        return try engine.resume(state)
    }

    /// A statement inside an explicit transaction takes effect whole or not at all: on any
    /// error its writes are undone on this node, as on every other.
    private func applyAtomically(_ mutations: [Mutation], in txn: any Transaction) throws(SQLError) {
        guard !mutations.isEmpty else { return }
        let savepoint = try txn.savepoint()
        do throws(SQLError) {
            for mutation in mutations { try txn.apply(mutation) }
        } catch {
            try txn.rollback(to: savepoint)
            throw error
        }
    }

    /// Stores the applied index and the client's answer beside the data (a durable node then
    /// resumes where it stopped instead of applying entries twice).
    private func record(index: LogIndex, client: (id: UInt64, sequence: UInt64)?, answer: [UInt8]) throws {
        var applied = BinaryWriter()
        applied.writeUVarint(index)
        try engine.mvcc.setUnversioned(Self.appliedKey, applied.bytes)
        if let client {
            var key = BinaryWriter()
            key.writeRaw(Self.clientPrefix)
            key.writeUInt64(client.id)
            var value = BinaryWriter()
            value.writeUVarint(client.sequence)
            value.writeBytes(answer)
            try engine.mvcc.setUnversioned(key.bytes, value.bytes)
            lastCommands[client.id] = (client.sequence, answer)
        }
        appliedIndex = index
    }

    public func read(_ query: [UInt8]) throws -> [UInt8] {
        do throws(SQLError) {
            return try answer(SQLQuery(decoding: query))
        } catch where error.isDeterministic {
            return SQLAnswer.failure(error)
        }
    }

    private func answer(_ query: SQLQuery) throws(SQLError) -> [UInt8] {
        switch query {
        case .snapshot(let asOf):
            let txn = try engine.beginReadOnly(asOf: asOf)
            return SQLAnswer.success { SQLWire.write(txn.state, to: &$0) }
        case .table(let state, let name):
            let table = try engine.resume(state).table(name)
            return SQLAnswer.success { w in
                w.writeBool(table != nil)
                if let table { SQLWire.write(table, to: &w) }
            }
        case .tables(let state):
            let tables = try engine.resume(state).tables()
            return SQLAnswer.success { w in
                w.writeUVarint(UInt64(tables.count))
                for table in tables { SQLWire.write(table, to: &w) }
            }
        case .get(let state, let table, let ids):
            let rows = try engine.resume(state).get(table: table, ids: ids)
            return SQLAnswer.success { SQLWire.write(rows, to: &$0) }
        case .scan(let state, let table, let after, let limit):
            let (rows, versions) = try engine.localTransaction(resuming: state)
                .scanStoredRows(table: table, after: after, limit: limit)
            return SQLAnswer.success { w in
                w.writeUVarint(UInt64(rows.count))
                for row in rows { w.writeBytes(row) }
                for count in [versions.read, versions.uncommitted, versions.newer, versions.replaced, versions.deleted] {
                    w.writeUVarint(UInt64(count))
                }
            }
        case .lookupIndex(let state, let table, let column, let values):
            let ids = try engine.resume(state).lookupIndex(table: table, column: column, values: values)
            return SQLAnswer.success { SQLWire.write(ids, to: &$0) }
        }
    }

    /// A command or a query in words (the trace shows both).
    public func describe(_ command: [UInt8]) -> String {
        if let decoded = try? SQLCommand(decoding: command) { return decoded.describe(version: nil) }
        if let query = try? SQLQuery(decoding: command) { return query.summary }
        do {
            _ = try SQLAnswer.open(command)
            return "answer, \(command.count) bytes"
        } catch {
            return error.kind == .storage && command.first != 1 ? "(undecodable bytes)" : "error: \(error.kind.rawValue)"
        }
    }

    /// The entry at `index` in words with the transaction version it used, when this node
    /// applied it since it started.
    public func describe(_ command: [UInt8], at index: LogIndex) -> String {
        guard let decoded = try? SQLCommand(decoding: command) else { return "(undecodable command)" }
        return decoded.describe(version: entryVersions[index])
    }

    static let appliedKey = Array("raft.applied".utf8)
    static let clientPrefix = Array("raft.client.".utf8)
}
