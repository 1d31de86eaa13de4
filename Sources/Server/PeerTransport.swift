import Foundation
import Logging
import NIOCore
import NIOPosix
import Raft

/// Raft messages between node processes over TCP.
///
/// Each node listens on its Raft address and dials every peer once: it sends on its own
/// connection and receives on the peers'. A batch of envelopes the node produced together for
/// one peer travels as one frame (one write, one flush). A message for a peer that is not
/// connected is dropped, as a lossy network would; Raft retries what matters. Dialling is
/// on demand with back-off (50 ms doubling to 1 s), so a dead peer costs little.
final class PeerTransport: @unchecked Sendable {
    let id: NodeID
    let peerIDs: Set<NodeID>
    private let group: EventLoopGroup
    private let logger: Logger
    private let lock = NSLock()
    private var links: [NodeID: Link]
    private var closing = false
    /// Where received envelopes go (the node runtime).
    var receive: @Sendable ([Envelope]) -> Void = { _ in }

    /// One peer's outgoing connection and its back-off.
    private struct Link {
        var address: Address
        var channel: (any Channel)?
        var connecting = false
        var nextAttempt = Date.distantPast
        var backoff: TimeInterval = 0.05
        var reported = false
    }

    static let maximumFrame = 64 << 20

    init(id: NodeID, peers: [NodeID: Address], group: EventLoopGroup, logger: Logger) {
        self.id = id
        self.group = group
        self.logger = logger
        links = peers.mapValues { Link(address: $0) }
        peerIDs = Set(peers.keys)
    }

    /// Starts accepting peers' connections on `address`.
    func listen(on address: Address) throws -> any Channel {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maximum: Self.maximumFrame)))
                    try channel.pipeline.syncOperations.addHandler(PeerInbound(transport: self))
                }
            }
        return try bootstrap.bind(host: address.host, port: address.port).wait()
    }

    /// Sends a batch to `peer` as one frame, or drops it while the peer is unreachable.
    func send(_ envelopes: [Envelope], to peer: NodeID) {
        lock.lock()
        guard !closing, var link = links[peer] else {
            lock.unlock()
            return
        }
        if let channel = link.channel {
            lock.unlock()
            channel.writeAndFlush(channel.allocator.frame(PeerWire.encode(envelopes)), promise: nil)
            return
        }
        let dial = !link.connecting && Date() >= link.nextAttempt
        if dial { link.connecting = true }
        links[peer] = link
        lock.unlock()
        if dial { connect(peer, link.address) }
    }

    /// Closes every connection.
    func close() {
        lock.lock()
        closing = true
        let channels = links.values.compactMap(\.channel)
        lock.unlock()
        for channel in channels { channel.close(promise: nil) }
    }

    private func connect(_ peer: NodeID, _ address: Address) {
        let hello = PeerWire.magic + [PeerWire.version, id]
        ClientBootstrap(group: group)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(1))
            .connect(host: address.host, port: address.port)
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    channel.writeAndFlush(channel.allocator.frame(hello), promise: nil)
                    lock.lock()
                    let wasClosing = closing
                    links[peer]?.channel = wasClosing ? nil : channel
                    links[peer]?.connecting = false
                    links[peer]?.backoff = 0.05
                    links[peer]?.reported = false
                    lock.unlock()
                    if wasClosing {
                        channel.close(promise: nil)
                        return
                    }
                    logger.info("connected to n\(peer) at \(address)")
                    channel.closeFuture.whenComplete { [self] _ in
                        lock.lock()
                        links[peer]?.channel = nil
                        links[peer]?.nextAttempt = Date().addingTimeInterval(0.05)
                        let quiet = closing
                        lock.unlock()
                        if !quiet { logger.warning("lost the connection to n\(peer) at \(address); reconnecting") }
                    }
                case .failure(let error):
                    lock.lock()
                    let report = links[peer].map { !$0.reported } ?? false
                    if var link = links[peer] {
                        link.connecting = false
                        link.nextAttempt = Date().addingTimeInterval(link.backoff)
                        link.backoff = min(link.backoff * 2, 1)
                        link.reported = true
                        links[peer] = link
                    }
                    lock.unlock()
                    if report { logger.warning("cannot reach n\(peer) at \(address): \(error); retrying with back-off") }
                }
            }
    }

    /// Reads a peer's connection: its hello, then batches of envelopes.
    private final class PeerInbound: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let transport: PeerTransport
        var peer: NodeID?

        init(transport: PeerTransport) { self.transport = transport }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            let bytes = Array(frame.readableBytesView)
            guard let peer else {
                let magic = PeerWire.magic
                guard bytes.count == magic.count + 2, Array(bytes.prefix(magic.count)) == magic,
                      bytes[magic.count] == PeerWire.version else {
                    transport.logger.warning("refused a Raft connection from \(context.remoteAddress.map { "\($0)" } ?? "?"): not a cutaway node of this version")
                    context.close(promise: nil)
                    return
                }
                let from = bytes[magic.count + 1]
                guard transport.peerIDs.contains(from) else {
                    transport.logger.error("refused a Raft connection from n\(from): not a peer of n\(transport.id) (check --peer on every node)")
                    context.close(promise: nil)
                    return
                }
                self.peer = from
                return
            }
            do {
                let envelopes = try PeerWire.decode(bytes).filter { $0.from == peer && $0.to == transport.id }
                transport.receive(envelopes)
            } catch {
                transport.logger.error("closed n\(peer)'s connection: malformed frame (\(error))")
                context.close(promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            transport.logger.error("closed a Raft connection\(peer.map { " from n\($0)" } ?? ""): \(error)")
            context.close(promise: nil)
        }
    }
}

/// A host and port, as written on the command line (`127.0.0.1:9701`).
public struct Address: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (`[::1]:9601` for IPv6); nil when it is not one.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
