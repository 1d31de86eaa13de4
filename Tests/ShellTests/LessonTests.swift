import Foundation
import Shell
import Testing

/// Takes every lesson in `lessons/` as a learner would: starts it in the REPL, types each
/// step's own commands, and expects exactly the failures the lesson marks (`-- fails`) and a
/// passing check at every step. A change anywhere in Cutaway that breaks a lesson fails here.
@Suite struct LessonTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("lessons")
    static let library = LessonLibrary(directory: folder.path)

    static var numbers: [Int] { Array(1...max(1, library.files.count)) }

    /// A shell whose progress file lives in a fresh temporary directory.
    static func makeShell(progress: String? = nil) throws -> (ShellDriver, CapturedOutput, String) {
        let path = progress ?? NSTemporaryDirectory() + "cutaway-progress-\(UInt64.random(in: 0...UInt64.max))"
        let output = CapturedOutput()
        let shell = try ShellDriver(backend: try LocalBackend.open(directory: nil), output: output)
        shell.lessons = LessonRunner(library: library, progressPath: path)
        return (shell, output, path)
    }

    /// Types the rest of lesson `number` step by step (from wherever the runner stands, after
    /// `.lesson N`), checking every step; stops early after `stopAfter` steps.
    static func walk(_ number: Int, in shell: ShellDriver, output: CapturedOutput, stopAfter: Int = .max) {
        let runner = shell.lessons
        var walked = 0
        while let active = runner.active, active.number == number, let step = runner.currentStep, walked < stopAfter {
            let place = "lesson \(number) (\(active.lesson.id)) step \(runner.stepIndex + 1) '\(step.title)'"
            let mark = output.text.endIndex
            let failuresBefore = shell.failedStatements + shell.failedCommands
            for line in runner.currentCommands { shell.feed(line: line) }
            let failures = shell.failedStatements + shell.failedCommands - failuresBefore
            #expect(!shell.isPending, "\(place): a statement was left unfinished")
            #expect(failures == step.expectedFailures,
                    "\(place): \(failures) failures, the lesson marks \(step.expectedFailures):\n\(output.text[mark...])")
            let results = runner.evaluate(step.checks, in: shell)
            let failing = results.filter { !$0.passed }.map { "\($0.check.expectation) — found \($0.found)" }
            #expect(failing.isEmpty, "\(place): checks failed: \(failing)\n\(output.text[mark...])")
            shell.feed(line: ".check")
            guard runner.stepPassed else { return }
            walked += 1
            shell.feed(line: ".next")
        }
    }

    @Test(arguments: numbers)
    func everyStepOfTheLessonPasses(_ number: Int) throws {
        let (shell, output, path) = try Self.makeShell()
        defer {
            try? FileManager.default.removeItem(atPath: path)
            shell.lessons.removeTemporaryFiles()
        }
        shell.feed(line: ".lesson \(number)")
        let lesson = try #require(shell.lessons.active?.lesson, "lesson \(number) did not start:\n\(output.text)")
        Self.walk(number, in: shell, output: output)
        #expect(shell.lessons.active == nil, "lesson \(number) did not finish:\n\(output.text.suffix(3000))")
        #expect(shell.lessons.progress.entry(lesson.id)?.step == lesson.steps.count + 1)
        #expect(output.text.contains("Lesson \(number) done"))
        // LESSON_TRANSCRIPTS=DIR keeps what a learner would see, for authors to read.
        if let folder = ProcessInfo.processInfo.environment["LESSON_TRANSCRIPTS"] {
            try output.text.write(toFile: folder + "/\(lesson.id).txt", atomically: true, encoding: .utf8)
        }
    }

    /// A learner taking the whole course in one sitting: each lesson starts on its own fresh
    /// database whatever the one before left behind.
    @Test func allLessonsOneAfterAnotherInOneSession() throws {
        let (shell, output, path) = try Self.makeShell()
        defer {
            try? FileManager.default.removeItem(atPath: path)
            shell.lessons.removeTemporaryFiles()
        }
        for number in Self.numbers {
            shell.feed(line: ".lesson \(number)")
            #expect(shell.lessons.active?.number == number, "lesson \(number) did not start:\n\(output.text.suffix(2000))")
            Self.walk(number, in: shell, output: output)
            #expect(shell.lessons.active == nil, "lesson \(number) did not finish")
        }
        shell.feed(line: ".lessons")
        #expect(output.text.components(separatedBy: "✓ done").count - 1 == Self.numbers.count)
    }

    /// Stopping halfway and coming back in a new REPL resumes at the same step, on a database
    /// rebuilt by replaying the earlier steps, and the rest of the lesson still passes.
    @Test(arguments: [5, 8, 9])
    func aLessonResumesWhereTheLearnerLeft(_ number: Int) throws {
        let (first, firstOutput, path) = try Self.makeShell()
        defer { try? FileManager.default.removeItem(atPath: path) }
        defer { first.lessons.removeTemporaryFiles() }
        first.feed(line: ".lesson \(number)")
        Self.walk(number, in: first, output: firstOutput, stopAfter: 3)
        #expect(first.lessons.stepIndex == 3)

        let (second, output, _) = try Self.makeShell(progress: path)
        defer { second.lessons.removeTemporaryFiles() }
        second.feed(line: ".lesson \(number)")
        #expect(second.lessons.stepIndex == 3, "\(output.text)")
        #expect(output.text.contains("You were on step 4"))
        Self.walk(number, in: second, output: output)
        #expect(second.lessons.active == nil, "lesson \(number) did not finish after resuming:\n\(output.text.suffix(3000))")
    }

    @Test func aDamagedProgressFileIsReportedAndReset() throws {
        let path = NSTemporaryDirectory() + "cutaway-progress-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "01-first-steps three 1,2\n".write(toFile: path, atomically: true, encoding: .utf8)
        let (shell, output, _) = try Self.makeShell(progress: path)
        shell.feed(line: ".lessons")
        #expect(output.text.contains("is damaged (line 1"))
        #expect(shell.failedCommands == 0)
        shell.feed(line: ".lesson 1")
        #expect(shell.lessons.stepIndex == 0)
        let saved = try String(contentsOfFile: path, encoding: .utf8)
        #expect(saved.contains("01-first-steps 1 -"))
    }

    @Test func aFailingCheckSaysWhatItLookedForAndFound() throws {
        let (shell, output, path) = try Self.makeShell()
        defer { try? FileManager.default.removeItem(atPath: path) }
        shell.feed(line: ".lesson 1")
        shell.feed(line: ".check")
        #expect(output.text.contains("✗ a table planets"))
        #expect(output.text.contains("found: no tables"))
        shell.feed(line: ".next")
        #expect(output.text.contains("step 1 has not passed yet"))
        shell.feed(line: ".hint")
        #expect(output.text.contains("Hint: "))
        shell.feed(line: "CREATE TABLE planets (id INT PRIMARY KEY);")
        #expect(output.text.contains("✓ Step 1 passed."))
        #expect(shell.lessons.stepPassed)
    }

    @Test func lessonFormatErrorsNameTheFileAndLine() {
        do {
            _ = try Lesson.parse("# X\n\n## Step\n```sql\nSELECT 1;\n```\n```check\nrows many\n```\n", id: "x")
            Issue.record("a check that does not parse was accepted")
        } catch {
            #expect(error.description == "x.md:8: check 'rows many': 'many' is not a count")
        }
        #expect(throws: LessonFormatError.self) { try Lesson.parse("no title\n## Step\n", id: "x") }
    }

    @Test func readRunsAFileOfStatementsAndCommands() throws {
        let path = NSTemporaryDirectory() + "cutaway-read-\(UInt64.random(in: 0...UInt64.max)).sql"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "CREATE TABLE t (id INT PRIMARY KEY);\nINSERT INTO t VALUES (1),\n(2);\n.tables\nSELECT count(*) FROM t"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let output = CapturedOutput()
        let shell = try ShellDriver(backend: try LocalBackend.open(directory: nil), output: output)
        shell.feed(line: ".read \(path)")
        #expect(output.text.contains("INSERT 2"))
        #expect(output.text.contains("2\n(1 row)"))
        #expect(shell.failedStatements == 0 && shell.failedCommands == 0)
        shell.feed(line: ".read /no/such/file.sql")
        #expect(output.text.contains("cannot read '/no/such/file.sql': no such file"))
    }
}
