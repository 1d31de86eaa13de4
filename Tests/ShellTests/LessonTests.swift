import Foundation
import Shell
import Testing

/// Replays every lesson in `lessons/` through the Shell, as `cutaway < lessons/FILE` would, so
/// a change anywhere in Cutaway that breaks a lesson fails here.
@Suite struct LessonTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("lessons")

    static var lessons: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".sql") }.sorted()
    }

    /// The mistakes each lesson makes on purpose (a typo to show the caret, a conflict to show a
    /// serialization failure). A lesson that adds or removes one updates this table.
    static let deliberateFailures = [
        "01-first-queries.sql": 2,
        "02-query-plans.sql": 1,
        "03-transactions-and-mvcc.sql": 1,
        "04-storage.sql": 0,
    ]

    @Test(arguments: lessons)
    func lessonReplaysWithOnlyItsDeliberateMistakes(_ name: String) throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent(name), encoding: .utf8)
        let output = CapturedOutput()
        let shell = try ShellDriver(backend: try LocalBackend.open(directory: nil), output: output)
        shell.feed(text: text)
        shell.finish()
        #expect(shell.failedCommands == 0, "a dot-command failed in \(name):\n\(output.text)")
        #expect(shell.failedStatements == Self.deliberateFailures[name] ?? 0,
                "\(name): unexpected number of failed statements (update deliberateFailures if intended):\n\(output.text)")
        #expect(!output.text.isEmpty)
    }
}
