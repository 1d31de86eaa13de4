import Foundation
import Logging
import NIOCore
import NIOPosix
import Raft

/// One node process: its Raft runtime, the listener for peers and the listener for clients.
public final class NodeServer: @unchecked Sendable {
    /// Everything `cutaway serve` is told.
    public struct Configuration: Sendable {
        public var id: NodeID
        /// Where SQL clients connect.
        public var listen: Address
        /// Where the other nodes connect.
        public var raftListen: Address
        /// The other nodes' Raft addresses.
        public var peers: [NodeID: Address]
        /// The cluster's data directory; this node keeps its files in `nID/` under it.
        public var dataDirectory: String
        public var fsync = true
        public var runtime = NodeRuntime.Options()

        public init(id: NodeID, listen: Address, raftListen: Address, peers: [NodeID: Address], dataDirectory: String) {
            self.id = id
            self.listen = listen
            self.raftListen = raftListen
            self.peers = peers
            self.dataDirectory = dataDirectory
        }
    }

    /// Why a server could not start, in words the operator can act on.
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public let configuration: Configuration
    public let runtime: NodeRuntime
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let transport: PeerTransport
    private var channels: [any Channel] = []

    /// Checks the configuration against the data directory and opens the node's storage.
    public init(_ configuration: Configuration, logger: Logger) throws(StartError) {
        self.configuration = configuration
        self.logger = logger
        try Self.check(configuration)
        let directory = configuration.dataDirectory
        do {
            runtime = try NodeRuntime(id: configuration.id, peers: Array(configuration.peers.keys), directory: directory,
                                      syncLog: configuration.fsync, options: configuration.runtime, logger: logger)
        } catch let error as NodeDirectoryInUse {
            throw StartError(error.description)
        } catch {
            let nodeDirectory = (directory as NSString).appendingPathComponent("n\(configuration.id)")
            throw StartError("cannot open n\(configuration.id)'s storage in \(nodeDirectory): \(error)")
        }
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        transport = PeerTransport(id: configuration.id, peers: configuration.peers, group: group, logger: logger)
    }

    /// Binds both listeners and starts the node.
    public func start() throws(StartError) {
        let runtime = runtime, transport = transport, logger = logger
        runtime.transmit = { peer, envelopes in transport.send(envelopes, to: peer) }
        transport.receive = { envelopes in runtime.deliver(envelopes) }
        do {
            channels.append(try transport.listen(on: configuration.raftListen))
        } catch {
            shutDownNetwork()
            throw StartError("cannot listen for Raft peers on \(configuration.raftListen): \(Self.describe(error))")
        }
        do {
            let bootstrap = ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                // A client that stops sending still gets its answers (and errors) before we close.
                .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(FrameDecoder(maximum: ClientWire.maximumFrame)))
                        try channel.pipeline.syncOperations.addHandler(ClientConnection(runtime: runtime, logger: logger))
                    }
                }
            channels.append(try bootstrap.bind(host: configuration.listen.host, port: configuration.listen.port).wait())
        } catch {
            shutDownNetwork()
            throw StartError("cannot listen for SQL clients on \(configuration.listen): \(Self.describe(error))")
        }
        runtime.start()
        logger.info("n\(configuration.id) serving SQL on \(boundAddress(0) ?? configuration.listen.description), Raft on \(boundAddress(-1) ?? configuration.raftListen.description), data in \(configuration.dataDirectory)/n\(configuration.id), fsync \(configuration.fsync ? "on" : "off")")
    }

    /// The SQL listener's actual address (useful with port 0).
    public var sqlPort: Int? { channels.count > 1 ? channels[1].localAddress?.port : nil }

    private func boundAddress(_ which: Int) -> String? {
        let channel = which < 0 ? channels.first : channels.last
        return channel?.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" }
    }

    /// Stops accepting, finishes the node's current batch, flushes the log and closes files.
    public func stop() {
        logger.info("n\(configuration.id) shutting down")
        for channel in channels { try? channel.close().wait() }
        runtime.stop()
        shutDownNetwork()
    }

    private func shutDownNetwork() {
        transport.close()
        try? group.syncShutdownGracefully()
    }

    private static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("Address already in use") || text.contains("EADDRINUSE") || text.contains("errno: 98") {
            return "the address is already in use (another cutaway serve, or another program, listens there)"
        }
        return text
    }

    /// The data directory must exist; its `cluster.conf` (written by the first node to start,
    /// or by `cluster start`, or by an embedded cluster with `--data`) must agree with the
    /// nodes named on the command line.
    static func check(_ c: Configuration) throws(StartError) {
        let nodes = c.peers.count + 1
        let ids = Set(c.peers.keys).union([c.id])
        guard ids == Set((1...nodes).map { NodeID($0) }) else {
            let names = ids.sorted().map { "n\($0)" }.joined(separator: ", ")
            throw StartError("the nodes are \(names); a cluster of \(nodes) numbers its nodes 1 to \(nodes) (--id and each --peer ID=HOST:PORT)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: c.dataDirectory, isDirectory: &isDirectory) else {
            throw StartError("the data directory \(c.dataDirectory) does not exist; create it (mkdir -p \(c.dataDirectory)), or let `cutaway cluster start` make one")
        }
        guard isDirectory.boolValue else { throw StartError("the data directory \(c.dataDirectory) is a file, not a directory") }
        let marker = (c.dataDirectory as NSString).appendingPathComponent("cluster.conf")
        if let text = try? String(contentsOfFile: marker, encoding: .utf8) {
            let recorded = text.split(separator: "=").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            guard recorded == nodes else {
                throw StartError("\(c.dataDirectory) holds a cluster of \(recorded.map(String.init) ?? "an unknown number of") nodes, but --id and --peer name \(nodes); name the same nodes, or use another --data directory")
            }
        } else {
            do {
                try "nodes=\(nodes)\n".write(toFile: marker, atomically: true, encoding: .utf8)
            } catch {
                throw StartError("cannot write \(marker): \(error.localizedDescription)")
            }
        }
    }
}
