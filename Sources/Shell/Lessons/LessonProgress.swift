import Foundation

/// How far a learner got in each lesson, kept in `~/.cutaway_lessons` (or under
/// `CUTAWAY_HOME`) so it survives restarts. One line per lesson started:
///
///     01-first-steps 3 1,2
///
/// the lesson's id, the step the learner is on (1-based), and the steps whose check passed
/// (`-` for none). A file that does not read that way is reported and started afresh: losing
/// a bookmark must never stop anyone from learning.
public struct LessonProgress: Sendable, Hashable {
    /// Where one lesson stands.
    public struct Entry: Sendable, Hashable {
        /// The step the learner is on, 1-based.
        public var step: Int
        public var passed: Set<Int>
    }

    public var path: String?
    public private(set) var entries: [String: Entry] = [:]

    /// The progress file's place: `$CUTAWAY_HOME/.cutaway_lessons`, else `$HOME/.cutaway_lessons`.
    public static var defaultPath: String? {
        let environment = ProcessInfo.processInfo.environment
        guard let home = environment["CUTAWAY_HOME"] ?? environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.cutaway_lessons"
    }

    /// Reads the progress at `path` (none yet is empty progress).
    /// - Returns: the progress, and a notice when the file was unreadable and has been reset.
    public static func load(path: String?) -> (LessonProgress, notice: String?) {
        var progress = LessonProgress(path: path)
        guard let path, FileManager.default.fileExists(atPath: path) else { return (progress, nil) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            progress.save()
            return (progress, "could not read your lesson progress in \(path); it has been reset")
        }
        for (number, line) in text.split(separator: "\n").enumerated() where !line.hasPrefix("#") {
            let fields = line.split(separator: " ")
            let passed = fields.count == 3 ? (fields[2] == "-" ? [] : fields[2].split(separator: ",").map { Int($0) }) : []
            guard fields.count == 3, let step = Int(fields[1]), step >= 1, passed.allSatisfy({ $0 != nil }) else {
                progress.entries = [:]
                progress.save()
                return (progress, "your lesson progress in \(path) is damaged (line \(number + 1): '\(line)'); it has been reset")
            }
            progress.entries[String(fields[0])] = Entry(step: step, passed: Set(passed.compactMap { $0 }))
        }
        return (progress, nil)
    }

    init(path: String?) { self.path = path }

    public func entry(_ lesson: String) -> Entry? { entries[lesson] }

    /// Records that the learner is on `step` of `lesson` (and, if given, passed `passed`).
    public mutating func record(_ lesson: String, step: Int, passed: Int? = nil) {
        var entry = entries[lesson] ?? Entry(step: step, passed: [])
        entry.step = step
        if let passed { entry.passed.insert(passed) }
        entries[lesson] = entry
        save()
    }

    /// Forgets one lesson, or every lesson when `lesson` is nil.
    public mutating func reset(_ lesson: String?) {
        if let lesson { entries[lesson] = nil } else { entries = [:] }
        save()
    }

    /// Writes the file; a home that cannot be written only costs the bookmark.
    func save() {
        guard let path else { return }
        var text = "# Cutaway lesson progress: lesson, the step you are on, the steps you passed\n"
        for (id, entry) in entries.sorted(by: { $0.key < $1.key }) {
            let passed = entry.passed.isEmpty ? "-" : entry.passed.sorted().map(String.init).joined(separator: ",")
            text += "\(id) \(entry.step) \(passed)\n"
        }
        try? text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
