import Cluster
import Encoding
import Raft
import SQL
import Storage

/// The client protocol: what a SQL client and a node server say to each other over TCP.
///
/// Every frame is a 4-byte big-endian length, then that many bytes: a kind byte and its
/// fields in the `BinaryWriter` codec. The client opens with `hello` (the protocol's name and
/// version); the server answers `welcome` or an error. A request gets exactly one answer, but
/// a query's rows stream: `columns`, any number of `rows` batches, then `done`. A frame that is
/// too long, cut short or does not decode gets a `protocolError` frame and the connection
/// closes; other connections never notice.
public enum ClientWire {
    /// The protocol's name in `hello`.
    public static let name = "cutaway"
    /// Raised whenever a frame's meaning changes; a server refuses other versions.
    public static let version: UInt64 = 1
    /// The longest frame either side accepts (a statement, a batch of rows, a drawing).
    public static let maximumFrame = 16 << 20
    /// Rows per `rows` frame.
    public static let rowBatch = 256

    /// What a client asks.
    public enum Request: Sendable, Hashable {
        case hello(name: String, version: UInt64)
        /// Runs one statement in this connection's session.
        case execute(String)
        case explain(String, analyze: Bool)
        case explainSteps(String)
        case tables
        /// A look-inside command run on the node (`.mvcc t`, `.raft`, `.trace on`), drawn to `width`.
        case inspect(String, width: Int)
        /// The node's Raft status.
        case status
        /// The messages traced since `mark` (see `Response.trace`), drawn to `width`.
        case trace(since: Int, width: Int)
    }

    /// What a server answers.
    public enum Response: Sendable, Hashable {
        case welcome(version: UInt64, node: NodeID, summary: String)
        case columns([String])
        case rows([[Value]])
        /// A statement ended: its result (a query's without rows) and the session's open
        /// transaction afterwards.
        case done(StatementResult, transaction: TransactionState?)
        /// A statement or request failed, with the session's open transaction afterwards.
        case failure(SQLError, transaction: TransactionState?)
        case text(String)
        case steps([(pass: String, changed: Bool, drawing: String)])
        case tables([Table])
        case status(RaftNodeStatus)
        /// The trace drawing (empty: no messages) and the mark for the next request.
        case trace(String, mark: Int)
        /// The frame could not be understood; the server closes the connection after it.
        case protocolError(String)

        public static func == (a: Response, b: Response) -> Bool { a.encoded() == b.encoded() }
        public func hash(into hasher: inout Hasher) { hasher.combine(encoded()) }
    }
}

extension ClientWire.Request {
    public func encoded() -> [UInt8] {
        var w = BinaryWriter()
        switch self {
        case let .hello(name, version):
            w.writeByte(1)
            w.writeString(name)
            w.writeUVarint(version)
        case .execute(let sql):
            w.writeByte(2)
            w.writeString(sql)
        case let .explain(sql, analyze):
            w.writeByte(3)
            w.writeString(sql)
            w.writeBool(analyze)
        case .explainSteps(let sql):
            w.writeByte(4)
            w.writeString(sql)
        case .tables:
            w.writeByte(5)
        case let .inspect(line, width):
            w.writeByte(6)
            w.writeString(line)
            w.writeUVarint(UInt64(width))
        case .status:
            w.writeByte(7)
        case let .trace(mark, width):
            w.writeByte(8)
            w.writeUVarint(UInt64(max(0, mark)))
            w.writeUVarint(UInt64(width))
        }
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(EncodingError) {
        var r = BinaryReader(bytes)
        let kind = try r.readByte("request kind")
        switch kind {
        case 1: self = .hello(name: try r.readString("protocol name"), version: try r.readUVarint("version"))
        case 2: self = .execute(try r.readString("statement"))
        case 3: self = .explain(try r.readString("statement"), analyze: try r.readBool())
        case 4: self = .explainSteps(try r.readString("statement"))
        case 5: self = .tables
        case 6: self = .inspect(try r.readString("command"), width: min(try r.readCount("width"), 1000))
        case 7: self = .status
        case 8: self = .trace(since: try r.readCount("mark"), width: min(try r.readCount("width"), 1000))
        default: throw EncodingError(offset: 0, expected: "request kind", reason: .invalidByte(kind))
        }
        try r.finish("request")
    }
}

extension ClientWire.Response {
    public func encoded() -> [UInt8] {
        var w = BinaryWriter()
        switch self {
        case let .welcome(version, node, summary):
            w.writeByte(0x81)
            w.writeUVarint(version)
            w.writeByte(node)
            w.writeString(summary)
        case .columns(let names):
            w.writeByte(0x82)
            w.writeUVarint(UInt64(names.count))
            for name in names { w.writeString(name) }
        case .rows(let rows):
            w.writeByte(0x83)
            SQLWire.write(rows, to: &w)
        case let .done(result, transaction):
            w.writeByte(0x84)
            Self.write(result, to: &w)
            Self.write(transaction, to: &w)
        case let .failure(error, transaction):
            w.writeByte(0x85)
            SQLWire.write(error, to: &w)
            Self.write(transaction, to: &w)
        case .text(let text):
            w.writeByte(0x86)
            w.writeString(text)
        case .steps(let steps):
            w.writeByte(0x87)
            w.writeUVarint(UInt64(steps.count))
            for step in steps {
                w.writeString(step.pass)
                w.writeBool(step.changed)
                w.writeString(step.drawing)
            }
        case .tables(let tables):
            w.writeByte(0x88)
            w.writeUVarint(UInt64(tables.count))
            for table in tables { SQLWire.write(table, to: &w) }
        case .status(let s):
            w.writeByte(0x89)
            w.writeByte(s.id)
            w.writeString(s.role.rawValue)
            w.writeUVarint(s.term)
            w.writeBool(s.leader != nil)
            w.writeByte(s.leader ?? 0)
            for n in [s.lastIndex, s.commitIndex, s.appliedIndex] { w.writeUVarint(n) }
            w.writeString(s.halted ?? "")
        case let .trace(text, mark):
            w.writeByte(0x8A)
            w.writeString(text)
            w.writeUVarint(UInt64(max(0, mark)))
        case .protocolError(let message):
            w.writeByte(0xFF)
            w.writeString(message)
        }
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(SQLError) {
        var r = BinaryReader(bytes)
        let kind = try wire { try r.readByte("response kind") }
        switch kind {
        case 0x81:
            let version = try wire { try r.readUVarint("version") }
            let node = try wire { try r.readByte("node") }
            self = .welcome(version: version, node: node, summary: try wire { try r.readString("summary") })
        case 0x82:
            let count = try wire { try r.readCount("columns") }
            var names: [String] = []
            for _ in 0..<count { names.append(try wire { try r.readString("column") }) }
            self = .columns(names)
        case 0x83: self = .rows(try SQLWire.readRows(&r))
        case 0x84:
            let result = try Self.readResult(&r)
            self = .done(result, transaction: try Self.readTransaction(&r))
        case 0x85:
            let error = try SQLWire.readError(&r)
            self = .failure(error, transaction: try Self.readTransaction(&r))
        case 0x86: self = .text(try wire { try r.readString("text") })
        case 0x87:
            let count = try wire { try r.readCount("steps") }
            var steps: [(pass: String, changed: Bool, drawing: String)] = []
            for _ in 0..<count {
                let pass = try wire { try r.readString("pass") }
                let changed = try wire { try r.readBool() }
                steps.append((pass, changed, try wire { try r.readString("drawing") }))
            }
            self = .steps(steps)
        case 0x88:
            let count = try wire { try r.readCount("tables") }
            var tables: [Table] = []
            for _ in 0..<count { tables.append(try SQLWire.readTable(&r)) }
            self = .tables(tables)
        case 0x89:
            let id = try wire { try r.readByte("node") }
            let roleText = try wire { try r.readString("role") }
            let term = try wire { try r.readUVarint("term") }
            let hasLeader = try wire { try r.readBool() }
            let leader = try wire { try r.readByte("leader") }
            let last = try wire { try r.readUVarint("last") }
            let commit = try wire { try r.readUVarint("commit") }
            let applied = try wire { try r.readUVarint("applied") }
            let halted = try wire { try r.readString("halted") }
            guard let role = RoleName(rawValue: roleText) else { throw SQLError(.storage, "malformed status: role \(roleText)") }
            var status = RaftNodeStatus(id: id, role: role, term: term, vote: nil, leader: hasLeader ? leader : nil,
                                        lastIndex: last, lastTerm: 0, commitIndex: commit, commitTerm: 0,
                                        appliedIndex: applied, progress: [], entries: [], crashed: false)
            status.halted = halted.isEmpty ? nil : halted
            self = .status(status)
        case 0x8A:
            let text = try wire { try r.readString("trace") }
            self = .trace(text, mark: try wire { try r.readCount("mark") })
        case 0xFF: self = .protocolError(try wire { try r.readString("message") })
        default: throw SQLError(.storage, "malformed answer from the server: kind \(kind)")
        }
        try wire { try r.finish("answer") }
    }

    static func write(_ transaction: TransactionState?, to w: inout BinaryWriter) {
        w.writeBool(transaction != nil)
        if let transaction { SQLWire.write(transaction, to: &w) }
    }

    static func readTransaction(_ r: inout BinaryReader) throws(SQLError) -> TransactionState? {
        try wire { try r.readBool() } ? try SQLWire.readState(&r) : nil
    }

    /// A statement's result; a query's rows travel separately (`rows` frames), so none here.
    static func write(_ result: StatementResult, to w: inout BinaryWriter) {
        switch result {
        case .query(let columns, _):
            w.writeByte(0)
            w.writeUVarint(UInt64(columns.count))
            for column in columns { w.writeString(column) }
        case let .begin(version, readOnly):
            w.writeByte(1)
            w.writeUVarint(version)
            w.writeBool(readOnly)
        case .commit(let version):
            w.writeByte(2)
            w.writeUVarint(version)
        case .rollback(let version):
            w.writeByte(3)
            w.writeUVarint(version)
        case .createTable(let name):
            w.writeByte(4)
            w.writeString(name)
        case let .dropTable(name, existed):
            w.writeByte(5)
            w.writeString(name)
            w.writeBool(existed)
        case .createIndex(let name):
            w.writeByte(6)
            w.writeString(name)
        case let .dropIndex(name, existed):
            w.writeByte(7)
            w.writeString(name)
            w.writeBool(existed)
        case .insert(let count):
            w.writeByte(8)
            w.writeUVarint(UInt64(count))
        case .update(let count):
            w.writeByte(9)
            w.writeUVarint(UInt64(count))
        case .delete(let count):
            w.writeByte(10)
            w.writeUVarint(UInt64(count))
        case .explain(let text):
            w.writeByte(11)
            w.writeString(text)
        }
    }

    static func readResult(_ r: inout BinaryReader) throws(SQLError) -> StatementResult {
        func string() throws(SQLError) -> String { try wire { try r.readString("name") } }
        func number() throws(SQLError) -> UInt64 { try wire { try r.readUVarint("number") } }
        func flag() throws(SQLError) -> Bool { try wire { try r.readBool() } }
        let kind = try wire { try r.readByte("result kind") }
        switch kind {
        case 0:
            let count = try wire { try r.readCount("columns") }
            var columns: [String] = []
            for _ in 0..<count { columns.append(try string()) }
            return .query(columns: columns, rows: [])
        case 1:
            let version = try number()
            return .begin(version: version, readOnly: try flag())
        case 2: return .commit(version: try number())
        case 3: return .rollback(version: try number())
        case 4: return .createTable(name: try string())
        case 5:
            let name = try string()
            return .dropTable(name: name, existed: try flag())
        case 6: return .createIndex(name: try string())
        case 7:
            let name = try string()
            return .dropIndex(name: name, existed: try flag())
        case 8: return .insert(count: Int(clamping: try number()))
        case 9: return .update(count: Int(clamping: try number()))
        case 10: return .delete(count: Int(clamping: try number()))
        case 11: return .explain(try string())
        default: throw SQLError(.storage, "malformed answer from the server: result kind \(kind)")
        }
    }
}
