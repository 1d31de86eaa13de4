import Foundation
import Inspect
import ScriptTesting
import Shell
import Testing

/// Golden scripts: whole REPL sessions, input beside the output it must produce.
///
/// Each file in `Tests/Scripts/Shell/` is a story: a line `> text` is typed into the Shell and
/// the lines under it are what the Shell prints in reply (stdout and stderr, in order). The
/// Shell runs in-process on a fresh memory database, 80 columns, no colours; timings are
/// replaced by `<t>` so the files are stable.
@Suite struct GoldenScriptTests {
    static let area = "Shell"

    @Test func thereAreScripts() {
        #expect(GoldenScripts.files(Self.area).count >= 5)
    }

    @Test(arguments: GoldenScripts.files(area))
    func script(_ name: String) throws {
        try GoldenScripts.check(Self.area, name, with: ShellScriptInterpreter())
    }
}

/// Types each command into one Shell, as a user would type the line. A prefix names the
/// session that types it (`alice> BEGIN`), as `.session alice` would, without printing it;
/// the session stays current for the lines after it.
final class ShellScriptInterpreter: ScriptInterpreter {
    private let output = CapturedOutput()
    private let driver: ShellDriver

    init(backend: any ShellBackend) throws {
        driver = try ShellDriver(backend: backend, output: output)
    }

    convenience init() throws {
        try self.init(backend: try LocalBackend.open(directory: nil))
    }

    func run(prefix: String, command: String) -> [String] {
        if !prefix.isEmpty {
            do { try driver.switchSession(to: prefix) } catch { return ["cannot switch to session \(prefix): \(error)"] }
        }
        let before = output.text.count
        driver.feed(line: command)
        var lines = Self.normalize(String(output.text.dropFirst(before)))
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Replaces what differs run to run (times in ms) with `<t>`.
    static func normalize(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let range = rest.range(of: " ms") {
            var start = range.lowerBound
            while start > rest.startIndex {
                let previous = rest.index(before: start)
                guard rest[previous].isNumber || rest[previous] == "." else { break }
                start = previous
            }
            out += rest[..<start]
            out += start == range.lowerBound ? " ms" : "<t> ms"
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
