import Cluster
import Foundation
import Inspect
import Logging
import NIOCore
import Raft
import Shell
import SQL
import Storage

/// One SQL client's connection to a node server: a session of its own on this node (its
/// statements are forwarded to the leader as in the embedded cluster), run on a serial queue
/// so a slow statement never blocks the event loop or another client.
final class ClientConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private let runtime: NodeRuntime
    private let logger: Logger
    private let queue = DispatchQueue(label: "cutaway-client")
    // Touched only on `queue`.
    private var channel: (any Channel)?
    private var greeted = false
    private var closed = false
    private lazy var session: Session = runtime.makeSession()

    init(runtime: NodeRuntime, logger: Logger) {
        self.runtime = runtime
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        queue.async { self.channel = channel }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).readableBytesView)
        queue.async { self.handle(bytes) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        queue.async {
            self.closed = true
            // A transaction left open by a vanished client would hold its writes forever.
            if self.greeted, self.session.transaction != nil { _ = try? self.session.execute("ROLLBACK") }
        }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            // The client sent its last request: answer what is queued, then close.
            let channel = context.channel
            queue.async {
                guard !self.closed else { return }
                self.closed = true
                channel.close(promise: nil)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let channel = context.channel
        queue.async { self.refuse("\(error)", on: channel) }
    }

    // MARK: - Requests (on the queue)

    private func handle(_ bytes: [UInt8]) {
        guard !closed, let channel else { return }
        let request: ClientWire.Request
        do {
            request = try ClientWire.Request(decoding: bytes)
        } catch {
            return refuse("malformed request: \(error)", on: channel)
        }
        if !greeted {
            guard case let .hello(name, version) = request else {
                return refuse("expected hello (\(ClientWire.name) protocol version \(ClientWire.version)) first", on: channel)
            }
            guard name == ClientWire.name, version == ClientWire.version else {
                return refuse("this server speaks \(ClientWire.name) protocol version \(ClientWire.version), not \(name) \(version)", on: channel)
            }
            greeted = true
            send(.welcome(version: ClientWire.version, node: runtime.id, summary: runtime.summary))
            return
        }
        switch request {
        case .hello:
            refuse("hello was already said", on: channel)
        case .execute(let sql):
            execute(sql)
        case let .explain(sql, analyze):
            answer { () throws(SQLError) in .text(try session.explain(sql, analyze: analyze)) }
        case .explainSteps(let sql):
            answer { () throws(SQLError) in .steps(try session.explainSteps(sql).map { ($0.pass, $0.changed, $0.drawing) }) }
        case .tables:
            answer { () throws(SQLError) in .tables(try SQLShellSession(session).tables()) }
        case let .inspect(line, width):
            send(.text(NodeInspection(runtime: runtime, session: session).run(line, width: width)))
        case .status:
            if let status = runtime.status(entriesFrom: 1, through: 0) {
                send(.status(status))
            } else {
                send(.failure(SQLError(.unavailable, "n\(runtime.id) is shutting down"), transaction: transactionState))
            }
        case let .trace(mark, width):
            let events = runtime.trace(since: mark)
            let text = events.isEmpty ? "" : TraceDrawing.draw(events: events, nodes: runtime.allNodes, width: width)
            send(.trace(text, mark: runtime.traceMark))
        }
    }

    private var transactionState: TransactionState? { session.transaction?.state }

    private func execute(_ sql: String) {
        do {
            let result = try session.execute(sql)
            if case let .query(columns, rows) = result {
                send(.columns(columns))
                var start = 0
                while start < rows.count {
                    let end = min(start + ClientWire.rowBatch, rows.count)
                    send(.rows(Array(rows[start..<end])))
                    start = end
                }
                send(.done(.query(columns: columns, rows: []), transaction: transactionState))
            } else {
                send(.done(result, transaction: transactionState))
            }
        } catch {
            send(.failure(error, transaction: transactionState))
        }
    }

    private func answer(_ body: () throws(SQLError) -> ClientWire.Response) {
        do { send(try body()) } catch { send(.failure(error, transaction: transactionState)) }
    }

    private func send(_ response: ClientWire.Response) {
        guard let channel else { return }
        channel.writeAndFlush(channel.allocator.frame(response.encoded()), promise: nil)
    }

    /// Answers a frame that cannot be understood and closes this connection (only this one).
    private func refuse(_ message: String, on channel: any Channel) {
        guard !closed else { return }
        closed = true
        logger.warning("closed a client connection from \(channel.remoteAddress.map { "\($0)" } ?? "?"): \(message)")
        channel.writeAndFlush(channel.allocator.frame(ClientWire.Response.protocolError(message).encoded()))
            .whenComplete { _ in channel.close(promise: nil) }
    }
}
