/// The course's commands: `.lessons`, `.lesson N|NAME|reset`, `.next`, `.back`, `.skip`,
/// `.hint` and `.check`. The lesson model and its runner live in `Lessons/`.
extension ShellDriver {
    /// The course, loaded fresh (so an edited lesson file shows at once), after any notice
    /// about the progress file.
    func loadLessons() throws(ShellError) -> [Lesson] {
        if let notice = lessons.progressNotice {
            reportError("note: " + notice)
            lessons.progressNotice = nil
        }
        return try lessons.library.load()
    }

    /// The active lesson's runner, or the error a step command gives without one.
    func activeLesson(_ command: String) throws(ShellError) -> LessonRunner {
        guard lessons.active != nil, lessons.currentStep != nil else {
            throw ShellError(".\(command) works inside a lesson: .lessons lists them, .lesson 1 starts the first")
        }
        return lessons
    }
}

/// `.lessons`: the course, with the learner's progress.
struct LessonsCommand: DotCommand {
    let name = "lessons"
    let arguments = ""
    let summary = "list the lessons and how far you got"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        guard arguments.words.isEmpty else { throw usageError("takes no arguments") }
        let course = try shell.loadLessons()
        var text = "The course (.lesson N starts or resumes one):\n"
        for (index, lesson) in course.enumerated() {
            let state: String
            switch shell.lessons.progress.entry(lesson.id) {
            case nil: state = ""
            case let entry? where entry.step > lesson.steps.count: state = "✓ done"
            case let entry?: state = "step \(entry.step) of \(lesson.steps.count)"
            }
            let number = index + 1 < 10 ? " \(index + 1)" : "\(index + 1)"
            let title = lesson.title.count > 56 ? String(lesson.title.prefix(55)) + "…" : lesson.title
            let padding = state.isEmpty ? "" : String(repeating: " ", count: max(1, 58 - title.count))
            text += " \(number). " + title + padding + state + "\n"
        }
        shell.show(text)
    }
}

/// `.lesson N|NAME` starts or resumes a lesson; `.lesson reset [all]` starts over.
struct LessonCommand: DotCommand {
    let name = "lesson"
    let arguments = "N|NAME|reset [all]"
    let summary = "start or resume a lesson; reset: anew"
    let help = """
        .lesson 3          starts lesson 3 on a fresh database it sets up (or resumes
                           it where you left off, replaying the steps you had done)
        .lesson storage    the lesson whose file name contains 'storage'
        .lesson reset      starts the current lesson over (with none, forgets all
                           progress)
        .lesson reset all  forgets your progress in every lesson
        Your progress is kept in ~/.cutaway_lessons
        (or $CUTAWAY_HOME/.cutaway_lessons).
        """

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        guard let first = arguments.words.first, arguments.words.count <= 2 else {
            throw usageError("expected a lesson number or name, or reset")
        }
        let course = try shell.loadLessons()
        let runner = shell.lessons
        if first.lowercased() == "reset" {
            guard arguments.words.count == 1 || arguments.words[1].lowercased() == "all" else {
                throw usageError("expected .lesson reset or .lesson reset all")
            }
            if arguments.words.count == 1, let active = runner.active {
                runner.resetProgress(active.lesson.id)
                try runner.start(active.lesson, number: active.number, in: shell)
            } else {
                runner.resetProgress(nil)
                runner.finish()
                shell.show("Forgot your progress in every lesson.\n")
            }
            return
        }
        guard arguments.words.count == 1 else { throw usageError("expected one lesson number or name") }
        let index: Int
        if let number = Int(first) {
            guard (1...course.count).contains(number) else { throw ShellError("there are lessons 1 to \(course.count), not \(number)") }
            index = number - 1
        } else if let found = course.firstIndex(where: { $0.id.lowercased().contains(first.lowercased()) }) {
            index = found
        } else {
            throw ShellError("no lesson called '\(first)' (.lessons lists them)")
        }
        if let active = runner.active, active.number == index + 1 {
            shell.show(runner.render(in: shell))
            return
        }
        try runner.start(course[index], number: index + 1, in: shell)
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] {
        words.isEmpty ? ["reset"] + shell.lessons.library.files.map { String($0.dropLast(3)) } : []
    }
}

/// A command that acts on the current lesson step and takes no arguments.
protocol LessonStepCommand: DotCommand {
    func run(_ runner: LessonRunner, in shell: ShellDriver) throws(ShellError)
}

extension LessonStepCommand {
    var arguments: String { "" }

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        guard arguments.words.isEmpty else { throw usageError("takes no arguments") }
        try run(try shell.activeLesson(name), in: shell)
    }
}

/// `.check`: runs the step's checks now and says, for each, what it looked for and found.
struct CheckCommand: LessonStepCommand {
    let name = "check"
    let summary = "check the current lesson step"

    func run(_ runner: LessonRunner, in shell: ShellDriver) throws(ShellError) {
        guard let step = runner.currentStep else { return }
        let results = runner.evaluate(step.checks, in: shell)
        if results.allSatisfy(\.passed) {
            runner.pass(in: shell)
            return
        }
        var text = "Not yet. This step looks for:\n"
        for result in results {
            if case .capture = result.check, result.passed { continue }
            text += result.passed ? shell.style.green("  ✓ ") + result.check.expectation + "\n"
                                  : shell.style.red("  ✗ ") + result.check.expectation + "\n      found: " + result.found + "\n"
        }
        shell.show(text + shell.style.dim("(.hint helps; the step's commands are shown again with .lesson \(runner.active?.number ?? 1))") + "\n")
    }
}

/// `.hint`: the current step's hint.
struct HintCommand: LessonStepCommand {
    let name = "hint"
    let summary = "a hint for the current lesson step"

    func run(_ runner: LessonRunner, in shell: ShellDriver) throws(ShellError) {
        guard let step = runner.currentStep else { return }
        let hint = step.hint.isEmpty ? "This step has no hint: type its commands as shown." : runner.substitute(step.hint)
        shell.show(wrapParagraph("Hint: " + hint, width: runner.proseWidth(shell)) + "\n")
    }
}

/// `.next`: the next step, once this one's check has passed.
struct NextCommand: LessonStepCommand {
    let name = "next"
    let summary = "the next step, once this one passed"

    func run(_ runner: LessonRunner, in shell: ShellDriver) throws(ShellError) {
        guard runner.stepPassed else {
            throw ShellError("step \(runner.stepIndex + 1) has not passed yet: .check says why, .skip moves on anyway")
        }
        advance(runner, in: shell)
    }
}

/// `.skip`: the next step, without passing this one.
struct SkipCommand: LessonStepCommand {
    let name = "skip"
    let summary = "the next step without passing this one"

    func run(_ runner: LessonRunner, in shell: ShellDriver) throws(ShellError) {
        if !runner.stepPassed {
            let note = "Skipped step \(runner.stepIndex + 1) without running its commands; if a later step needs "
                + "what it made, .back shows it again."
            shell.show(shell.style.dim(wrapParagraph(note, width: runner.proseWidth(shell))) + "\n")
        }
        advance(runner, in: shell)
    }
}

/// `.back`: the previous step again (the database stays as it is).
struct BackCommand: LessonStepCommand {
    let name = "back"
    let summary = "show the previous lesson step again"

    func run(_ runner: LessonRunner, in shell: ShellDriver) throws(ShellError) {
        guard runner.stepIndex > 0 else { throw ShellError("this is the first step") }
        runner.move(to: runner.stepIndex - 1, in: shell)
    }
}

/// Moves to the next step, or finishes the lesson after its last.
private func advance(_ runner: LessonRunner, in shell: ShellDriver) {
    guard let active = runner.active else { return }
    if runner.stepIndex + 1 < active.lesson.steps.count {
        runner.move(to: runner.stepIndex + 1, in: shell)
    } else {
        runner.complete(in: shell)
    }
}
