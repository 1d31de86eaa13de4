/// # Dot-commands
///
/// A line that starts with `.` while no SQL statement is pending is a command to the Shell
/// itself, not SQL: `.mode csv`, `.mvcc accounts`, `.session alice`. Each command is one small
/// type conforming to `DotCommand`, registered in `CommandRegistry.standard`; adding a command
/// (the cluster adds `.raft`, `.trace`, node controls) means one new file and one line there.

/// A Shell command such as `.mode`: its name, argument syntax, help, behaviour and completion.
public protocol DotCommand: Sendable {
    /// The name without the dot (`mode`).
    var name: String { get }
    /// The argument syntax shown in help and usage errors (`table|line|csv|json`).
    var arguments: String { get }
    /// One line for the `.help` list.
    var summary: String { get }
    /// The full text of `.help NAME` (the summary is printed above it).
    var help: String { get }
    /// Runs the command. Wrong arguments throw `ShellError.usage`.
    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError)
    /// Candidates for the word being typed, given the words before it (completion).
    func completions(after words: [String], in shell: ShellDriver) -> [String]
}

extension DotCommand {
    public var help: String { "" }
    public func completions(after words: [String], in shell: ShellDriver) -> [String] { [] }

    /// The usage error for this command.
    public func usageError(_ problem: String) -> ShellError {
        .init("\(problem)\nusage: .\(name)\(arguments.isEmpty ? "" : " " + arguments)")
    }
}

/// The text after a command's name, both raw (for `.explain SQL`) and split into words.
public struct CommandArguments: Sendable, Hashable {
    /// Everything after the name, trimmed.
    public var raw: String
    /// `raw` split at whitespace.
    public var words: [String]

    public init(raw: String) {
        self.raw = raw.trimmingWhitespace()
        self.words = self.raw.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }
}

/// An error a dot-command reports to the user (wrong arguments, missing table, …).
public struct ShellError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The commands the Shell knows, by name.
public struct CommandRegistry: Sendable {
    private var byName: [String: any DotCommand] = [:]

    public init() {}

    /// Adds (or replaces) a command.
    public mutating func register(_ command: any DotCommand) {
        byName[command.name] = command
    }

    /// The command called `name` (without the dot).
    public func command(named name: String) -> (any DotCommand)? { byName[name] }

    /// Every command, sorted by name.
    public var all: [any DotCommand] { byName.values.sorted { $0.name < $1.name } }

    /// Every command name, sorted.
    public var names: [String] { byName.keys.sorted() }

    /// The commands of the local REPL.
    public static var standard: CommandRegistry {
        var registry = CommandRegistry()
        let commands: [any DotCommand] = [
            HelpCommand(), QuitCommand(), TablesCommand(), SchemaCommand(), ModeCommand(),
            TimerCommand(), SessionCommand(), SessionsCommand(), ExplainCommand(), MVCCCommand(),
            StatusCommand(), KeysCommand(), RecordCommand(), PGCommand(),
            RaftCommand(), TraceCommand(), NodesCommand(), LeaderCommand(), ConnectCommand(), KillCommand(),
            RestartCommand(), PartitionCommand(), HealCommand(), ClockCommand(), TickCommand(), StepCommand(),
            ReadCommand(), LessonsCommand(), LessonCommand(), CheckCommand(), HintCommand(), NextCommand(),
            SkipCommand(), BackCommand(),
        ]
        for command in commands { registry.register(command) }
        return registry
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}

/// The candidates among `options` that start with `prefix` (case-insensitive).
func matching(_ options: [String], _ prefix: String) -> [String] {
    let lower = prefix.lowercased()
    return options.filter { $0.lowercased().hasPrefix(lower) }
}

/// The option closest to `word` by edit distance, if it is close enough to be a likely typo.
func suggestion(for word: String, among options: [String]) -> String? {
    var best: (String, Int)? = nil
    for option in options {
        let d = editDistance(word.lowercased(), option.lowercased())
        if d <= max(2, word.count / 3), best.map({ d < $0.1 }) ?? true { best = (option, d) }
    }
    return best?.0
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for (i, ca) in a.enumerated() {
        var current = [i + 1] + Array(repeating: 0, count: b.count)
        for (j, cb) in b.enumerated() {
            current[j + 1] = Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
