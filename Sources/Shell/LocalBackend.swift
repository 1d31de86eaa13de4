import SQL
import Storage

/// The Shell on a database in this process: SQL sessions on a `LocalEngine` (memory or BitCask),
/// with the MVCC store open to `.mvcc`, `.keys` and `.status`.
public final class LocalBackend: ShellBackend {
    public let engine: LocalEngine
    public let inspector: (any StorageInspector)?
    public let summary: String
    public var openNotices: [String] { engine.openNotice.map { [$0] } ?? [] }

    public init(engine: LocalEngine, directory: String? = nil) {
        self.engine = engine
        summary = "A single node without Raft. Storage: "
            + (directory.map { "BitCask files in \($0), kept across restarts." } ?? "in memory, gone on exit.")
        self.inspector = LocalInspector(mvcc: engine.mvcc) { $0.transactionState }
    }

    /// An in-memory database, or a durable one in `directory`.
    public static func open(directory: String?) throws(SQLError) -> LocalBackend {
        if let directory { return LocalBackend(engine: try LocalEngine.open(directory: directory), directory: directory) }
        return LocalBackend(engine: try LocalEngine.memory())
    }

    public func makeSession() throws(SQLError) -> any ShellSession {
        let session = Session(engine: engine)
        // Ctrl-C in the REPL sets the flag; in a pipe no handler is installed and it never is.
        session.isCancelled = { LineEditor.interrupted.load(ordering: .relaxed) }
        return SQLShellSession(session)
    }
}

/// A SQL layer `Session` as the Shell drives it.
public class SQLShellSession: ShellSession {
    public let session: Session

    public init(_ session: Session) { self.session = session }

    public var node: String? { nil }

    public func execute(_ statement: String) throws(SQLError) -> StatementResult {
        try session.execute(statement)
    }

    public var transactionState: TransactionState? { session.transaction?.state }

    public var openTransaction: TransactionSummary? {
        session.transaction.map { TransactionSummary(version: $0.version, readOnly: $0.isReadOnly) }
    }

    public func explain(_ statement: String, analyze: Bool) throws(SQLError) -> String {
        try session.explain(statement, analyze: analyze)
    }

    public func explainSteps(_ statement: String) throws(SQLError) -> [ExplainStep] {
        try session.explainSteps(statement).map { ExplainStep(pass: $0.pass, changed: $0.changed, drawing: $0.drawing,
                                                              removed: $0.removed, why: $0.why) }
    }

    public func tables() throws(SQLError) -> [Table] {
        if let transaction = session.transaction { return try transaction.tables() }
        let transaction = try session.engine.beginReadOnly(asOf: nil)
        defer { try? transaction.rollback() }
        return try transaction.tables()
    }
}
