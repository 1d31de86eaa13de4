import Inspect
import PGWire
import SQL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Shell's engine room, shared by the interactive REPL and piped input: it takes input one
/// line at a time, collects lines into statements, runs dot-commands, keeps the named sessions,
/// and renders every result in the current output mode.
///
/// It never reads the terminal itself (the REPL and `cutaway < file` feed it), so tests drive
/// it in-process with a `CapturedOutput`.
public final class ShellDriver {
    /// How the driver starts.
    public struct Options: Sendable {
        public var mode: OutputMode = .table
        /// Stop at the first failed statement (`--bail`).
        public var bail = false
        public var style = TextStyle(enabled: false)
        /// The drawing width when not on a terminal (a terminal's own width wins).
        public var width = Drawing.defaultWidth
        /// Whether the input is a terminal (drawings then follow its width).
        public var interactive = false
        public init() {}
    }

    /// The database; a lesson replaces it with the fresh one it starts on.
    public private(set) var backend: any ShellBackend
    /// Where results and errors go (a null sink while a resumed lesson replays silently).
    public private(set) var output: any OutputSink
    public var registry = CommandRegistry.standard
    /// How results are printed (`.mode`).
    public var mode: OutputMode
    /// Whether each statement's time is printed (`.timer`).
    public var timer = false
    /// Whether each statement is followed by the Raft messages it caused (`.trace`).
    public var tracing = false
    public let style: TextStyle
    public let options: Options
    /// Whether some statement failed (the exit status with `--bail`).
    public var failed: Bool { failedStatements > 0 }
    /// How many SQL statements failed so far.
    public private(set) var failedStatements = 0
    /// How many dot-commands failed so far (unknown command, wrong arguments, …).
    public private(set) var failedCommands = 0
    /// Set by `.quit`, and by a failure under `--bail`: the caller stops feeding input.
    public private(set) var finished = false

    /// Text typed so far that does not yet end a statement.
    public private(set) var pending = ""
    /// Whether `pending` (when not empty) ends inside a string, quoted name or comment, so the
    /// next line cannot be lexed on its own.
    private var pendingIsOpen = false
    /// Where lines come from when it is not a person typing (piped stdin, `-c`, a file): errors
    /// then name the line of the input they are on. Nil in the interactive REPL.
    public var input: InputSource?
    /// The input line of the last line that held something: where a statement being run ends.
    private var lastContentLine = 0
    private var sessions: [(name: String, session: any ShellSession)] = []
    /// The name of the session statements go to.
    public private(set) var currentSessionName = ShellDriver.defaultSessionName
    var recorder: Recorder?
    /// The course: `.lessons`, `.lesson N`, and the checks after each statement.
    public lazy var lessons = LessonRunner(library: .find(), progressPath: LessonProgress.defaultPath)
    /// The statement `.explain` showed last (a lesson's `plan` check re-plans it).
    var lastExplained: String?
    /// How deep `.read` files nest now (a file that reads itself stops at a limit).
    var readDepth = 0
    /// The PostgreSQL protocol listener serving this database (`--pg`, `.pg start`), if any.
    public var pgServer: PGServer?
    /// Holds PostgreSQL clients' sessions back while it is closed (see `startPG`).
    let pgClientGate = ClientGate()

    /// The session every shell starts in.
    public static let defaultSessionName = "default"

    public init(backend: any ShellBackend, output: any OutputSink, options: Options = Options()) throws(SQLError) {
        self.backend = backend
        self.output = output
        self.options = options
        self.mode = options.mode
        self.style = options.style
        sessions.append((Self.defaultSessionName, try backend.makeSession()))
    }

    // MARK: Input

    /// Whether an unfinished statement is waiting for more lines (the continuation prompt).
    public var isPending: Bool { !isBlankOrComment(pending) }

    /// Takes one line of input (without its line break).
    public func feed(line: String) {
        guard !finished else { return }
        input?.advance()
        let trimmed = line.trimmingWhitespace()
        if !trimmed.isEmpty { lastContentLine = input?.line ?? 0 }
        // A dot-command runs on its own even while a statement is open (it would only break
        // the SQL); a `.5` there is still SQL, and so is anything inside an open string.
        if trimmed.hasPrefix(".") && (!isPending || (trimmed.dropFirst().first?.isLetter == true && !insideLiteral)) {
            if !isPending { pending = "" }
            if !trimmed.hasPrefix(".record") { recorder?.record(line) }
            runCommand(trimmed)
            return
        }
        if let hint = Self.otherShellHint(trimmed), !insideLiteral {
            failedCommands += 1
            reportError(hint + (isPending ? "\n(the statement above is still open: end it with ; or drop it with Ctrl-C)" : ""))
            return
        }
        recorder?.record(line)
        var statements: [String]
        if !pending.isEmpty && !pendingIsOpen {
            // Only the new line is lexed (see `StatementSplitter.split(_:continuing:)`):
            // re-splitting the whole statement on every line made a long one quadratic.
            let split = StatementSplitter.split(line + "\n", continuing: true)
            statements = split.statements
            if statements.isEmpty {
                pending += split.remainder
            } else {
                statements[0] = pending + statements[0]
                pending = split.remainder
            }
            pendingIsOpen = split.isOpen
        } else {
            let split = StatementSplitter.split(pending + line + "\n", continuing: false)
            statements = split.statements
            pending = split.remainder
            pendingIsOpen = split.isOpen
        }
        for statement in statements {
            guard !finished else { break }
            runStatement(statement)
        }
    }

    /// Takes a block of text (several lines, as from `-c`).
    public func feed(text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            feed(line: String(line))
        }
    }

    /// Takes a block of text read from `source` (a file, say): errors name its lines, and the
    /// input before it is restored after.
    public func feed(text: String, from source: InputSource) {
        let saved = (input, lastContentLine)
        input = source
        feed(text: text)
        (input, lastContentLine) = saved
    }

    /// Whether the open statement ends inside a string, quoted name or comment: a `;` added
    /// now would not end it.
    private var insideLiteral: Bool {
        guard isPending else { return false }
        return !StatementSplitter.split(pending + ";").remainder.isEmpty
    }

    /// What to say when a line is another shell's command (`exit`, `\d`, `SHOW TABLES`),
    /// which SQL would only swallow into a statement; nil for anything else.
    static func otherShellHint(_ trimmed: String) -> String? {
        var word = trimmed.lowercased()
        while word.hasSuffix(";") { word.removeLast() }
        word = word.trimmingWhitespace()
        switch word {
        case "exit", "quit", "\\q", "\\quit":
            return "'\(trimmed)' is not SQL: to leave, type .quit or press Ctrl-D"
        case "\\d", "\\dt", "\\l", "show tables", "show databases":
            return "'\(trimmed)' is not SQL: .tables lists the tables and .schema [TABLE] their columns"
        default:
            return word.hasPrefix("\\d ") || word.hasPrefix("describe ")
                ? "'\(trimmed)' is not SQL: .schema TABLE shows a table's columns" : nil
        }
    }

    /// End of input: a last statement without its `;` still runs, and transactions left open
    /// are rolled back — saying so, since leaving would otherwise drop them without a word.
    public func finish() {
        if isPending && !finished { runStatement(pending) }
        pending = ""
        recorder = nil
        for (name, session) in sessions {
            guard let txn = session.openTransaction else { continue }
            let owner = name == Self.defaultSessionName ? "the " : name + "'s "
            let rolledBack = (try? session.execute("ROLLBACK")) != nil
            if txn.readOnly {
                output.writeError(owner + "\(txn.label) was still open: closed (it wrote nothing)\n")
            } else {
                output.writeError(owner + "transaction \(txn.version) was still open: "
                                  + (rolledBack ? "rolled back, nothing it wrote is kept\n" : "left without COMMIT\n"))
            }
        }
    }

    /// Drops the unfinished statement (Ctrl-C).
    public func discardPending() { pending = "" }

    /// Stops the shell (`.quit`).
    public func quit() { finished = true }

    // MARK: Statements

    /// Runs one statement in the current session and prints its result or error.
    func runStatement(_ text: String) {
        let sql = text.trimmingWhitespace()
        guard !sql.isEmpty, sql != ";" else { return }
        let clock = ContinuousClock()
        let start = clock.now
        let traceMark = tracing ? backend.cluster?.traceMark : nil
        var outcome: Result<StatementResult, SQLError>?
        // A lesson step checks the statement after everything it printed (trace, time).
        defer { if let outcome { lessons.statementFinished(outcome, in: self) } }
        defer {
            if let traceMark { showTrace(since: traceMark) }
            if let remote = backend as? any RemoteShellBackend, let text = remote.traceText(after: currentSession, width: width) {
                show(text)
            }
        }
        let snapshot = currentSession.openTransaction.flatMap { $0.readOnly ? $0 : nil }
        do {
            let result = try currentSession.execute(sql)
            outcome = .success(result)
            if let snapshot, mode != .json, result.commandTag == "COMMIT" || result.commandTag == "ROLLBACK" {
                // A snapshot never had a transaction number: name what ended by what it was.
                output.write("\(result.commandTag) — \(snapshot.label) (read only: nothing was written)\n")
            } else {
                output.write(ResultDrawing.draw(result, mode: mode, width: width))
            }
        } catch {
            outcome = .failure(error)
            failedStatements += 1
            if mode == .json {
                output.write(JSONResult.error(error.description) + "\n")
            } else if let input {
                // The statement ends on the last line that held something; its line 1 is
                // that many lines before as it has line breaks.
                let firstLine = lastContentLine - sql.reduce(0) { $1.isNewline ? $0 + 1 : $0 }
                let line = firstLine + max(0, (error.position?.line ?? 1) - 1)
                reportError("\(input.name), line \(line): " + error.rendered(in: sql))
            } else {
                reportError(error.rendered(in: sql))
            }
            // Replaying a resumed lesson's deliberate mistakes must not end a --bail run.
            if options.bail && !lessons.replaying { finished = true }
        }
        if timer { show(style.dim("Time: \(Self.milliseconds(clock.now - start)) ms") + "\n") }
        if mode != .json {
            for hint in Hints.nullComparisons(in: sql) {
                let line = sql.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
                    .dropFirst(hint.position.line - 1).first.map(String.init) ?? ""
                let caret = String(repeating: " ", count: max(0, hint.position.column - 1)) + "^"
                output.writeError("hint at \(hint.position): \(hint.message)\n  \(line)\n  \(caret)\n")
            }
        }
    }

    /// `1.234` for a duration, in milliseconds with three decimals.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    // MARK: Dot-commands

    /// Runs a `.command args` line.
    func runCommand(_ line: String) {
        let body = line.dropFirst()
        let name = String(body.prefix { $0 != " " && $0 != "\t" })
        let arguments = CommandArguments(raw: String(body.dropFirst(name.count)))
        let location = input.map { "\($0.name), line \($0.line): " } ?? ""
        guard let command = registry.command(named: name) else {
            var message = location + "unknown command '.\(name)'"
            if let near = suggestion(for: name, among: registry.names) { message += " — did you mean .\(near)?" }
            if name.hasSuffix(";") { message += " (a dot-command ends with its line, without ';')" }
            failedCommands += 1
            reportError(message + " (.help lists the commands)")
            return
        }
        let clock = ContinuousClock()
        let start = clock.now
        var succeeded = false
        do {
            if let remote = backend as? any RemoteShellBackend, remote.remoteCommands.contains(command.name) {
                show(try remote.runRemote(line, session: currentSession, width: width))
            } else {
                try command.run(arguments, in: self)
            }
            succeeded = true
        } catch {
            failedCommands += 1
            reportError(location + error.message)
        }
        // Drawings take time too (.mvcc reads every version): .timer covers them.
        if timer && command.name != "timer" {
            show(style.dim("Time: \(Self.milliseconds(clock.now - start)) ms") + "\n")
        }
        if succeeded { lessons.commandFinished(command.name, in: self) }
    }

    /// Output of a dot-command: stdout, except in json mode, where stdout carries only result
    /// objects and the text goes to stderr.
    public func show(_ text: String) {
        if mode == .json { output.writeError(text) } else { output.write(text) }
    }

    /// An error line on stderr, `error:` in red on a terminal.
    public func reportError(_ message: String) {
        let lines = message.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        var text = style.red(String(lines.first ?? ""))
        if lines.count > 1 { text += "\n" + lines[1] }
        output.writeError(text + "\n")
    }

    // MARK: Backend

    /// Switches to another database (a lesson's fresh one): every session is closed, the
    /// default session opens on `newBackend`, and the old cluster's clock stops.
    public func replaceBackend(_ newBackend: any ShellBackend) throws(SQLError) {
        let session = try newBackend.makeSession()
        backend.cluster?.stop()
        backend = newBackend
        sessions = [(Self.defaultSessionName, session)]
        currentSessionName = Self.defaultSessionName
        pending = ""
        tracing = false
        lastExplained = nil
    }

    /// Runs `body` with everything written thrown away (replaying a resumed lesson).
    func withOutputMuted(_ body: () -> Void) {
        let saved = output
        output = DiscardedOutput()
        defer { output = saved }
        body()
    }

    // MARK: Sessions

    /// The session statements go to.
    public var currentSession: any ShellSession {
        for entry in sessions where entry.name == currentSessionName { return entry.session }
        return sessions[0].session   // not reachable: the current name is always in the list
    }

    /// Every session, in creation order.
    public var allSessions: [(name: String, session: any ShellSession)] { sessions + pgSessions }

    /// Switches to the session called `name`, creating it on first use.
    public func switchSession(to name: String) throws(ShellError) {
        if !sessions.contains(where: { $0.name == name }) {
            do {
                sessions.append((name, try backend.makeSession()))
            } catch {
                throw ShellError("cannot open session '\(name)': \(error.description)")
            }
        }
        currentSessionName = name
    }

    // MARK: Prompt and width

    /// `cutaway> `, `cutaway txn 7> `, `cutaway(s2) snapshot@9> `.
    public var prompt: String { promptBase + "> " }

    /// The prompt while a statement continues over lines: `cutaway-> `.
    public var continuationPrompt: String { promptBase + "-> " }

    private var promptBase: String {
        var text = "cutaway"
        let named = currentSessionName != Self.defaultSessionName ? currentSessionName : nil
        switch (named, currentSession.node) {
        case let (name?, node?): text += "(\(name)@\(node))"
        case let (name?, nil): text += "(\(name))"
        case let (nil, node?): text += "(\(node))"
        case (nil, nil): break
        }
        if let txn = currentSession.openTransaction {
            text += " " + txn.label
        }
        return text
    }

    /// The width drawings fit: the terminal's when interactive, else the configured one.
    public var width: Int {
        if options.interactive, let columns = Terminal.columns() { return max(40, columns) }
        return options.width
    }
}

extension ShellDriver {
    /// Draws the messages traced since `mark` (after a statement, with `.trace on`).
    func showTrace(since mark: Int) {
        guard let cluster = backend.cluster else { return }
        let events = cluster.trace(since: mark)
        guard !events.isEmpty else {
            show(style.dim("trace: no Raft messages (answered without the network)") + "\n")
            return
        }
        show(withNewline(TraceDrawing.draw(events: events, nodes: cluster.ids, width: width)))
    }

    /// The storage a `.mvcc`/`.keys`/`.status` command looks at: the node named by a trailing
    /// `@n3` word, else the backend's default (a cluster's leader); and the arguments without
    /// that word.
    func storageInspector(_ arguments: CommandArguments) throws(ShellError)
        -> (inspector: any StorageInspector, arguments: CommandArguments) {
        if let last = arguments.words.last, last.hasPrefix("@") {
            let rest = CommandArguments(raw: String(arguments.raw.dropLast(last.count)))
            return (try backend.inspector(node: String(last.dropFirst())), rest)
        }
        guard let inspector = backend.inspector else { throw ShellError("this database offers no view of its storage") }
        return (inspector, arguments)
    }
}
