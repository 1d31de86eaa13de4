/// The deterministic application Raft replicates: every node applies the same committed commands
/// in the same order and so reaches the same state.
///
/// Implementations must be deterministic: the same command at the same index gives the same
/// result and state on every node.
///
/// Errors follow one contract, because a node that skips an entry another node applied has
/// silently diverged:
/// - `apply` returns the client's result bytes for every *deterministic* outcome. A
///   deterministic application error (a constraint violation, an unknown command) is either
///   encoded in the result bytes or thrown as ``RaftError/application(_:)``, which is returned
///   to the client; either way the entry counts as applied and ``appliedIndex`` must advance.
/// - Any other error thrown by `apply` means this node cannot apply the entry the way the others
///   do (a disk I/O failure, a full disk). The node does not skip the entry: it stops with
///   ``RaftError/stateMachineFailed(index:reason:)`` (the simulator takes it down as halted).
/// - Any error thrown by `read` is returned to the client as ``RaftError/application(_:)``;
///   a read changes nothing, so it cannot make nodes diverge.
public protocol StateMachine: AnyObject {
    /// The index of the last applied entry. A durable state machine persists it with its state;
    /// an in-memory one starts at 0 and the node replays committed entries after a restart.
    var appliedIndex: LogIndex { get }
    /// Applies a committed command (or an empty entry, `command == nil`, which only advances
    /// ``appliedIndex``) and returns the result for the client. See the type's error contract.
    func apply(index: LogIndex, command: [UInt8]?) throws -> [UInt8]
    /// Answers a query against the current state without changing it.
    func read(_ query: [UInt8]) throws -> [UInt8]
    /// A short description of a command in words, for log drawings and traces ("INSERT INTO t,
    /// 2 rows"); the default shows printable text or a hex prefix.
    func describe(_ command: [UInt8]) -> String
}

extension StateMachine {
    /// Printable text or a hex prefix (``CommandText/describe(_:limit:)``).
    public func describe(_ command: [UInt8]) -> String { CommandText.describe(command) }
}

/// A tiny key/value state machine for the simulator, scenario tests and benchmark.
///
/// Commands are text: `put KEY=VALUE`, `delete KEY`; queries: `get KEY`. It remembers every
/// command it applied so the simulator can check that all nodes applied the same ones.
public final class KVStateMachine: StateMachine {
    /// Current values.
    public private(set) var data: [String: String] = [:]
    /// Every applied entry's command, in index order (`history[i]` is index `i + 1`).
    public private(set) var history: [[UInt8]?] = []

    public init() {}

    public var appliedIndex: LogIndex { LogIndex(history.count) }

    public func apply(index: LogIndex, command: [UInt8]?) throws -> [UInt8] {
        precondition(index == appliedIndex + 1, "entries are applied in order")
        history.append(command)
        guard let command else { return [] }
        let text = String(decoding: command, as: UTF8.self)
        if text.hasPrefix("put "), let equals = text.firstIndex(of: "=") {
            let key = String(text[text.index(text.startIndex, offsetBy: 4)..<equals])
            data[key] = String(text[text.index(after: equals)...])
            return Array("ok".utf8)
        }
        if text.hasPrefix("delete ") {
            data[String(text.dropFirst(7))] = nil
            return Array("ok".utf8)
        }
        throw RaftError.application("unknown command \(CommandText.describe(command)) (use put k=v or delete k)")
    }

    public func read(_ query: [UInt8]) throws -> [UInt8] {
        let text = String(decoding: query, as: UTF8.self)
        guard text.hasPrefix("get ") else {
            throw RaftError.application("unknown query \(CommandText.describe(query)) (use get k)")
        }
        return Array((data[String(text.dropFirst(4))] ?? "(none)").utf8)
    }
}
