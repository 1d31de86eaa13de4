import Encoding
import Foundation
import Testing
@testable import Storage

/// Golden scenario tests for MVCC: each file in `Tests/Scripts/MVCC/` is a story of transactions
/// (`t1: begin`, `t1: set a=1`, `t2: get a`) with each command's output below it as `→ …`
/// lines. The runner replays the commands and compares the regenerated file with the stored
/// one. Run with `UPDATE_GOLDEN=1` to rewrite the files after a deliberate change (then
/// review the diff).
@Suite struct MVCCScriptTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts/MVCC")

    static func scriptNames() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.sorted()
    }

    @Test func scriptsExist() {
        #expect(Self.scriptNames().count >= 10)
    }

    @Test(arguments: EngineKind.allCases, scriptNames())
    func script(kind: EngineKind, name: String) throws {
        let url = Self.directory.appendingPathComponent(name)
        let expected = try String(contentsOf: url, encoding: .utf8)
        let directory = try TemporaryDirectory("mvcc-script")
        let runner = try MVCCScriptRunner(mvcc: MVCC(engine: kind.make(in: directory)))
        let actual = runner.run(expected)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1", kind == .memory {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        #expect(actual == expected, "\(name) on \(kind): output differs; actual:\n\(actual)")
    }
}

/// Replays one script against an MVCC store and renders the output.
final class MVCCScriptRunner {
    let mvcc: MVCC
    var transactions: [String: MVCCTransaction] = [:]
    var savepoints: [String: Int] = [:]

    init(mvcc: MVCC) { self.mvcc = mvcc }

    /// The script with every `→` line regenerated from running its commands.
    func run(_ script: String) -> String {
        var out: [String] = []
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("→") { continue }
            out.append(String(line))
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            let result: [String]
            do {
                result = try execute(text)
            } catch {
                result = ["error: \(error)"]
            }
            out.append(contentsOf: result.map { "→ \($0)" })
        }
        return out.joined(separator: "\n")
    }

    struct ScriptError: Error, CustomStringConvertible {
        var description: String
    }

    private func execute(_ line: String) throws -> [String] {
        guard let colon = line.firstIndex(of: ":") else { throw ScriptError(description: "expected `actor: command`") }
        let actor = String(line[..<colon])
        let words = line[line.index(after: colon)...].split(separator: " ").map(String.init)
        guard let command = words.first else { throw ScriptError(description: "missing command") }
        let args = Array(words.dropFirst())
        if actor == "mvcc" { return try executeGlobal(command, args) }

        switch (command, args.first) {
        case ("begin", nil):
            return [describe(try start(actor) { try mvcc.begin() })]
        case ("begin", "readonly"):
            return [describe(try start(actor) { try mvcc.beginReadOnly() })]
        case ("begin", "as"):
            guard args.count == 3, args[1] == "of", let version = UInt64(args[2]) else {
                throw ScriptError(description: "usage: begin as of VERSION")
            }
            return [describe(try start(actor) { try mvcc.beginReadOnly(asOf: version) })]
        case ("resume", let other?):
            // Through bytes, as a session would ship it.
            let exported = try txn(other).state.encoded()
            let state = try TransactionState(decoding: exported)
            return ["resumed " + describe(try start(actor) { try mvcc.resume(state) })]
        default:
            break
        }

        let t = try txn(actor)
        switch command {
        case "set":
            for assignment in args {
                let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ScriptError(description: "usage: set key=value") }
                try t.set(b(parts[0]), b(parts[1]))
            }
            return []
        case "delete":
            for key in args { try t.delete(b(key)) }
            return []
        case "get":
            return try args.map { key in "\(key)=\(try t.get(b(key)).map(text) ?? "None")" }
        case "scan":
            return try scan(t, args)
        case "savepoint":
            guard let name = args.first else { throw ScriptError(description: "usage: savepoint NAME") }
            savepoints["\(actor).\(name)"] = t.savepoint()
            return []
        case "rollback" where args.first == "to":
            guard args.count == 2, let savepoint = savepoints["\(actor).\(args[1])"] else {
                throw ScriptError(description: "usage: rollback to NAME (a savepoint of this transaction)")
            }
            try t.rollback(toSavepoint: savepoint)
            return []
        case "commit":
            try t.commit()
            return []
        case "rollback":
            try t.rollback()
            return []
        case "versions":
            return try versions(viewer: t.state, args)
        case "state":
            return [describe(t)]
        default:
            throw ScriptError(description: "unknown command \(command)")
        }
    }

    private func executeGlobal(_ command: String, _ args: [String]) throws -> [String] {
        switch command {
        case "versions":
            return try versions(viewer: nil, args)
        case "active":
            let active = try mvcc.activeTransactions()
            return active.isEmpty ? ["(none)"] : active.map { "v\($0.version) active \(set($0.active))" }
        case "status":
            let s = try mvcc.status()
            return ["versions=\(s.versions) next=\(s.nextVersion) active=\(set(Set(s.activeTransactions)))"]
        case "setu":
            for assignment in args {
                let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ScriptError(description: "usage: setu key=value") }
                try mvcc.setUnversioned(b(parts[0]), b(parts[1]))
            }
            return []
        case "getu":
            return try args.map { key in "\(key)=\(try mvcc.getUnversioned(b(key)).map(text) ?? "None")" }
        case "raw":
            let pairs = try mvcc.rawScan(prefix: [])
            return try pairs.map { pair in
                let key = try MVCCKey.decode(pair.key)
                return "\(key) = \(pair.value.isEmpty ? "[]" : "0x" + hexString(pair.value))"
            }
        case "recover":
            let rolledBack = try mvcc.rollbackAbandonedTransactions()
            return ["rolled back \(set(Set(rolledBack)))"]
        default:
            throw ScriptError(description: "unknown mvcc command \(command)")
        }
    }

    private func start(_ name: String, _ begin: () throws -> MVCCTransaction) throws -> MVCCTransaction {
        let t = try begin()
        transactions[name] = t
        return t
    }

    private func txn(_ name: String) throws -> MVCCTransaction {
        guard let t = transactions[name] else { throw ScriptError(description: "no transaction \(name)") }
        return t
    }

    /// `scan`, `scan reverse`, `scan prefix P [reverse]`, `scan a..c [reverse]` (c excluded),
    /// `scan a..=c`.
    private func scan(_ t: MVCCTransaction, _ args: [String]) throws -> [String] {
        let reverse = args.last == "reverse"
        let rest = reverse ? Array(args.dropLast()) : args
        let cursor: any KeyValueCursor
        if rest.first == "prefix" {
            cursor = try t.scanPrefix(b(rest.count > 1 ? rest[1] : ""), reverse: reverse)
        } else if let range = rest.first {
            let inclusive = range.contains("..=")
            let parts = range.components(separatedBy: inclusive ? "..=" : "..")
            guard parts.count == 2 else { throw ScriptError(description: "range must be a..b or a..=b") }
            let start: KeyRange.Bound = parts[0].isEmpty ? .unbounded : .included(b(parts[0]))
            let end: KeyRange.Bound = parts[1].isEmpty ? .unbounded : (inclusive ? .included(b(parts[1])) : .excluded(b(parts[1])))
            cursor = try t.scan(KeyRange(start: start, end: end), reverse: reverse)
        } else {
            cursor = try t.scan(.all, reverse: reverse)
        }
        let pairs = try cursor.collect()
        return pairs.isEmpty ? ["(none)"] : pairs.map { "\(text($0.key))=\(text($0.value))" }
    }

    /// `versions KEY` or `versions prefix P`.
    private func versions(viewer: TransactionState?, _ args: [String]) throws -> [String] {
        let chains: [KeyVersions]
        if args.first == "prefix" {
            chains = try mvcc.versions(prefix: b(args.count > 1 ? args[1] : ""), viewer: viewer)
        } else if let key = args.first {
            chains = [try mvcc.versions(key: b(key), viewer: viewer)]
        } else {
            throw ScriptError(description: "usage: versions KEY | versions prefix P")
        }
        let lines = chains.flatMap { chain in
            chain.versions.map { "\(text(chain.key))@\($0.version) = \($0.value.map(text) ?? "None") (\($0.visibility))" }
        }
        return lines.isEmpty ? ["(none)"] : lines
    }

    private func describe(_ t: MVCCTransaction) -> String {
        t.isReadOnly
            ? "read-only below version \(t.version), active \(set(t.state.active))"
            : "version \(t.version), active \(set(t.state.active))"
    }

    private func set(_ versions: Set<UInt64>) -> String {
        "{" + versions.sorted().map(String.init).joined(separator: ", ") + "}"
    }

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
