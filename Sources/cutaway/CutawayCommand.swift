import ArgumentParser
import Cluster
import Foundation
import Inspect
import Server
import Shell

/// The `cutaway` command line: the REPL (the default), node servers, a local cluster of them.
@main
struct CutawayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cutaway",
        abstract: "A distributed SQL database with the covers off.",
        subcommands: [ReplCommand.self, ServeCommand.self, ClusterCommand.self, WorkloadCommand.self],
        defaultSubcommand: ReplCommand.self)
}

/// The REPL on a terminal, a script runner on a pipe: `cutaway` with no subcommand.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "A distributed SQL database with the covers off.",
        discussion: """
            On a terminal, cutaway opens the REPL (.help lists its commands). Otherwise it reads
            SQL statements and dot-commands from stdin and runs them in order: cutaway < script.sql
            .lessons lists the guided lessons; cutaway --lesson 1 starts the first.
            With --connect HOST:PORT it does the same on a running node server (cutaway serve).
            """)

    @Option(help: "How results are printed: table, line, csv or json.")
    var format: OutputModeArgument = .init(.table)

    @Option(help: ArgumentHelp("Open (or create) a durable database in this directory instead of memory (BitCask files per node).", valueName: "DIR"))
    var data: String?

    @Option(help: "How many Raft nodes the in-process cluster has (1 to 7).")
    var nodes = 3

    @Flag(help: "Run on a single-node engine without Raft instead of the cluster (to compare).")
    var local = false

    @Option(help: "The cluster's clock: auto (ticks every few ms) or manual (.tick and .step move it).")
    var clock: ClockArgument = .init(.auto)

    @Option(name: .customShort("c"), help: ArgumentHelp("Run these statements (and dot-commands), then exit.", valueName: "SQL"))
    var command: String?

    @Flag(help: "Stop at the first failed statement with a non-zero exit status.")
    var bail = false

    @Option(help: ArgumentHelp("Start straight into a guided lesson (its number or part of its name; .lessons lists them).", valueName: "N"))
    var lesson: String?

    @Option(help: ArgumentHelp("Talk to a running node server (cutaway serve) instead of an in-process database.", valueName: "HOST:PORT"))
    var connect: String?

    @Option(help: ArgumentHelp("Also serve this database to PostgreSQL clients (psql, drivers) on this address; after the input ends it keeps serving until Ctrl-C.", valueName: "HOST:PORT"))
    var pg: String?

    @Option(name: .customLong("pg-password"), help: ArgumentHelp("The password PostgreSQL clients must send; without one only loopback clients are let in.", valueName: "PASSWORD"))
    var pgPassword: String?

    func validate() throws {
        guard (1...7).contains(nodes) else { throw ValidationError("--nodes takes 1 to 7, not \(nodes)") }
        if local && (nodes != 3 || clock.clock != .auto) {
            throw ValidationError("--nodes and --clock describe the cluster; --local runs a single node without one")
        }
        if let connect {
            guard Address(connect) != nil else { throw ValidationError("--connect takes HOST:PORT, such as 127.0.0.1:9601, not '\(connect)'") }
            guard !local, data == nil, nodes == 3, clock.clock == .auto else {
                throw ValidationError("--connect talks to a node server; --local, --data, --nodes and --clock describe an in-process database")
            }
            // A lesson builds the in-process database it needs, so it cannot run on a server.
            guard lesson == nil else { throw ValidationError("--lesson sets up its own in-process database; it cannot run with --connect") }
        }
    }

    func run() throws {
        let backend: any ShellBackend
        if let connect, let address = Address(connect) {
            do {
                backend = try RemoteBackend(address: address)
            } catch {
                throw ValidationError(error.description)
            }
        } else {
            backend = local ? try Backends.local(dataDirectory: data)
                            : try Backends.cluster(nodes: nodes, dataDirectory: data, clock: clock.clock)
        }
        var options = ShellDriver.Options()
        options.mode = format.mode
        options.bail = bail
        let interactive = command == nil && Terminal.stdinIsTerminal
        if interactive {
            options.interactive = true
            options.style = TextStyle.forTerminal()
        }
        let driver: ShellDriver
        do {
            driver = try ShellDriver(backend: backend, output: StandardOutput(), options: options)
        } catch {
            throw ValidationError("cannot start a session: \(error.description)")
        }
        // The README promises a cut tail is reported: say what was cut before anything else.
        for notice in backend.openNotices { driver.output.writeError("note: " + notice + "\n") }
        if let lesson {
            driver.feed(line: ".lesson " + lesson)
        }
        if let pg {
            // Without a terminal the input is setup: clients may connect now (a bad address or
            // a busy port fails before any statement runs) but get a session only once it has
            // run, so none sees its tables half made.
            do {
                FileHandle.standardError.write(Data((try driver.startPG(address: pg, password: pgPassword,
                                                                        holdingClients: !interactive) + "\n").utf8))
            } catch {
                throw ValidationError("--pg: \(error.description)")
            }
        }
        if let command {
            driver.input = InputSource(name: "-c")
            driver.feed(text: command)
            driver.finish()
        } else if interactive {
            REPL(driver: driver).run()
        } else {
            driver.input = InputSource(name: "stdin")
            while !driver.finished, let line = readLine(strippingNewline: true) {
                driver.feed(line: line)
            }
            driver.finish()
        }
        driver.admitPGClients()
        if driver.pgServer != nil, !interactive, !driver.finished {
            // Headless (`cutaway --pg ADDR < setup.sql`): the clients are the point; serve
            // them until SIGINT or SIGTERM.
            waitForSignal()
        }
        driver.pgServer?.stop()
        driver.backend.cluster?.stop()
        driver.lessons.removeTemporaryFiles()
        if bail && driver.failed { throw ExitCode(1) }
    }
}

/// `--format`'s value, parsed with a clear error for unknown modes.
struct OutputModeArgument: ExpressibleByArgument {
    let mode: OutputMode
    init(_ mode: OutputMode) { self.mode = mode }
    init?(argument: String) {
        guard let mode = OutputMode(rawValue: argument.lowercased()) else { return nil }
        self.mode = mode
    }
    var defaultValueDescription: String { mode.rawValue }
    static var allValueStrings: [String] { OutputMode.allCases.map(\.rawValue) }
}

/// `--clock`'s value, parsed with a clear error for unknown clocks.
struct ClockArgument: ExpressibleByArgument {
    let clock: LocalCluster.Clock
    init(_ clock: LocalCluster.Clock) { self.clock = clock }
    init?(argument: String) {
        guard let clock = LocalCluster.Clock(rawValue: argument.lowercased()) else { return nil }
        self.clock = clock
    }
    var defaultValueDescription: String { clock.rawValue }
    static var allValueStrings: [String] { LocalCluster.Clock.allCases.map(\.rawValue) }
}

/// Blocks until SIGINT or SIGTERM.
func waitForSignal() {
    let stop = DispatchSemaphore(value: 0)
    var sources: [any DispatchSourceSignal] = []
    for number in [SIGINT, SIGTERM] {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { stop.signal() }
        source.resume()
        sources.append(source)
    }
    stop.wait()
    sources.forEach { $0.cancel() }
}
