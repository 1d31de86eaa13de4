import Foundation
import Inspect
import Shell
import Testing

/// Golden scripts: whole REPL sessions, input beside the output it must produce.
///
/// Each file in `Tests/Scripts/Shell/` is a story. A line `> text` is typed into the Shell; the
/// lines after it, up to the next `> ` or `#` line, are what the Shell prints in reply (stdout
/// and stderr, in order). `#` lines are comments that introduce the next input. The Shell runs
/// in-process on a fresh memory database, 80 columns, no colours; timings are replaced by
/// `<t>` so the files are stable.
///
/// `UPDATE_GOLDEN=1 swift test --filter GoldenScriptTests` rewrites the files with what the
/// Shell prints now — review the diff before committing it.
@Suite struct GoldenScriptTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Scripts").appendingPathComponent("Shell")

    static var scripts: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".txt") }.sorted()
    }

    @Test func thereAreScripts() {
        #expect(Self.scripts.count >= 5)
    }

    @Test(arguments: scripts)
    func script(_ name: String) throws {
        let url = Self.folder.appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        let blocks = GoldenScript.parse(text)
        let output = CapturedOutput()
        let driver = try ShellDriver(backend: try LocalBackend.open(directory: nil), output: output)
        var actual: [String] = []
        for block in blocks {
            let before = output.text.count
            driver.feed(line: block.input)
            if block.input == blocks.last?.input { driver.finish() }
            actual.append(GoldenScript.normalize(String(output.text.dropFirst(before))))
        }
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try GoldenScript.render(blocks, outputs: actual).write(to: url, atomically: true, encoding: .utf8)
            return
        }
        for (block, got) in zip(blocks, actual) {
            #expect(got == block.expected, "\(name): after > \(block.input)")
        }
    }
}

/// The golden file format: comments, `> input`, expected output.
enum GoldenScript {
    struct Block {
        var comments: [String]
        var input: String
        var expected: String
    }

    static func parse(_ text: String) -> [Block] {
        var blocks: [Block] = []
        var comments: [String] = []
        var output: [String] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        var open = false    // the last block still collects output
        func close() {
            guard open, !blocks.isEmpty else { return }
            blocks[blocks.count - 1].expected = output.isEmpty ? "" : output.joined(separator: "\n") + "\n"
            output = []
            open = false
        }
        for line in lines {
            if line.hasPrefix("> ") || line == ">" {
                close()
                blocks.append(Block(comments: comments, input: String(line.dropFirst(2)), expected: ""))
                comments = []
                open = true
            } else if line.hasPrefix("#") {
                // Outputs never begin a line with '#': this starts the next story.
                close()
                comments.append(line)
            } else {
                output.append(line)
            }
        }
        close()
        return blocks
    }

    static func render(_ blocks: [Block], outputs: [String]) -> String {
        var text = ""
        for (block, output) in zip(blocks, outputs) {
            for comment in block.comments { text += comment + "\n" }
            text += "> " + block.input + "\n" + output
            if !output.isEmpty && !output.hasSuffix("\n") { text += "\n" }
        }
        return text
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
