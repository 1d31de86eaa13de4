import Foundation
import NIOCore
import NIOPosix
import SQL
import Storage
import Synchronization

/// A PostgreSQL protocol listener in front of one database: each connection gets a fresh
/// `Session` from `makeSession`. The REPL runs one for the database it shows (`--pg`, `.pg
/// start`), a node server for its node (`serve --pg`).
public final class PGServer: @unchecked Sendable {
    /// Where to listen and who may connect.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Without one only loopback clients are let in (trust); with one every client must
        /// send it (cleartext password message).
        public var password: String?
        /// How a password is sent: MD5 (a salted hash; psql's and drivers' usual) or cleartext.
        public var passwordMethod = PasswordMethod.md5
        /// The largest message accepted; a bigger one closes its connection.
        public var maximumMessage = 8 << 20

        public init(host: String = "127.0.0.1", port: Int = 5433, password: String? = nil) {
            self.host = host
            self.port = port
            self.password = password
        }
    }

    /// PostgreSQL's two password exchanges that need no TLS.
    public enum PasswordMethod: String, Sendable { case md5, cleartext }

    /// What `.sessions` and `.mvcc` show about one connected client.
    public struct ClientSnapshot: Sendable {
        /// `pg1`, `pg2`…: the connection's process id as the client knows it.
        public var name: String
        public var user: String
        public var application: String?
        /// The open transaction's snapshot, as of the client's last ReadyForQuery.
        public var transaction: TransactionState?
        /// In a transaction that had an error (PostgreSQL's "failed" state).
        public var failed: Bool
    }

    /// The server version drivers are told; they switch features on it.
    public static let serverVersion = "15.0"
    /// The ParameterStatus values sent at startup (and SHOW's answers).
    static let parameters: [String: String] = [
        "server_version": serverVersion, "server_encoding": "UTF8", "client_encoding": "UTF8",
        "DateStyle": "ISO, MDY", "integer_datetimes": "on", "standard_conforming_strings": "on",
        "TimeZone": "UTC", "IntervalStyle": "postgres", "is_superuser": "on",
        "application_name": "",
    ]

    public let configuration: Configuration
    let makeSession: @Sendable () throws(SQLError) -> Session
    private let group: MultiThreadedEventLoopGroup
    private let ownsGroup: Bool
    private var channel: (any Channel)?
    private let state = Mutex(State())

    private struct State {
        var nextProcessID: Int32 = 1
        var connections: [Int32: PGConnection] = [:]
        var clients: [Int32: ClientSnapshot] = [:]
    }

    /// A server that is not listening yet; `start()` binds it.
    public init(_ configuration: Configuration, group: MultiThreadedEventLoopGroup? = nil,
                makeSession: @escaping @Sendable () throws(SQLError) -> Session) {
        self.configuration = configuration
        self.makeSession = makeSession
        self.group = group ?? MultiThreadedEventLoopGroup(numberOfThreads: 1)
        ownsGroup = group == nil
    }

    /// Binds the listener; the error says why it could not (a port in use…).
    public func start() throws {
        let maximum = configuration.maximumMessage
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = self.newConnection()
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(PGMessageDecoder(maximum: maximum)))
                    try channel.pipeline.syncOperations.addHandler(connection)
                }
            }
        do {
            channel = try bootstrap.bind(host: configuration.host, port: configuration.port).wait()
        } catch {
            if ownsGroup { try? group.syncShutdownGracefully() }
            let text = "\(error)"
            if text.contains("Address already in use") || text.contains("errno: 98") {
                throw PGServerError("cannot listen on \(configuration.host):\(configuration.port): the address is already in use")
            }
            throw PGServerError("cannot listen on \(configuration.host):\(configuration.port): \(text)")
        }
    }

    /// The address it listens on (the real port when started on port 0).
    public var address: String {
        let port = channel?.localAddress?.port ?? configuration.port
        return "\(configuration.host):\(port)"
    }

    public var port: Int { channel?.localAddress?.port ?? configuration.port }

    /// Closes the listener and every client connection (their open transactions roll back).
    public func stop() {
        try? channel?.close().wait()
        channel = nil
        let connections = state.withLock { Array($0.connections.values) }
        for connection in connections { connection.closeFromServer() }
        if ownsGroup { try? group.syncShutdownGracefully() }
    }

    /// The clients connected now, in the order they connected.
    public var clients: [ClientSnapshot] {
        state.withLock { state in state.clients.keys.sorted().compactMap { state.clients[$0] } }
    }

    // MARK: - Connections

    private func newConnection() -> PGConnection {
        state.withLock { state in
            let id = state.nextProcessID
            state.nextProcessID = state.nextProcessID == Int32.max ? 1 : state.nextProcessID + 1
            let connection = PGConnection(server: self, processID: id, secret: Int32.random(in: 1...Int32.max))
            state.connections[id] = connection
            return connection
        }
    }

    func register(_ connection: PGConnection, user: String, application: String?) {
        state.withLock { state in
            state.clients[connection.processID] = ClientSnapshot(name: "pg\(connection.processID)", user: user,
                                                                  application: application, transaction: nil, failed: false)
        }
    }

    func publish(_ connection: PGConnection, transaction: TransactionState?, failed: Bool) {
        state.withLock { state in
            state.clients[connection.processID]?.transaction = transaction
            state.clients[connection.processID]?.failed = failed
        }
    }

    func forget(_ connection: PGConnection) {
        state.withLock { state in
            state.connections[connection.processID] = nil
            state.clients[connection.processID] = nil
        }
    }

    /// A CancelRequest: stops the statement the connection with this key is running.
    func cancel(processID: Int32, secret: Int32) {
        let target = state.withLock { $0.connections[processID] }
        guard let target, target.secret == secret else { return }
        target.cancelled.set()
    }
}

/// Why a PostgreSQL listener could not start.
public struct PGServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// A flag one thread sets and another polls (cancellation).
final class CancelFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
    func clear() { value.store(false, ordering: .relaxed) }
}

extension PGServer.Configuration {
    /// `HOST:PORT`, `:PORT` (loopback) or `PORT`; nil when it is neither.
    public init?(parsing text: String) {
        let host: String, portText: Substring
        if let colon = text.lastIndex(of: ":") {
            host = colon == text.startIndex ? "127.0.0.1" : String(text[..<colon])
            portText = text[text.index(after: colon)...]
        } else {
            host = "127.0.0.1"
            portText = Substring(text)
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { return nil }
        self.init(host: host, port: port)
    }
}
