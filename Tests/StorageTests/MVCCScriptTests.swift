import Encoding
import Foundation
import ScriptTesting
import Testing
@testable import Storage

/// Golden scenario tests for MVCC: each file in `Tests/Scripts/MVCC/` is a story of
/// transactions (`t1> begin`, `t1> set a=1`, `t2> get a`) with each command's output below it.
/// Every script runs on each storage engine and must print the same; only the memory engine's
/// run rewrites the file under `UPDATE_GOLDEN=1`.
@Suite struct MVCCScriptTests {
    static let area = "MVCC"

    @Test func scriptsExist() {
        #expect(GoldenScripts.files(Self.area).count >= 10)
    }

    @Test(arguments: EngineKind.allCases, GoldenScripts.files(area))
    func script(kind: EngineKind, name: String) throws {
        let directory = try TemporaryDirectory("mvcc-script")
        let runner = try MVCCScriptRunner(mvcc: MVCC(engine: kind.make(in: directory)))
        try GoldenScripts.check(Self.area, name, with: runner, rewrite: kind == .memory)
    }
}

/// Replays one script against an MVCC store: the prefix names the transaction a command runs
/// in (`t1> get a`); `mvcc> …` commands look at the store as a whole.
final class MVCCScriptRunner: ScriptInterpreter {
    let mvcc: MVCC
    var transactions: [String: MVCCTransaction] = [:]
    var savepoints: [String: Int] = [:]

    init(mvcc: MVCC) { self.mvcc = mvcc }

    func run(prefix: String, command: String) -> [String] {
        do {
            return try execute(actor: prefix, command)
        } catch {
            return ["error: \(error)"]
        }
    }

    private func execute(actor: String, _ line: String) throws -> [String] {
        guard !actor.isEmpty else { throw ScriptError("expected `actor> command`") }
        let words = line.split(separator: " ").map(String.init)
        guard let command = words.first else { throw ScriptError("missing command") }
        let args = Array(words.dropFirst())
        if actor == "mvcc" { return try executeGlobal(command, args) }

        switch (command, args.first) {
        case ("begin", nil):
            return [describe(try start(actor) { try mvcc.begin() })]
        case ("begin", "readonly"):
            return [describe(try start(actor) { try mvcc.beginReadOnly() })]
        case ("begin", "as"):
            guard args.count == 3, args[1] == "of", let version = UInt64(args[2]) else {
                throw ScriptError("usage: begin as of VERSION")
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
                guard parts.count == 2 else { throw ScriptError("usage: set key=value") }
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
            guard let name = args.first else { throw ScriptError("usage: savepoint NAME") }
            savepoints["\(actor).\(name)"] = t.savepoint()
            return []
        case "rollback" where args.first == "to":
            guard args.count == 2, let savepoint = savepoints["\(actor).\(args[1])"] else {
                throw ScriptError("usage: rollback to NAME (a savepoint of this transaction)")
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
            throw ScriptError("unknown command \(command)")
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
                guard parts.count == 2 else { throw ScriptError("usage: setu key=value") }
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
            throw ScriptError("unknown mvcc command \(command)")
        }
    }

    private func start(_ name: String, _ begin: () throws -> MVCCTransaction) throws -> MVCCTransaction {
        let t = try begin()
        transactions[name] = t
        return t
    }

    private func txn(_ name: String) throws -> MVCCTransaction {
        guard let t = transactions[name] else { throw ScriptError("no transaction \(name)") }
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
            guard parts.count == 2 else { throw ScriptError("range must be a..b or a..=b") }
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
            throw ScriptError("usage: versions KEY | versions prefix P")
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
