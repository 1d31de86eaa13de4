import Foundation
import PGWire
import SQL
import Storage

/// `.pg start [HOST:PORT]`, `.pg stop`, `.pg`: serve the database this REPL shows over the
/// PostgreSQL protocol, so psql and drivers in other terminals run statements a learner can
/// watch here (`.sessions`, `.mvcc`, `.raft`).
struct PGCommand: DotCommand {
    let name = "pg"
    let arguments = "[start [HOST:PORT] | stop]"
    let summary = "serve this database to PostgreSQL clients"
    let help = """
        .pg start listens for PostgreSQL clients (default 127.0.0.1:5433); then, in
        another terminal:  psql -h 127.0.0.1 -p 5433
        Each client is a session here: .sessions lists it (pg1, pg2…) and .mvcc
        shows what its transaction sees. Loopback clients need no password.
        .pg stop closes the listener and its clients; .pg shows where it listens.
        """

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        switch arguments.words.first?.lowercased() {
        case nil:
            guard let server = shell.pgServer else { shell.show("not serving PostgreSQL clients (.pg start)\n"); return }
            shell.show("serving PostgreSQL clients on \(server.address), \(server.clients.count) connected\n")
        case "start":
            guard arguments.words.count <= 2 else { throw usageError("expected at most an address") }
            let address = arguments.words.count == 2 ? arguments.words[1] : "127.0.0.1:5433"
            shell.show(try shell.startPG(address: address) + "\n")
        case "stop":
            guard let server = shell.pgServer else { throw ShellError("not serving PostgreSQL clients") }
            shell.admitPGClients()   // a held client's thread must not block the listener's shutdown
            server.stop()
            shell.pgServer = nil
            shell.show("stopped serving PostgreSQL clients on \(server.address)\n")
        default:
            throw usageError("expected start or stop")
        }
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] {
        words.isEmpty ? ["start", "stop"] : []
    }
}

extension ShellDriver {
    /// Starts serving this shell's database over the PostgreSQL protocol at `address`
    /// (`HOST:PORT`, `:PORT` or `PORT`); returns the line that says where.
    ///
    /// With `holdingClients`, clients may connect at once but get no session until
    /// ``admitPGClients()``: `cutaway --pg ADDR -c SETUP` listens before it runs the setup (so
    /// a bad address or a busy port fails before any statement does) and lets clients in after
    /// (so none sees the setup half done).
    public func startPG(address: String, password: String? = nil, holdingClients: Bool = false) throws(ShellError) -> String {
        if let server = pgServer { throw ShellError("already serving PostgreSQL clients on \(server.address) (.pg stop first)") }
        guard var configuration = PGServer.Configuration(parsing: address) else {
            throw ShellError("expected HOST:PORT, such as 127.0.0.1:5433, not '\(address)'")
        }
        configuration.password = password
        let factory = SessionFactory(backend: backend)
        // The backend's own check: a remote database cannot be served from here.
        do { _ = try factory.make() } catch { throw ShellError("cannot serve this database: \(error.message)") }
        if holdingClients { pgClientGate.close() }
        let gate = pgClientGate
        let server = PGServer(configuration) { () throws(SQLError) in
            gate.wait()
            return try factory.make()
        }
        do {
            try server.start()
        } catch {
            throw ShellError("\(error)")
        }
        pgServer = server
        return "serving PostgreSQL clients on \(server.address) (psql -h \(configuration.host) -p \(server.port))"
    }

    /// Lets in the clients ``startPG(address:password:holdingClients:)`` held back.
    public func admitPGClients() {
        pgClientGate.open()
    }

    /// The PostgreSQL clients' sessions, for `.sessions` and `.mvcc`.
    var pgSessions: [(name: String, session: any ShellSession)] {
        (pgServer?.clients ?? []).map { ($0.name, PGClientSession(snapshot: $0) as any ShellSession) }
    }
}

/// A gate PostgreSQL clients' connection threads wait at before getting a session; open
/// unless closed.
final class ClientGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = true

    func close() {
        condition.lock()
        isOpen = false
        condition.unlock()
    }

    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }

    /// Returns once the gate is open.
    func wait() {
        condition.lock()
        while !isOpen { condition.wait() }
        condition.unlock()
    }
}

/// Makes the SQL sessions PostgreSQL clients run on, from connection threads: the backend's
/// sessions are built under its cluster's lock (or on an engine made for concurrent sessions).
private final class SessionFactory: @unchecked Sendable {
    let backend: any ShellBackend
    init(backend: any ShellBackend) { self.backend = backend }

    func make() throws(SQLError) -> Session {
        guard let shellSession = try backend.makeSession() as? SQLShellSession else {
            throw SQLError(.semantic, "this REPL talks to a node server; start it with `cutaway serve … --pg HOST:PORT` instead")
        }
        return shellSession.session
    }
}

/// A PostgreSQL client's session as `.sessions` and `.mvcc` see it: its transaction as of the
/// client's last statement. It runs only the client's statements, never the REPL's.
final class PGClientSession: ShellSession {
    let snapshot: PGServer.ClientSnapshot
    init(snapshot: PGServer.ClientSnapshot) { self.snapshot = snapshot }

    private var refusal: SQLError {
        SQLError(.semantic, "\(snapshot.name) is a PostgreSQL client's session; it runs that client's statements only")
    }

    func execute(_ statement: String) throws(SQLError) -> StatementResult { throw refusal }
    var openTransaction: TransactionSummary? {
        snapshot.transaction.map { TransactionSummary(version: $0.version, readOnly: $0.readOnly) }
    }
    var transactionState: TransactionState? { snapshot.transaction }
    func explain(_ statement: String, analyze: Bool) throws(SQLError) -> String { throw refusal }
    func explainSteps(_ statement: String) throws(SQLError) -> [ExplainStep] { throw refusal }
    func tables() throws(SQLError) -> [Table] { throw refusal }
}
