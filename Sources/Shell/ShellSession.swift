import Cluster
import Inspect
import SQL
import Storage

/// One SQL session as the Shell drives it: executes statements, owns at most one open
/// transaction, and explains plans. `Session` (the SQL layer's) is the real one; tests and
/// other backends (a remote cluster client) can stand in.
public protocol ShellSession: AnyObject {
    /// Parses, plans and executes one statement (a trailing `;` is optional).
    func execute(_ statement: String) throws(SQLError) -> StatementResult
    /// The open explicit transaction, or nil in autocommit.
    var openTransaction: TransactionSummary? { get }
    /// The open transaction's MVCC snapshot, which `.mvcc` labels visibility with.
    var transactionState: TransactionState? { get }
    /// The optimized plan drawn as a tree; with `analyze`, run and annotated.
    func explain(_ statement: String, analyze: Bool) throws(SQLError) -> String
    /// The plan after each optimizer pass.
    func explainSteps(_ statement: String) throws(SQLError) -> [ExplainStep]
    /// The tables this session can see (its own transaction's catalog, or the latest).
    func tables() throws(SQLError) -> [Table]
    /// The node this session talks to (`n1`), shown in the prompt; nil on a single node.
    var node: String? { get }
}

extension ShellSession {
    public var node: String? { nil }
}

/// What the prompt and `.sessions` show about an open transaction.
public struct TransactionSummary: Sendable, Hashable {
    /// The transaction's MVCC version (its id).
    public var version: UInt64
    public var readOnly: Bool

    public init(version: UInt64, readOnly: Bool) {
        self.version = version
        self.readOnly = readOnly
    }

    /// `txn 7`, or `snapshot@7` for a read-only transaction.
    public var label: String { ResultDrawing.transactionLabel(version: version, readOnly: readOnly) }
}

/// One optimizer pass of `.explain steps`: its name, whether it changed the plan, the drawing.
public struct ExplainStep: Sendable, Hashable {
    public var pass: String
    public var changed: Bool
    public var drawing: String
    /// The previous step's lines this one dropped, and why the pass exists.
    public var removed: [String]
    public var why: String

    public init(pass: String, changed: Bool, drawing: String, removed: [String] = [], why: String = "") {
        self.pass = pass
        self.changed = changed
        self.drawing = drawing
        self.removed = removed
        self.why = why
    }
}

/// What the Shell runs on: it makes sessions that share one database, and may offer a look
/// inside the storage (`.mvcc`, `.keys`, `.status`).
public protocol ShellBackend: AnyObject {
    /// A new session on the shared database.
    func makeSession() throws(SQLError) -> any ShellSession
    /// The storage introspection, or nil when this backend cannot offer it.
    var inspector: (any StorageInspector)? { get }
    /// The storage of one node of a cluster (`.mvcc t @n3`).
    func inspector(node: String) throws(ShellError) -> any StorageInspector
    /// The cluster under this backend, for the cluster's dot-commands; nil on a single node.
    var cluster: LocalCluster? { get }
    /// What the database is and where its data lives, for the banner.
    var summary: String { get }
    /// What opening the data found that the user must hear (a torn tail cut off), for stderr.
    var openNotices: [String] { get }
}

extension ShellBackend {
    public func inspector(node: String) throws(ShellError) -> any StorageInspector {
        throw ShellError("this database is a single node; @\(node) needs a cluster (start cutaway without --local)")
    }
    public var cluster: LocalCluster? { nil }
    public var openNotices: [String] { [] }
}

/// A backend whose database runs in another process (`cutaway --connect`): the look-inside
/// commands it names run there and come back drawn; the in-process cluster's controls say
/// they cannot work here.
public protocol RemoteShellBackend: ShellBackend {
    /// Where the database runs (`n1 at 127.0.0.1:9601`).
    var location: String { get }
    /// The dot-commands (names without the dot) that run on the server.
    var remoteCommands: Set<String> { get }
    /// Runs `line` on the server for `session`, drawn to `width`; its text as printed.
    func runRemote(_ line: String, session: any ShellSession, width: Int) throws(ShellError) -> String
    /// The messages the last statement caused, drawn, if `session` traces them (`.trace on`).
    func traceText(after session: any ShellSession, width: Int) -> String?
}

/// A look inside the storage under the SQL layer, for `.mvcc`, `.keys` and `.status`.
public protocol StorageInspector: AnyObject {
    /// The version chains of `table`'s rows and index entries (only the row `key` and its index
    /// entries when given), with each viewer's visibility in the order of `viewers`: at most
    /// `limit` chains, and whether there are more.
    func versionChains(table: Table, key: Value?, viewers: [any ShellSession], limit: Int) throws(ShellError)
        -> (chains: [VersionChain], more: Bool)
    /// The transactions running now, oldest first.
    func activeTransactions() throws(ShellError) -> [ActiveTransaction]
    /// The stored pairs of `table`'s schema, rows and index entries, as the engine holds them:
    /// at most `limit`, and whether there are more.
    func keys(table: String, limit: Int) throws(ShellError) -> (pairs: [StoredPair], more: Bool)
    /// Storage engine and MVCC figures, in titled groups.
    func status() throws(ShellError) -> [(title: String, properties: [(String, String)])]
}

/// A running transaction and its snapshot, for `.mvcc txns`.
public struct ActiveTransaction: Sendable, Hashable {
    public var version: UInt64
    public var readOnly: Bool
    /// The versions that were still running when it began: invisible to it.
    public var activeAtStart: [UInt64]

    public init(version: UInt64, readOnly: Bool, activeAtStart: [UInt64]) {
        self.version = version
        self.readOnly = readOnly
        self.activeAtStart = activeAtStart
    }
}
