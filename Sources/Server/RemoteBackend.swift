import Raft
import Shell
import SQL
import Storage

/// The REPL on a node server (`cutaway --connect HOST:PORT`): each REPL session is a
/// connection, and so a session on that node; look-inside commands run on the node.
public final class RemoteBackend: RemoteShellBackend {
    public let address: Address
    private let first: RemoteConnection

    /// Connects once, to check the server is there and learn which node it is.
    public init(address: Address) throws(SQLError) {
        self.address = address
        first = try RemoteConnection(address)
    }

    private var handedOutFirst = false

    public func makeSession() throws(SQLError) -> any ShellSession {
        if !handedOutFirst {
            handedOutFirst = true
            return RemoteSession(first)
        }
        return RemoteSession(try RemoteConnection(address))
    }

    public var inspector: (any StorageInspector)? { nil }

    public var summary: String {
        "Connected to \(first.summary) at \(address).\nWatch it: .raft .trace on .mvcc .keys .status (node controls such as .kill work only in-process)"
    }

    public var location: String { "n\(first.node) at \(address)" }

    public var remoteCommands: Set<String> { NodeInspection.commands }

    public func runRemote(_ line: String, session: any ShellSession, width: Int) throws(ShellError) -> String {
        guard let session = session as? RemoteSession else { throw ShellError("not a session on \(address)") }
        do {
            let text = try session.text(.inspect(line, width: width))
            let words = line.lowercased().split(separator: " ")
            if words.first == ".trace", words.count == 2, !text.hasPrefix("error") {
                session.tracing = words[1] == "on"
            }
            return text
        } catch {
            throw ShellError(error.description)
        }
    }

    public func traceText(after session: any ShellSession, width: Int) -> String? {
        guard let session = session as? RemoteSession, session.tracing,
              let (text, mark) = try? session.traceSince(session.traceMark, width: width) else { return nil }
        session.traceMark = mark
        return text.isEmpty ? "trace: no Raft messages\n" : (text.hasSuffix("\n") ? text : text + "\n")
    }
}

/// One REPL (or workload) session on a node server, over its own connection.
public final class RemoteSession: ShellSession {
    public let connection: RemoteConnection
    private var transaction: TransactionState?
    var tracing = false
    var traceMark = 0

    public init(_ connection: RemoteConnection) { self.connection = connection }

    public func execute(_ statement: String) throws(SQLError) -> StatementResult {
        // Time runs between statements on a server (heartbeats): trace from here on only.
        if tracing { traceMark = try traceSince(Int(Int32.max), width: 80).mark }
        var rows: [[Value]] = []
        for frame in try connection.exchange(.execute(statement)) {
            switch frame {
            case .rows(let batch): rows += batch
            case let .done(result, transaction):
                self.transaction = transaction
                if case .query(let columns, _) = result { return .query(columns: columns, rows: rows) }
                return result
            case let .failure(error, transaction):
                self.transaction = transaction
                throw error
            default: continue
            }
        }
        throw SQLError(.unavailable, "the server's answer ended early")
    }

    public var openTransaction: TransactionSummary? {
        transaction.map { TransactionSummary(version: $0.version, readOnly: $0.readOnly) }
    }

    public var transactionState: TransactionState? { transaction }

    public func explain(_ statement: String, analyze: Bool) throws(SQLError) -> String {
        try text(.explain(statement, analyze: analyze))
    }

    public func explainSteps(_ statement: String) throws(SQLError) -> [ExplainStep] {
        switch try last(.explainSteps(statement)) {
        case .steps(let steps): return steps.map { ExplainStep(pass: $0.pass, changed: $0.changed, drawing: $0.drawing) }
        default: throw SQLError(.unavailable, "unexpected answer from the server")
        }
    }

    public func tables() throws(SQLError) -> [Table] {
        switch try last(.tables) {
        case .tables(let tables): return tables
        default: throw SQLError(.unavailable, "unexpected answer from the server")
        }
    }

    public var node: String? { "n\(connection.node)" }

    /// The node's Raft status.
    public func status() throws(SQLError) -> RaftNodeStatus {
        switch try last(.status) {
        case .status(let status): return status
        default: throw SQLError(.unavailable, "unexpected answer from the server")
        }
    }

    func text(_ request: ClientWire.Request) throws(SQLError) -> String {
        switch try last(request) {
        case .text(let text): return text
        default: throw SQLError(.unavailable, "unexpected answer from the server")
        }
    }

    func traceSince(_ mark: Int, width: Int) throws(SQLError) -> (text: String, mark: Int) {
        switch try last(.trace(since: mark, width: width)) {
        case let .trace(text, mark): return (text, mark)
        default: throw SQLError(.unavailable, "unexpected answer from the server")
        }
    }

    private func last(_ request: ClientWire.Request) throws(SQLError) -> ClientWire.Response {
        let frames = try connection.exchange(request)
        switch frames.last {
        case let .failure(error, transaction)?:
            self.transaction = transaction
            throw error
        case let frame?: return frame
        case nil: throw SQLError(.unavailable, "the server's answer ended early")
        }
    }
}
