import Foundation
import Testing

/// Golden scripts: one file format and one runner for every test area (SQL, MVCC, Raft, …).
///
/// A script is a story: commands, each followed by the output it must print. The runner feeds
/// every command to the area's ``ScriptInterpreter``, writes the script back with the fresh
/// output and compares that with the file. The format, line by line:
///
///     # text               a comment, kept as is
///     > command            runs a command
///     c2@n3> command       runs a command with a prefix: letters, digits, `_` and `@` naming a
///                          session (`c2`), node (`n3`), transaction (`t1`) or a mix (`c2@n3`);
///                          the interpreter decides what a prefix means
///     ...> more            continues the command above on a new line (the interpreter gets the
///                          lines joined with "\n")
///     output               the lines after a command, up to a blank line, a comment or the
///                          next command, are what it must print
///
/// An output line that would read as something else (an empty line, `#…`, `…> …`, or a line
/// starting with `\`) is written with a `\` in front. A regenerated file has exactly one blank
/// line after each command's output (none at the end of the file); other blank lines and
/// comments stay where they are, and output lines with no command above them are dropped.
///
/// `UPDATE_GOLDEN=1 swift test` rewrites the files with what the code prints now: review the
/// diff before committing, a regenerated file is only right if its output is.
///
/// A `GoldenScript` is such a file read into commands and the lines around them.
public struct GoldenScript: Sendable, Equatable {
    /// A command line (and its continuation lines) with the output the file expects of it.
    public struct Command: Sendable, Equatable {
        public var prefix: String
        public var command: String
        public var expected: [String]
        /// 1-based line of the command in the file.
        public var line: Int
    }

    /// A comment or blank line, kept as is, or a command.
    public enum Item: Sendable, Equatable {
        case text(String)
        case command(Command)
    }

    public var items: [Item]

    public var commands: [Command] {
        items.compactMap { if case .command(let command) = $0 { command } else { nil } }
    }

    /// Reads a script; never fails: a line that fits nowhere is stale output and is dropped.
    public init(parsing text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        items = []
        var i = 0
        while i < lines.count {
            let line = lines[i]
            guard let (prefix, first) = Self.commandLine(line) else {
                if line.isEmpty || line.hasPrefix("#") { items.append(.text(line)) }
                i += 1
                continue
            }
            var command = Command(prefix: prefix, command: first, expected: [], line: i + 1)
            i += 1
            while i < lines.count, let more = Self.continuation(lines[i]) {
                command.command += "\n" + more
                i += 1
            }
            while i < lines.count, !lines[i].isEmpty, !lines[i].hasPrefix("#"), Self.commandLine(lines[i]) == nil {
                command.expected.append(lines[i].hasPrefix("\\") ? String(lines[i].dropFirst()) : lines[i])
                i += 1
            }
            if i < lines.count, lines[i].isEmpty { i += 1 }   // the separator regeneration writes
            items.append(.command(command))
        }
    }

    /// The script as a file, each command followed by `outputs[k]` (the k-th command's lines).
    public func render(outputs: [[String]]) -> String {
        var out: [String] = []
        var next = outputs.makeIterator()
        for item in items {
            switch item {
            case .text(let line):
                out.append(line)
            case .command(let command):
                let lines = command.command.split(separator: "\n", omittingEmptySubsequences: false)
                out.append("\(command.prefix)> \(lines.first ?? "")")
                out += lines.dropFirst().map { "...> \($0)" }
                out += (next.next() ?? []).map(Self.escaped)
                out.append("")
            }
        }
        while out.last == "" { out.removeLast() }
        return out.joined(separator: "\n") + "\n"
    }

    /// `c2> stmt` → ("c2", "stmt"); nil for a line that is not a command.
    static func commandLine(_ line: String) -> (prefix: String, command: String)? {
        guard let arrow = line.firstIndex(of: ">") else { return nil }
        let prefix = line[..<arrow]
        guard prefix.unicodeScalars.allSatisfy(isPrefixCharacter) else { return nil }
        let rest = line[line.index(after: arrow)...]
        if rest.isEmpty { return (String(prefix), "") }
        guard rest.hasPrefix(" ") else { return nil }
        return (String(prefix), String(rest.dropFirst()))
    }

    private static func continuation(_ line: String) -> String? {
        if line == "...>" { return "" }
        return line.hasPrefix("...> ") ? String(line.dropFirst(5)) : nil
    }

    private static func isPrefixCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "@")
    }

    private static func escaped(_ line: String) -> String {
        let ambiguous = line.isEmpty || line.hasPrefix("#") || line.hasPrefix("\\") || line.hasPrefix("...>")
            || commandLine(line) != nil
        return ambiguous ? "\\" + line : line
    }
}

/// What one test area plugs into the runner: it gives each command of a script a meaning.
/// Errors are output too: an interpreter renders them as lines instead of throwing, so a
/// script can show what fails and how.
public protocol ScriptInterpreter {
    /// Runs one command (`prefix` is "" for `> command`) and returns the lines it prints.
    mutating func run(prefix: String, command: String) -> [String]
}

/// Finds, runs and checks the script files under `Tests/Scripts/<area>`.
public enum GoldenScripts {
    /// `Tests/Scripts`, beside (not inside) the test targets so SwiftPM does not take the
    /// scripts for undeclared resources.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts")

    /// The one switch that turns checking into rewriting: `UPDATE_GOLDEN=1`.
    public static var updating: Bool { ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" }

    /// The `.txt` scripts of an area, searched recursively, as paths relative to the area's
    /// directory (`joins/joins.txt`), sorted: the arguments of a `@Test(arguments:)`.
    public static func files(_ area: String) -> [String] {
        let directory = root.appendingPathComponent(area).path
        let enumerator = FileManager.default.enumerator(atPath: directory)
        var found: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix(".txt") { found.append(path) }
        }
        return found.sorted()
    }

    /// Runs the script `name` of `area` through `interpreter` and records an issue at the first
    /// line that differs; with `UPDATE_GOLDEN=1` writes the fresh output instead. A second run
    /// of the same file (another engine) passes `rewrite: false`: it checks, and under
    /// `UPDATE_GOLDEN=1` stays out of the way of the run that rewrites.
    public static func check(
        _ area: String, _ name: String, with interpreter: some ScriptInterpreter, rewrite: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let url = root.appendingPathComponent(area).appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        let script = GoldenScript(parsing: text)
        if script.commands.isEmpty {
            Issue.record("Tests/Scripts/\(area)/\(name) has no commands", sourceLocation: sourceLocation)
        }
        var interpreter = interpreter
        let outputs = script.commands.map { interpreter.run(prefix: $0.prefix, command: $0.command) }
        let actual = script.render(outputs: outputs)
        if updating {
            if rewrite && actual != text { try actual.write(to: url, atomically: true, encoding: .utf8) }
            return
        }
        if let mismatch = firstDifference(expected: text, actual: actual) {
            Issue.record("""
                Tests/Scripts/\(area)/\(name):\(mismatch.line) differs
                  expected: \(mismatch.expected)
                  actual:   \(mismatch.actual)
                (UPDATE_GOLDEN=1 rewrites the file; review the diff)
                """, sourceLocation: sourceLocation)
        }
    }

    /// The first differing line of two texts (1-based), `<end>` standing for a missing line.
    public static func firstDifference(expected: String, actual: String) -> (line: Int, expected: String, actual: String)? {
        guard expected != actual else { return nil }
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let index = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(expectedLines.count, actualLines.count)
        func line(_ lines: [Substring]) -> String { index < lines.count ? String(lines[index]) : "<end>" }
        return (index + 1, line(expectedLines), line(actualLines))
    }
}

/// A failure inside a script command (bad arguments, unknown command), shown as output.
public struct ScriptError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
