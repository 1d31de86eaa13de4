import ArgumentParser
import Inspect
import Shell

/// The `cutaway` command line: the REPL on a terminal, a script runner on a pipe.
@main
struct CutawayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cutaway",
        abstract: "A distributed SQL database with the covers off.",
        discussion: """
            On a terminal, cutaway opens the REPL (.help lists its commands). Otherwise it reads
            SQL statements and dot-commands from stdin and runs them in order: cutaway < lesson.sql
            """)

    @Option(help: "How results are printed: table, line, csv or json.")
    var format: OutputModeArgument = .init(.table)

    @Option(help: ArgumentHelp("Open (or create) a durable database in this directory instead of memory.", valueName: "DIR"))
    var data: String?

    @Option(name: .customShort("c"), help: ArgumentHelp("Run these statements (and dot-commands), then exit.", valueName: "SQL"))
    var command: String?

    @Flag(help: "Stop at the first failed statement with a non-zero exit status.")
    var bail = false

    func run() throws {
        let backend = try Backends.open(dataDirectory: data)
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
        if let command {
            driver.feed(text: command)
            driver.finish()
        } else if interactive {
            REPL(driver: driver).run()
        } else {
            while !driver.finished, let line = readLine(strippingNewline: true) {
                driver.feed(line: line)
            }
            driver.finish()
        }
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
