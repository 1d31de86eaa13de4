import Foundation
import ScriptTesting
import SQL
import Testing

/// Runs the scripts of `Tests/Scripts/SQL` on any engine: the SQL scripts say what SQL means,
/// so every engine (local, a Raft cluster…) must print the same output for them.
public enum SQLScripts {
    public static let area = "SQL"

    /// The SQL scripts, for `@Test(arguments:)`.
    public static var files: [String] { GoldenScripts.files(area) }

    /// Checks script `name` on a fresh engine from `makeEngine`. Only the first (reference)
    /// engine's test should pass `rewrite: true`: `UPDATE_GOLDEN=1` must not let a second
    /// engine bless its own output.
    public static func check(
        _ name: String, on makeEngine: () throws -> any Engine, rewrite: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        try GoldenScripts.check(area, name, with: SQLScriptInterpreter(engine: makeEngine()), rewrite: rewrite,
                                sourceLocation: sourceLocation)
    }
}

/// The SQL area's commands: `> statement` runs a statement in the default session, `c2>
/// statement` in session `c2` (made on first use; all sessions share the one engine), and
/// `> .steps statement` prints the plan after every optimizer pass.
public final class SQLScriptInterpreter: ScriptInterpreter {
    private let makeSession: () throws(SQLError) -> any ScriptSession
    private var sessions: [String: any ScriptSession] = [:]

    public convenience init(engine: any Engine) {
        self.init { () throws(SQLError) in Session(engine: engine) }
    }

    /// Runs the script on sessions from `makeSession` (a remote server's, say).
    public init(makeSession: @escaping () throws(SQLError) -> any ScriptSession) { self.makeSession = makeSession }

    public func run(prefix: String, command: String) -> [String] {
        do throws(SQLError) {
            let session: any ScriptSession
            if let known = sessions[prefix] {
                session = known
            } else {
                session = try makeSession()
                sessions[prefix] = session
            }
            if command.hasPrefix(".steps ") {
                return try session.planSteps(String(command.dropFirst(7))).flatMap { step in
                    step.changed ? ["\(step.pass):"] + step.drawing.split(separator: "\n").map(String.init)
                                 : ["\(step.pass): unchanged"]
                }
            }
            return Self.format(try session.execute(command))
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
            return drawing.split(separator: "\n").map { maskTimes(String($0)) }
        }
    }

    /// Replaces durations like "0.12 ms" with "T" so EXPLAIN ANALYZE output is stable.
    public static func maskTimes(_ line: String) -> String {
        var result = line
        while let range = result.range(of: #"[0-9.]+ (ms|s)\b"#, options: .regularExpression) {
            result.replaceSubrange(range, with: "T")
        }
        return result
    }
}

/// What the interpreter needs of a session: the SQL layer's `Session`, or a client's session
/// on a node server.
public protocol ScriptSession: AnyObject {
    func execute(_ statement: String) throws(SQLError) -> StatementResult
    /// The plan after every optimizer pass.
    func planSteps(_ statement: String) throws(SQLError) -> [(pass: String, changed: Bool, drawing: String)]
}

extension Session: ScriptSession {
    public func planSteps(_ statement: String) throws(SQLError) -> [(pass: String, changed: Bool, drawing: String)] {
        try explainSteps(statement).map { ($0.pass, $0.changed, $0.drawing) }
    }
}
