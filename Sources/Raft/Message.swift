/// A message between two nodes, stamped with the sender's term.
///
/// Client requests and responses travel in envelopes too (forwarding from followers); they are
/// not part of the election protocol, so their term is informational only.
public struct Envelope: Sendable, Hashable, CustomStringConvertible {
    public var from: NodeID
    public var to: NodeID
    public var term: Term
    public var message: Message

    public init(from: NodeID, to: NodeID, term: Term, message: Message) {
        self.from = from
        self.to = to
        self.term = term
        self.message = message
    }

    /// The compact notation of the scenario scripts: `n1@3 → n2 Append base=5@2 [6@3]`.
    public var description: String {
        "n\(from)@\(term) → n\(to) \(message)"
    }
}

/// One entry of the replicated log.
public struct Entry: Sendable, Hashable {
    public var index: LogIndex
    public var term: Term
    /// The state machine command; nil for the empty entry a new leader appends.
    public var command: [UInt8]?

    public init(index: LogIndex, term: Term, command: [UInt8]?) {
        self.index = index
        self.term = term
        self.command = command
    }
}

/// Identifies a client request across forwarding: the node the client talked to and a sequence
/// number that node's client chose.
public struct RequestID: Sendable, Hashable, CustomStringConvertible {
    public var origin: NodeID
    public var sequence: UInt64

    public init(origin: NodeID, sequence: UInt64) {
        self.origin = origin
        self.sequence = sequence
    }

    public var description: String { "r\(origin).\(sequence)" }
}

/// What a client asks of the cluster.
public enum ClientRequest: Sendable, Hashable {
    /// A state machine command, replicated through the log.
    case write([UInt8])
    /// A query against the state machine, served linearizably without touching the log.
    case read([UInt8])
}

/// What the cluster answers to a successful ``ClientRequest``.
public enum ClientResponse: Sendable, Hashable {
    /// The write committed at `index` and the state machine returned `result`.
    case write(index: LogIndex, result: [UInt8])
    /// The read's result.
    case read([UInt8])
}

/// The messages of the protocol.
public enum Message: Sendable, Hashable, CustomStringConvertible {
    /// A leader's periodic "I am alive": its last entry (so the follower can report whether it
    /// matches), its commit index, the read sequence number this round confirms, and how far it
    /// has sent this follower entries (`sentIndex`, echoed back to detect lost appends).
    case heartbeat(lastIndex: LogIndex, lastTerm: Term, commitIndex: LogIndex, readSeq: UInt64, sentIndex: LogIndex)
    /// A follower's answer: its last entry (the leader learns whether it matches), and the
    /// heartbeat's sent index and read sequence number echoed back.
    case heartbeatResponse(lastIndex: LogIndex, lastTerm: Term, sentIndex: LogIndex, readSeq: UInt64)
    /// "Would you vote for me?" sent with the term the sender would campaign in; changes no term.
    case preVote(lastIndex: LogIndex, lastTerm: Term)
    /// The answer to a pre-vote.
    case preVoteResponse(granted: Bool)
    /// A candidate asks for a vote in the envelope's term.
    case campaign(lastIndex: LogIndex, lastTerm: Term)
    /// The answer to a vote request.
    case campaignResponse(granted: Bool)
    /// Entries following the base entry `baseIndex@baseTerm`, and the leader's commit index.
    case append(baseIndex: LogIndex, baseTerm: Term, entries: [Entry], commitIndex: LogIndex)
    /// Accepted: the follower's log matches the leader's up to `matchIndex`.
    case appendAccepted(matchIndex: LogIndex)
    /// Rejected because the base `rejectedBase` did not match; the leader should retry from
    /// `hintIndex` (the first index of the follower's conflicting term, or just past its end).
    case appendRejected(rejectedBase: LogIndex, hintIndex: LogIndex)
    /// A client request forwarded to the leader (or handed to the local node).
    case clientRequest(id: RequestID, request: ClientRequest)
    /// The outcome of a client request, sent back the way it came.
    case clientResponse(id: RequestID, result: Result<ClientResponse, RaftError>)

    /// The message type's name, for traces.
    public var kind: String {
        switch self {
        case .heartbeat: "Heartbeat"
        case .heartbeatResponse: "HeartbeatResponse"
        case .preVote: "PreVote"
        case .preVoteResponse: "PreVoteResponse"
        case .campaign: "Campaign"
        case .campaignResponse: "CampaignResponse"
        case .append: "Append"
        case .appendAccepted: "AppendAccepted"
        case .appendRejected: "AppendRejected"
        case .clientRequest: "ClientRequest"
        case .clientResponse: "ClientResponse"
        }
    }

    /// The message's fields in compact notation, without the type name.
    public var summary: String { summary(describing: { CommandText.describe($0) }) }

    /// The message's fields in compact notation, client commands and queries described by
    /// `describe` (a state machine's ``StateMachine/describe(_:)``).
    public func summary(describing describe: ([UInt8]) -> String) -> String {
        switch self {
        case let .heartbeat(lastIndex, lastTerm, commitIndex, readSeq, _):
            return "last=\(lastIndex)@\(lastTerm) commit=\(commitIndex) read_seq=\(readSeq)"
        case let .heartbeatResponse(lastIndex, lastTerm, _, readSeq):
            return "last=\(lastIndex)@\(lastTerm) read_seq=\(readSeq)"
        case let .preVote(lastIndex, lastTerm), let .campaign(lastIndex, lastTerm):
            return "last=\(lastIndex)@\(lastTerm)"
        case let .preVoteResponse(granted), let .campaignResponse(granted):
            return granted ? "yes" : "no"
        case let .append(baseIndex, baseTerm, entries, commitIndex):
            let list = entries.map { "\($0.index)@\($0.term)" }
            let shown = list.count > 6 ? list.prefix(2) + ["…"] + list.suffix(2) : list[...]
            return "base=\(baseIndex)@\(baseTerm) [\(shown.joined(separator: " "))] commit=\(commitIndex)"
        case let .appendAccepted(matchIndex):
            return "match=\(matchIndex)"
        case let .appendRejected(rejectedBase, hintIndex):
            return "base=\(rejectedBase) hint=\(hintIndex)"
        case let .clientRequest(id, request):
            switch request {
            case .write(let command): return "\(id) write \(describe(command))"
            case .read(let query): return "\(id) read \(describe(query))"
            }
        case let .clientResponse(id, result):
            switch result {
            case .success(.write(let index, let value)): return "\(id) ok index=\(index) \(describe(value))"
            case .success(.read(let value)): return "\(id) ok \(describe(value))"
            case .failure(let error): return "\(id) error: \(error)"
            }
        }
    }

    public var description: String { "\(kind) \(summary)" }
}

/// Short, printable descriptions of command bytes for traces and log drawings.
public enum CommandText {
    /// The bytes as text when they are short printable UTF-8, otherwise a hex prefix.
    public static func describe(_ bytes: [UInt8], limit: Int = 24) -> String {
        if bytes.isEmpty { return "\"\"" }
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            let text = String(decoding: bytes, as: UTF8.self)
            return text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
        }
        let hex = bytes.prefix(limit / 2).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        return "0x" + hex + (bytes.count > limit / 2 ? "…" : "")
    }
}
