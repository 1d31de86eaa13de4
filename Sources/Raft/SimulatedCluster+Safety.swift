/// A broken Raft safety property, with what it takes to replay the run.
public struct SafetyViolation: Error, Sendable, Hashable, CustomStringConvertible {
    public var seed: UInt64
    public var tick: Int
    public var message: String

    public var description: String { "Raft safety violated at tick \(tick) (seed \(seed)): \(message)" }
}

/// What the simulator has observed so far, to check each new observation against.
struct SafetyState {
    /// The leader seen in each term.
    var leaders: [Term: NodeID] = [:]
    /// Every entry seen in any log by (index, term): its command and the term before it.
    /// Log matching holds if all logs agree on these (by induction over the predecessor).
    var seen: [EntryKey: (command: [UInt8]?, previousTerm: Term)] = [:]
    /// Entries known committed, by index.
    var committed: [LogIndex: Entry] = [:]
    var highestCommitted: LogIndex = 0
    /// Commands applied at each index by any node.
    var applied: [LogIndex: [UInt8]?] = [:]
    /// Per node: how far its state machine history was checked.
    var appliedChecked: [NodeID: Int] = [:]

    struct EntryKey: Hashable {
        var index: LogIndex
        var term: Term
    }

    mutating func restarted(_ id: NodeID) {
        appliedChecked[id] = 0
    }
}

extension SimulatedCluster {
    /// Checks, for every running node: at most one leader per term; log matching; committed
    /// entries never change or disappear; every new leader holds all committed entries (leader
    /// completeness); nothing uncommitted is applied, and no two nodes apply different commands
    /// at one index. Costs nothing when ``checksSafety`` is off.
    /// - Complexity: proportional to what changed since the last check.
    func checkSafety() throws {
        guard checksSafety else { return }
        for id in ids {
            guard let node = nodes[id] else { continue }
            let log = node.log

            // Election safety, and leader completeness for each new leader.
            if node.roleName == .leader {
                if let other = safety.leaders[log.term], other != id {
                    throw violation("two leaders in term \(log.term): n\(other) and n\(id)")
                }
                if safety.leaders[log.term] == nil {
                    safety.leaders[log.term] = id
                    for index in stride(from: safety.highestCommitted, through: 1, by: -1) {
                        guard let entry = safety.committed[index] else { continue }
                        guard log.entry(at: index) == entry else {
                            throw violation("new leader n\(id)@\(log.term) lacks committed entry \(index)@\(entry.term)")
                        }
                    }
                }
            }

            // Log matching, over the entries written since the last check.
            if log.writtenFrom <= log.lastIndex {
                for index in log.writtenFrom...log.lastIndex {
                    guard let entry = log.entry(at: index) else { continue }
                    let previousTerm = log.term(at: index - 1) ?? 0
                    let key = SafetyState.EntryKey(index: index, term: entry.term)
                    if let known = safety.seen[key] {
                        guard known.command == entry.command, known.previousTerm == previousTerm else {
                            throw violation("log matching: n\(id) has \(index)@\(entry.term) with a different command or predecessor than another node")
                        }
                    } else {
                        safety.seen[key] = (entry.command, previousTerm)
                    }
                    if let committed = safety.committed[index], index <= log.commitIndex, committed != entry {
                        throw violation("n\(id) replaced committed entry \(index)@\(committed.term) with \(index)@\(entry.term)")
                    }
                }
            }
            log.clearWrittenMark()

            // Committed entries are the same everywhere and never disappear.
            if log.commitIndex > safety.highestCommitted {
                for index in (safety.highestCommitted + 1)...log.commitIndex {
                    guard let entry = log.entry(at: index) else {
                        throw violation("n\(id) committed \(index) but does not hold it")
                    }
                    if let known = safety.committed[index], known != entry {
                        throw violation("committed entry \(index) differs: \(known.index)@\(known.term) vs n\(id)'s \(entry.index)@\(entry.term)")
                    }
                    safety.committed[index] = entry
                }
                safety.highestCommitted = log.commitIndex
            }
            if log.commitIndex > 0, let known = safety.committed[log.commitIndex], log.entry(at: log.commitIndex) != known {
                throw violation("n\(id)'s commit point \(log.commitIndex) differs from the committed entry \(known.index)@\(known.term)")
            }

            // Only committed entries are applied (any state machine).
            guard node.stateMachine.appliedIndex <= log.commitIndex else {
                throw violation("n\(id) applied up to \(node.stateMachine.appliedIndex) but committed only \(log.commitIndex)")
            }

            // State machine safety: the same command at each applied index on every node (the
            // key/value machine keeps its history; for others the check above must do).
            if let machine = node.stateMachine as? KVStateMachine {
                let history = machine.history
                let checked = safety.appliedChecked[id, default: 0]
                if checked < history.count {
                    for offset in checked..<history.count {
                        let index = LogIndex(offset + 1)
                        if let known = safety.applied[index] {
                            guard known == history[offset] else {
                                throw violation("n\(id) applied a different command at index \(index) than another node")
                            }
                        } else {
                            safety.applied[index] = history[offset]
                        }
                        if let committed = safety.committed[index], committed.command != history[offset] {
                            throw violation("n\(id) applied index \(index) which differs from the committed entry")
                        }
                    }
                    safety.appliedChecked[id] = history.count
                }
            }
        }
    }

    private func violation(_ message: String) -> SafetyViolation {
        SafetyViolation(seed: seed, tick: now, message: message)
    }
}
