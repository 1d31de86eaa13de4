import Cluster
import Foundation
import SQL

/// Walks a learner through one lesson at a time inside the live REPL: sets up the lesson's
/// database, shows each step, watches what the learner types, checks the step (after each
/// statement, and on `.check`), and keeps the progress file up to date.
public final class LessonRunner {
    public var library: LessonLibrary
    public private(set) var progress: LessonProgress
    /// A notice about the progress file (damaged and reset) not yet shown.
    var progressNotice: String?

    /// The lesson being taken and its number in the course (1-based).
    public private(set) var active: (lesson: Lesson, number: Int)?
    /// The step shown now, 0-based.
    public private(set) var stepIndex = 0
    /// Whether the current step's check has passed.
    public private(set) var stepPassed = false
    /// What the lesson remembered, by name (`{v}` in commands).
    public internal(set) var captures: [String: String] = [:]
    /// What happened since the current step began, for its checks.
    var stepState = StepState()
    /// Set while earlier steps are replayed silently to resume a lesson.
    var replaying = false
    /// The directory holding the current lesson's BitCask files: removed when the next lesson
    /// starts or the REPL ends (`--data DIR` is how to keep a database).
    private var temporaryDirectory: String?

    /// What a step's checks look at besides the database.
    struct StepState {
        /// The outcome of the last statement typed in this step.
        var lastStatement: Result<StatementResult, SQLError>?
        /// The rows of the last query of this step (a COMMIT after it does not hide them).
        var lastQuery: [[Value]]?
        /// The errors of this step's statements.
        var errors: [SQLError] = []
        /// The dot-commands run (by name) in this step.
        var ran: Set<String> = []
        /// The leader and term when the step began.
        var leaderAtStart: (id: UInt8, term: UInt64)?
    }

    /// The dot-commands that drive the lesson itself: no check runs after them.
    static let lessonCommands: Set<String> = ["lessons", "lesson", "next", "back", "skip", "hint", "check"]

    public init(library: LessonLibrary, progressPath: String?) {
        self.library = library
        (progress, progressNotice) = LessonProgress.load(path: progressPath)
    }

    /// The current step, if a lesson is active.
    public var currentStep: LessonStep? {
        guard let active, active.lesson.steps.indices.contains(stepIndex) else { return nil }
        return active.lesson.steps[stepIndex]
    }

    /// `text` with every `{name}` replaced by its capture (unknown names stay as they are).
    public func substitute(_ text: String) -> String {
        var result = text
        for (name, value) in captures { result = result.replacingOccurrences(of: "{\(name)}", with: value) }
        return result
    }

    /// The current step's lines to type, with captures filled in.
    public var currentCommands: [String] { currentStep?.commands.map(substitute) ?? [] }

    // MARK: Watching the learner

    /// After each statement: remember its outcome and check the step.
    func statementFinished(_ outcome: Result<StatementResult, SQLError>, in shell: ShellDriver) {
        guard active != nil else { return }
        stepState.lastStatement = outcome
        switch outcome {
        case let .success(.query(_, rows)): stepState.lastQuery = rows
        case let .failure(error): stepState.errors.append(error)
        case .success: break
        }
        checkQuietly(in: shell)
    }

    /// After each dot-command that succeeded.
    func commandFinished(_ name: String, in shell: ShellDriver) {
        guard active != nil, !Self.lessonCommands.contains(name) else { return }
        stepState.ran.insert(name)
        checkQuietly(in: shell)
    }

    /// Runs the step's checks if they have not passed yet; announces a pass, says nothing else.
    private func checkQuietly(in shell: ShellDriver) {
        guard !stepPassed, !replaying, let step = currentStep else { return }
        if evaluate(step.checks, in: shell).allSatisfy(\.passed) { pass(in: shell) }
    }

    // MARK: Steps

    /// Starts step `index` of the active lesson: fresh step state and the captures taken at start.
    func begin(step index: Int, in shell: ShellDriver) {
        stepIndex = index
        stepPassed = false
        stepState = StepState()
        if let cluster = shell.backend.cluster, let leader = cluster.leader { stepState.leaderAtStart = (leader.id, leader.term) }
        guard let step = currentStep else { return }
        for check in step.checks {
            if case let .capture(name, fact, true) = check, let value = capture(fact, in: shell) { captures[name] = value }
        }
    }

    /// Marks the current step passed: says so, explains why, saves the progress.
    func pass(in shell: ShellDriver) {
        guard let active, let step = currentStep else { return }
        stepPassed = true
        progress.record(active.lesson.id, step: stepIndex + 1, passed: stepIndex + 1)
        guard !replaying else { return }
        var text = shell.style.green("✓ Step \(stepIndex + 1) passed.") + "\n"
        if !step.why.isEmpty { text += wrapParagraph(substitute(step.why), width: proseWidth(shell)) + "\n" }
        let last = stepIndex + 1 == active.lesson.steps.count
        text += shell.style.dim(last ? "That was the last step: .next finishes the lesson." : "Type .next for step \(stepIndex + 2).") + "\n"
        shell.show(text)
    }

    /// The step as the learner sees it: title, prose with the commands in place, what to do.
    func render(in shell: ShellDriver) -> String {
        guard let active, let step = currentStep else { return "" }
        let header = "── Lesson \(active.number) · step \(stepIndex + 1) of \(active.lesson.steps.count): \(step.title) "
        var text = "\n" + shell.style.bold(header + String(repeating: "─", count: max(3, 78 - header.count))) + "\n"
        var paragraph: [String] = []
        for line in step.prose.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("{sql "), let n = Int(line.dropFirst(5).dropLast()), step.commandBlocks.indices.contains(n) {
                text += reflow(paragraph, in: shell)
                paragraph = []
                for command in step.commandBlocks[n] { text += "  " + shell.style.bold(substitute(command)) + "\n" }
            } else {
                paragraph.append(substitute(String(line)))
            }
        }
        text += reflow(paragraph, in: shell)
        text += shell.style.dim("(.check checks this step, .hint helps, .skip moves on without it)") + "\n"
        return text
    }

    /// The checks' results: each with what it looked for and, when it failed, what it found.
    public func evaluate(_ checks: [LessonCheck], in shell: ShellDriver) -> [(check: LessonCheck, passed: Bool, found: String)] {
        checks.map { check in
            let (passed, found) = evaluate(check, in: shell)
            return (check, passed, found)
        }
    }

    /// Starts `lesson` (number `number`) on a fresh database; resumes at the saved step by
    /// replaying the earlier steps' commands on it without showing them.
    func start(_ lesson: Lesson, number: Int, in shell: ShellDriver) throws(ShellError) {
        let (backend, directory) = try lesson.setup.makeBackend()
        do {
            try shell.replaceBackend(backend)
        } catch {
            if let directory { try? FileManager.default.removeItem(atPath: directory) }
            throw ShellError("cannot start lesson \(number): \(error.description)")
        }
        removeTemporaryFiles()
        temporaryDirectory = directory
        active = (lesson, number)
        captures = [:]
        var text = shell.style.bold("Lesson \(number): \(lesson.title)") + "\n"
        text += wrapParagraph("This lesson runs on \(lesson.setup.description): I have set it up for you.",
                              width: proseWidth(shell)) + "\n"
        if lesson.setup.bitcask { text += backend.summary + "\n" }
        let saved = progress.entry(lesson.id)
        let resumeAt = saved.map { $0.step <= lesson.steps.count ? $0.step - 1 : 0 } ?? 0
        if resumeAt > 0 {
            replay(steps: resumeAt, in: shell)
            text += "You were on step \(resumeAt + 1): I replayed steps 1–\(resumeAt)'s commands on it. "
            text += "(.lesson reset starts this lesson over.)\n"
        } else if let saved, saved.step > lesson.steps.count {
            text += "You finished this lesson before; here it is again from the start.\n"
        }
        if resumeAt == 0 && !lesson.introduction.isEmpty {
            let introduction = lesson.introduction.split(separator: "\n", omittingEmptySubsequences: false)
            text += "\n" + reflow(introduction.map { substitute(String($0)) }, in: shell)
        }
        begin(step: resumeAt, in: shell)
        progress.record(lesson.id, step: resumeAt + 1)
        shell.show(text + render(in: shell))
    }

    /// Runs the commands of the first `count` steps with the output thrown away, checking each
    /// step so its captures are taken, as if the learner had typed them.
    private func replay(steps count: Int, in shell: ShellDriver) {
        replaying = true
        defer { replaying = false }
        shell.withOutputMuted {
            for index in 0..<count {
                begin(step: index, in: shell)
                for line in currentCommands { shell.feed(line: line) }
                _ = evaluate(currentStep?.checks ?? [], in: shell)
            }
        }
    }

    /// Leaves the lesson (`.lesson reset` with none active, or the last `.next`).
    func finish() {
        active = nil
        stepIndex = 0
        stepPassed = false
    }

    /// Removes the BitCask files a lesson made (its cluster must be stopped or replaced).
    public func removeTemporaryFiles() {
        if let temporaryDirectory { try? FileManager.default.removeItem(atPath: temporaryDirectory) }
        temporaryDirectory = nil
    }

    /// Forgets the progress of one lesson or of all.
    func resetProgress(_ lesson: String?) { progress.reset(lesson) }

    /// Moves to `index` (a `.next`, `.back` or `.skip`), saving where the learner is.
    func move(to index: Int, in shell: ShellDriver) {
        guard let active else { return }
        begin(step: index, in: shell)
        progress.record(active.lesson.id, step: index + 1)
        shell.show(render(in: shell))
    }

    /// Marks the active lesson finished (its step count + 1 in the progress file).
    func complete(in shell: ShellDriver) {
        guard let active else { return }
        progress.record(active.lesson.id, step: active.lesson.steps.count + 1)
        let last = active.number == library.files.count
        shell.show(shell.style.green("🎓 Lesson \(active.number) done: \(active.lesson.title).") + "\n"
                   + (last ? "That was the last lesson: .lessons shows the whole course.\n"
                           : ".lessons lists the course; .lesson \(active.number + 1) starts the next one.\n"))
        finish()
    }
}

extension LessonRunner {
    /// The width prose is wrapped to: the terminal's, at most 80 columns.
    func proseWidth(_ shell: ShellDriver) -> Int { min(shell.width, 80) - 1 }

    /// Markdown lines as the terminal shows them: each paragraph rewrapped to the width;
    /// code blocks, lists, tables and indented lines as written.
    func reflow(_ lines: [String], in shell: ShellDriver) -> String {
        var text = ""
        var paragraph: [String] = []
        var inCode = false
        func flush() {
            if !paragraph.isEmpty { text += wrapParagraph(paragraph.joined(separator: " "), width: proseWidth(shell)) + "\n" }
            paragraph = []
        }
        for line in lines {
            if line.hasPrefix("```") { inCode.toggle() }
            let verbatim = inCode || line.hasPrefix("```") || line.hasPrefix("    ") || line.hasPrefix("- ")
                || line.hasPrefix("* ") || line.hasPrefix("|") || line.hasPrefix(">")
            if line.trimmingWhitespace().isEmpty || verbatim {
                flush()
                text += line + "\n"
            } else {
                paragraph.append(line.trimmingWhitespace())
            }
        }
        flush()
        return text
    }
}

/// Wraps a paragraph at `width` columns (hints and explanations are kept as one line).
func wrapParagraph(_ text: String, width: Int = 79) -> String {
    var lines: [String] = []
    for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
        var line = ""
        for word in paragraph.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        lines.append(line)
    }
    return lines.joined(separator: "\n")
}
