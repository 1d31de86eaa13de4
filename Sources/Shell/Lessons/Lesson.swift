/// # Lessons: the course inside the REPL
///
/// A lesson is a plain Markdown file in `lessons/` (the format is documented for authors in
/// `lessons/README.md`). It reads as an ordinary document on a code-hosting site, and the REPL
/// reads the same file as a sequence of steps it can walk a learner through:
///
/// - `# Title`, then the introduction, with an optional ```` ```setup ```` block that says
///   which database the lesson starts on (nodes, clock, storage).
/// - `## Step title` starts a step: prose, ```` ```sql ```` blocks with the lines to type,
///   a ```` ```check ```` block the REPL evaluates (`LessonCheck`), a `**Hint:**` paragraph
///   and a `**Why it worked:**` paragraph shown once the check passes.
///
/// Nothing in a lesson may depend on numbers that earlier work changes: a step names "the
/// transaction you just began" or "the node that leads now" through a capture (`{name}` in
/// its commands), never by a literal id, and every lesson starts on a fresh database.

/// One lesson of the course, parsed from its Markdown file.
public struct Lesson: Sendable, Hashable {
    /// The file name without `.md` (`01-first-steps`): the lesson's id in the progress file.
    public var id: String
    public var title: String
    /// The prose before the first step.
    public var introduction: String
    public var setup: LessonSetup
    public var steps: [LessonStep]
}

/// The database a lesson starts on: a fresh one, built when the lesson starts.
public struct LessonSetup: Sendable, Hashable {
    /// 1 to 7 Raft nodes, or 0 for the single-node engine without Raft.
    public var nodes = 3
    public var manualClock = false
    /// Whether the nodes keep their logs and databases in BitCask files (in a new temporary
    /// directory) rather than in memory.
    public var bitcask = false

    public init() {}

    /// What the REPL says it set up, in a sentence.
    public var description: String {
        let storage = bitcask ? "stored in BitCask files in a new temporary directory" : "in memory"
        if nodes == 0 { return "a fresh single-node database (no Raft), \(storage)" }
        let clock = manualClock ? "a manual clock (time moves only when you .tick)" : "an automatic clock"
        return "a fresh \(nodes)-node Raft cluster, \(storage), with \(clock)"
    }
}

/// One step: what to read, what to type, how the REPL checks it, and the help around it.
public struct LessonStep: Sendable, Hashable {
    public var title: String
    public var prose: String
    /// The lines to type, block by block (SQL and dot-commands; `{name}` stands for a capture).
    /// The prose holds a `{sql N}` line where block N stands in the file.
    public var commandBlocks: [[String]]
    /// Every line to type, in order.
    public var commands: [String] { commandBlocks.flatMap { $0 } }
    public var checks: [LessonCheck]
    public var hint: String
    public var why: String

    /// How many of the step's lines fail on purpose (marked `-- fails` in the lesson).
    public var expectedFailures: Int { commands.filter { $0.contains("-- fails") }.count }
}

/// A lesson file that does not follow the format: which file, which line, what is wrong.
public struct LessonFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var problem: String
    public var description: String { "\(file):\(line): \(problem)" }
}

extension Lesson {
    /// Parses a lesson's Markdown.
    /// - Throws: `LessonFormatError` for a missing title, an unknown block or setup line, a
    ///   check that does not parse, or a step without commands or checks.
    public static func parse(_ text: String, id: String) throws(LessonFormatError) -> Lesson {
        var parser = LessonParser(id: id)
        return try parser.parse(text)
    }
}

/// Reads a lesson line by line: headings start steps, fenced blocks carry commands, checks
/// and setup, and `**Hint:**`/`**Why it worked:**` paragraphs are set aside.
private struct LessonParser {
    let id: String
    var title: String?
    var introduction: [String] = []
    var setup = LessonSetup()
    var steps: [LessonStep] = []
    var lineNumber = 0

    /// Where paragraph text goes while reading.
    enum Target { case prose, hint, why }
    var target = Target.prose

    init(id: String) { self.id = id }

    func error(_ problem: String) -> LessonFormatError {
        LessonFormatError(file: id + ".md", line: lineNumber, problem: problem)
    }

    mutating func parse(_ text: String) throws(LessonFormatError) -> Lesson {
        var fence: (kind: String, start: Int, lines: [String])? = nil
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            if var open = fence {
                if line.hasPrefix("```") {
                    try close(kind: open.kind, start: open.start, lines: open.lines)
                    fence = nil
                } else {
                    open.lines.append(line)
                    fence = open
                }
                continue
            }
            if line.hasPrefix("```") {
                fence = (String(line.dropFirst(3)).trimmingWhitespace().lowercased(), lineNumber, [])
            } else if line.hasPrefix("## ") {
                try finishStep()
                steps.append(LessonStep(title: String(line.dropFirst(3)).trimmingWhitespace(), prose: "",
                                        commandBlocks: [], checks: [], hint: "", why: ""))
                target = .prose
            } else if line.hasPrefix("# ") && title == nil {
                title = String(line.dropFirst(2)).trimmingWhitespace()
            } else {
                addText(line)
            }
        }
        if fence != nil { throw error("a ``` block is not closed") }
        try finishStep()
        guard let title else { throw error("a lesson starts with a '# Title' line") }
        guard !steps.isEmpty else { throw error("a lesson has at least one '## Step' section") }
        return Lesson(id: id, title: title, introduction: Self.tidy(introduction), setup: setup, steps: steps)
    }

    mutating func addText(_ line: String) {
        if line.trimmingWhitespace().isEmpty { target = .prose }
        var text = line
        for (marker, kind) in [("**Hint:**", Target.hint), ("**Why it worked:**", .why)] where line.hasPrefix(marker) {
            target = kind
            text = String(line.dropFirst(marker.count)).trimmingWhitespace()
        }
        guard let last = steps.indices.last else {
            introduction.append(line)
            return
        }
        switch target {
        case .prose: steps[last].prose += line + "\n"
        // Hints and explanations are paragraphs: the REPL wraps them to the terminal.
        case .hint: steps[last].hint += (steps[last].hint.isEmpty ? "" : " ") + text
        case .why: steps[last].why += (steps[last].why.isEmpty ? "" : " ") + text
        }
    }

    /// Takes a fenced block that opened on line `start`.
    mutating func close(kind: String, start: Int, lines: [String]) throws(LessonFormatError) {
        switch kind {
        case "setup":
            guard steps.isEmpty else { throw error("the setup block belongs before the first step") }
            for line in lines where !line.trimmingWhitespace().isEmpty { try setupLine(line) }
        case "sql":
            guard let last = steps.indices.last else { throw error("commands belong inside a step") }
            steps[last].prose += "{sql \(steps[last].commandBlocks.count)}\n"
            steps[last].commandBlocks.append(lines.filter { !$0.trimmingWhitespace().isEmpty })
        case "check":
            guard let last = steps.indices.last else { throw error("a check belongs inside a step") }
            for (offset, line) in lines.enumerated() where !line.trimmingWhitespace().isEmpty {
                do {
                    steps[last].checks.append(try LessonCheck.parse(line.trimmingWhitespace()))
                } catch {
                    lineNumber = start + 1 + offset
                    throw self.error("check '\(line.trimmingWhitespace())': \(error.message)")
                }
            }
        default:
            // Other blocks (sample output, say) are prose.
            guard let last = steps.indices.last else { return }
            steps[last].prose += (["```"] + lines + ["```"]).joined(separator: "\n") + "\n"
        }
    }

    mutating func setupLine(_ line: String) throws(LessonFormatError) {
        let parts = line.split(separator: ":", maxSplits: 1).map { String($0).trimmingWhitespace().lowercased() }
        guard parts.count == 2 else { throw error("a setup line reads 'key: value', not '\(line)'") }
        switch (parts[0], parts[1]) {
        case ("nodes", "local"): setup.nodes = 0
        case ("nodes", let n): 
            guard let count = Int(n), (1...7).contains(count) else { throw error("nodes is 1 to 7 or local") }
            setup.nodes = count
        case ("clock", "manual"): setup.manualClock = true
        case ("clock", "auto"): setup.manualClock = false
        case ("storage", "memory"): setup.bitcask = false
        case ("storage", "bitcask"): setup.bitcask = true
        default: throw error("unknown setup line '\(line)' (nodes: N|local, clock: auto|manual, storage: memory|bitcask)")
        }
    }

    mutating func finishStep() throws(LessonFormatError) {
        guard let last = steps.indices.last else { return }
        if steps[last].commands.isEmpty { throw error("step '\(steps[last].title)' has no ```sql block") }
        if steps[last].checks.isEmpty { throw error("step '\(steps[last].title)' has no ```check block") }
        steps[last].prose = Self.tidy(steps[last].prose.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }

    /// The lines without leading and trailing blank lines.
    static func tidy(_ lines: [String]) -> String {
        var lines = lines
        while lines.first?.trimmingWhitespace().isEmpty == true { lines.removeFirst() }
        while lines.last?.trimmingWhitespace().isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
