import Foundation

/// Where the lessons are and how to read them.
///
/// The Markdown files in `lessons/` are the one source of the course: the REPL reads them at
/// run time rather than carrying a generated copy. It looks in `CUTAWAY_LESSONS` if set, then
/// beside the executable's checkout (`.build/debug/cutaway` → `../../lessons`, so `make run`
/// works from any directory), then in `./lessons`.
public struct LessonLibrary: Sendable {
    /// The folder holding `NN-name.md` files, if one was found.
    public var directory: String?

    public init(directory: String?) { self.directory = directory }

    /// The library the command line uses, found as described above.
    public static func find() -> LessonLibrary {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["CUTAWAY_LESSONS"], !path.isEmpty { return LessonLibrary(directory: path) }
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            var folder = executable.deletingLastPathComponent()
            for _ in 0..<5 {
                candidates.append(folder.appendingPathComponent("lessons"))
                folder = folder.deletingLastPathComponent()
            }
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("lessons"))
        let found = candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("README.md").path) }
        return LessonLibrary(directory: found?.path)
    }

    /// The lesson files' names, sorted (`01-first-steps.md`, …).
    public var files: [String] {
        guard let directory else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".md") && $0 != "README.md" }.sorted()
    }

    /// Every lesson, parsed, in course order; a file that does not parse is an error naming it.
    public func load() throws(ShellError) -> [Lesson] {
        guard let directory else {
            throw ShellError("cannot find the lessons folder; set CUTAWAY_LESSONS to the lessons/ directory of a Cutaway checkout")
        }
        var lessons: [Lesson] = []
        for file in files {
            let path = directory + "/" + file
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ShellError("cannot read the lesson \(path)")
            }
            do {
                lessons.append(try Lesson.parse(text, id: String(file.dropLast(3))))
            } catch {
                throw ShellError("the lesson \(error.description) (see lessons/README.md for the format)")
            }
        }
        guard !lessons.isEmpty else { throw ShellError("there are no lessons in \(directory)") }
        return lessons
    }
}
