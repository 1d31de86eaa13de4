import Foundation
import SQL
import Testing

/// Golden scenario tests: each file under `Tests/Scripts/SQL/<area>/` is a story of SQL statements and the
/// output they must print. Run with `UPDATE_GOLDEN=1` to rewrite the files from the actual
/// output — then read the diff: a regenerated file is only right if its output is.
///
/// Format: `> statement` runs a statement in the default session, `c2> statement` in session
/// `c2` (created on first use, all sessions share one database); `> .steps statement` prints
/// the plan after every optimizer pass. Lines starting with `#` are comments; the lines after a
/// command, up to a blank line, are its expected output.
struct GoldenScriptTests {
    static let scriptsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts/SQL")

    static func scripts() -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: scriptsDirectory.path)
        var found: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix(".txt") { found.append(path) }
        }
        return found.sorted()
    }

    @Test(arguments: scripts())
    func script(_ name: String) throws {
        let url = Self.scriptsDirectory.appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        let actual = try SQLScriptRunner.run(text)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        if actual != text {
            let expectedLines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }
            let line = first?.offset ?? min(expectedLines.count, actualLines.count)
            Issue.record("""
                \(name) differs at line \(line + 1):
                  expected: \(line < expectedLines.count ? String(expectedLines[line]) : "<end>")
                  actual:   \(line < actualLines.count ? String(actualLines[line]) : "<end>")
                (UPDATE_GOLDEN=1 rewrites the file; review the diff)
                """)
        }
    }
}

/// Runs a script and renders it back with fresh output after each command.
enum SQLScriptRunner {
    static func run(_ text: String) throws -> String {
        let engine = try TestSupport.makeEngine()
        var sessions: [String: Session] = [:]
        var out: [String] = []
        var skippingOutput = false
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            if let (sessionName, command) = parseCommand(line) {
                let session = sessions[sessionName] ?? Session(engine: engine)
                sessions[sessionName] = session
                out.append(line)
                out.append(contentsOf: render(session, command))
                out.append("")
                skippingOutput = true
            } else if line.hasPrefix("#") {
                out.append(line)
                skippingOutput = false
            } else if line.isEmpty {
                if !skippingOutput { out.append(line) }
                skippingOutput = false
            } else if !skippingOutput {
                // Output without a command before it: stale, dropped on regeneration.
                continue
            }
        }
        while out.last == "" { out.removeLast() }
        return out.joined(separator: "\n") + "\n"
    }

    /// `> stmt` → ("", stmt); `c2> stmt` → ("c2", stmt).
    static func parseCommand(_ line: String) -> (String, String)? {
        guard let arrow = line.firstIndex(of: ">") else { return nil }
        let name = line[..<arrow]
        guard name.allSatisfy({ $0.isLetter || $0.isNumber }) else { return nil }
        let rest = line[line.index(after: arrow)...]
        guard rest.hasPrefix(" ") else { return nil }
        return (String(name), String(rest.dropFirst()))
    }

    static func render(_ session: Session, _ command: String) -> [String] {
        do throws(SQLError) {
            if command.hasPrefix(".steps ") {
                let steps = try session.explainSteps(String(command.dropFirst(7)))
                var lines: [String] = []
                for step in steps {
                    if step.changed {
                        lines.append("\(step.pass):")
                        lines += step.drawing.split(separator: "\n").map(String.init)
                    } else {
                        lines.append("\(step.pass): unchanged")
                    }
                }
                return lines
            }
            return format(try session.execute(command))
        } catch {
            return ["Error: \(error)"]
        }
    }

    /// Query results as an aligned table; other results as one line.
    static func format(_ result: StatementResult) -> [String] {
        switch result {
        case .query(let columns, let rows):
            let cells = rows.map { $0.map(\.description) }
            var widths = columns.map(\.count)
            for row in cells {
                for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
            }
            func line(_ values: [String]) -> String {
                values.enumerated().map { i, v in
                    i == values.count - 1 ? v : v.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                }.joined(separator: " | ")
            }
            var lines = [line(columns)]
            lines += cells.map(line)
            if rows.isEmpty { lines.append("(no rows)") }
            return lines
        case .begin(let version, let readOnly): return ["BEGIN\(readOnly ? " READ ONLY" : "") (version \(version))"]
        case .commit(let version): return ["COMMIT (version \(version))"]
        case .rollback(let version): return ["ROLLBACK (version \(version))"]
        case .createTable(let name): return ["CREATE TABLE \(name)"]
        case .dropTable(let name, let existed): return ["DROP TABLE \(name)\(existed ? "" : " (did not exist)")"]
        case .createIndex(let name): return ["CREATE INDEX \(name)"]
        case .dropIndex(let name, let existed): return ["DROP INDEX \(name)\(existed ? "" : " (did not exist)")"]
        case .insert(let n): return ["INSERT \(n)"]
        case .update(let n): return ["UPDATE \(n)"]
        case .delete(let n): return ["DELETE \(n)"]
        case .explain(let drawing):
            // Times vary from run to run; golden files keep only the row counts.
            return drawing.split(separator: "\n").map { String($0) }.map(TestSupport.maskTimes)
        }
    }
}
