import ArgumentParser
import Foundation
import Logging
import PGWire
import Raft
import Server

/// `cutaway serve`: one node of a cluster, as a process of its own.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run one node of a Raft cluster as a server process.",
        discussion: """
            Every node is started with its own --id and the others as --peer:
              cutaway serve --id 1 --listen 127.0.0.1:9601 --raft-listen 127.0.0.1:9701 \\
                            --peer 2=127.0.0.1:9702 --peer 3=127.0.0.1:9703 --data DIR
            SQL clients connect to --listen (cutaway --connect 127.0.0.1:9601). The node keeps
            its files in DIR/nID. SIGINT or SIGTERM stops it cleanly.
            """)

    @Option(help: "This node's id, 1 to the number of nodes.")
    var id: UInt8

    @Option(help: ArgumentHelp("Where SQL clients connect (default 127.0.0.1:9600+ID).", valueName: "HOST:PORT"))
    var listen: String?

    @Option(name: .customLong("raft-listen"), help: ArgumentHelp("Where the other nodes connect (default 127.0.0.1:9700+ID).", valueName: "HOST:PORT"))
    var raftListen: String?

    @Option(help: ArgumentHelp("Another node and its Raft address; once per peer.", valueName: "ID=HOST:PORT"))
    var peer: [String] = []

    @Option(help: ArgumentHelp("The cluster's data directory (this node uses DIR/nID); it must exist.", valueName: "DIR"))
    var data: String

    @Option(help: "Whether the Raft log is fsynced before a write is acknowledged: on or off.")
    var fsync: OnOff = .on

    @Option(help: ArgumentHelp("Also serve PostgreSQL clients (psql, drivers) on this address.", valueName: "HOST:PORT"))
    var pg: String?

    @Option(name: .customLong("pg-password"), help: ArgumentHelp("The password PostgreSQL clients must send; without one only loopback clients are let in.", valueName: "PASSWORD"))
    var pgPassword: String?

    @Option(help: "The least important log lines shown: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func parsedConfiguration() throws -> NodeServer.Configuration {
        guard id >= 1 else { throw ValidationError("--id starts at 1") }
        let listenText = listen ?? "127.0.0.1:\(9600 + Int(id))"
        let raftText = raftListen ?? "127.0.0.1:\(9700 + Int(id))"
        guard let listenAddress = Address(listenText) else { throw ValidationError("--listen takes HOST:PORT, not '\(listenText)'") }
        guard let raftAddress = Address(raftText) else { throw ValidationError("--raft-listen takes HOST:PORT, not '\(raftText)'") }
        var peers: [NodeID: Address] = [:]
        for text in peer {
            let parts = text.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let peerID = UInt8(parts[0]), let address = Address(String(parts[1])) else {
                throw ValidationError("--peer takes ID=HOST:PORT, such as 2=127.0.0.1:9702, not '\(text)'")
            }
            guard peerID != id else { throw ValidationError("--peer \(text) names this node itself (--id \(id))") }
            guard peers[peerID] == nil else { throw ValidationError("--peer names n\(peerID) twice") }
            peers[peerID] = address
        }
        var configuration = NodeServer.Configuration(id: id, listen: listenAddress, raftListen: raftAddress,
                                                      peers: peers, dataDirectory: data)
        configuration.fsync = fsync == .on
        return configuration
    }

    func validate() throws {
        _ = try parsedConfiguration()
        if let pg, PGServer.Configuration(parsing: pg) == nil { throw ValidationError("--pg takes HOST:PORT, such as 127.0.0.1:5433, not '\(pg)'") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level takes trace, debug, info, notice, warning or error") }
    }

    func run() throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "cutaway.n\(id)")
        let server: NodeServer
        do {
            server = try NodeServer(try parsedConfiguration(), logger: logger)
            try server.start()
        } catch let error as NodeServer.StartError {
            FileHandle.standardError.write(Data("cutaway serve: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        var pgServer: PGServer?
        if let pg, var pgConfiguration = PGServer.Configuration(parsing: pg) {
            pgConfiguration.password = pgPassword
            let runtime = server.runtime
            let listener = PGServer(pgConfiguration) { runtime.makeSession() }
            do {
                try listener.start()
            } catch {
                server.stop()
                FileHandle.standardError.write(Data("cutaway serve: --pg: \(error)\n".utf8))
                throw ExitCode(1)
            }
            logger.info("n\(id) serving PostgreSQL clients on \(listener.address)")
            pgServer = listener
        }
        waitForSignal()
        pgServer?.stop()
        server.stop()
    }
}

/// `on` or `off`.
enum OnOff: String, ExpressibleByArgument, CaseIterable {
    case on, off
}
