import Encoding
import Raft

/// The bytes of Raft messages between node processes: a batch of envelopes per frame.
///
/// Peers are trusted to run the same program but not to be well formed (a half-written frame
/// from a dying process, a stray client on the wrong port): every read is checked, and a frame
/// that does not decode closes that one connection.
public enum PeerWire {
    /// The first bytes a node sends on a peer connection: who it is, in which protocol.
    public static let magic: [UInt8] = Array("CWRAFT".utf8)
    public static let version: UInt8 = 1

    /// Encodes the envelopes one node sends another in one frame body.
    public static func encode(_ envelopes: [Envelope]) -> [UInt8] {
        var w = BinaryWriter()
        w.writeUVarint(UInt64(envelopes.count))
        for envelope in envelopes { write(envelope, to: &w) }
        return w.bytes
    }

    /// Decodes a frame body written by ``encode(_:)``.
    public static func decode(_ bytes: [UInt8]) throws(EncodingError) -> [Envelope] {
        var r = BinaryReader(bytes)
        let count = try r.readCount("envelopes")
        var envelopes: [Envelope] = []
        envelopes.reserveCapacity(min(count, 1024))
        for _ in 0..<count { envelopes.append(try readEnvelope(&r)) }
        try r.finish("envelope batch")
        return envelopes
    }

    static func write(_ e: Envelope, to w: inout BinaryWriter) {
        w.writeByte(e.from)
        w.writeByte(e.to)
        w.writeUVarint(e.term)
        switch e.message {
        case let .heartbeat(lastIndex, lastTerm, commitIndex, readSeq, sentIndex):
            w.writeByte(1)
            for n in [lastIndex, lastTerm, commitIndex, readSeq, sentIndex] { w.writeUVarint(n) }
        case let .heartbeatResponse(lastIndex, lastTerm, sentIndex, readSeq):
            w.writeByte(2)
            for n in [lastIndex, lastTerm, sentIndex, readSeq] { w.writeUVarint(n) }
        case let .preVote(lastIndex, lastTerm):
            w.writeByte(3)
            w.writeUVarint(lastIndex)
            w.writeUVarint(lastTerm)
        case let .preVoteResponse(granted):
            w.writeByte(4)
            w.writeBool(granted)
        case let .campaign(lastIndex, lastTerm):
            w.writeByte(5)
            w.writeUVarint(lastIndex)
            w.writeUVarint(lastTerm)
        case let .campaignResponse(granted):
            w.writeByte(6)
            w.writeBool(granted)
        case let .append(baseIndex, baseTerm, entries, commitIndex):
            w.writeByte(7)
            w.writeUVarint(baseIndex)
            w.writeUVarint(baseTerm)
            w.writeUVarint(commitIndex)
            w.writeUVarint(UInt64(entries.count))
            for entry in entries {
                w.writeUVarint(entry.index)
                w.writeUVarint(entry.term)
                w.writeBool(entry.command != nil)
                if let command = entry.command { w.writeBytes(command) }
            }
        case let .appendAccepted(matchIndex):
            w.writeByte(8)
            w.writeUVarint(matchIndex)
        case let .appendRejected(rejectedBase, hintIndex):
            w.writeByte(9)
            w.writeUVarint(rejectedBase)
            w.writeUVarint(hintIndex)
        case let .clientRequest(id, request):
            w.writeByte(10)
            write(id, to: &w)
            switch request {
            case .write(let bytes):
                w.writeByte(0)
                w.writeBytes(bytes)
            case .read(let bytes):
                w.writeByte(1)
                w.writeBytes(bytes)
            }
        case let .clientResponse(id, result):
            w.writeByte(11)
            write(id, to: &w)
            switch result {
            case .success(.write(let index, let bytes)):
                w.writeByte(0)
                w.writeUVarint(index)
                w.writeBytes(bytes)
            case .success(.read(let bytes)):
                w.writeByte(1)
                w.writeBytes(bytes)
            case .failure(let error):
                w.writeByte(2)
                write(error, to: &w)
            }
        }
    }

    static func readEnvelope(_ r: inout BinaryReader) throws(EncodingError) -> Envelope {
        let from = try r.readByte("from")
        let to = try r.readByte("to")
        let term = try r.readUVarint("term")
        let tag = try r.readByte("message")
        let message: Message
        switch tag {
        case 1:
            message = .heartbeat(lastIndex: try r.readUVarint(), lastTerm: try r.readUVarint(), commitIndex: try r.readUVarint(),
                                 readSeq: try r.readUVarint(), sentIndex: try r.readUVarint())
        case 2:
            message = .heartbeatResponse(lastIndex: try r.readUVarint(), lastTerm: try r.readUVarint(),
                                         sentIndex: try r.readUVarint(), readSeq: try r.readUVarint())
        case 3: message = .preVote(lastIndex: try r.readUVarint(), lastTerm: try r.readUVarint())
        case 4: message = .preVoteResponse(granted: try r.readBool())
        case 5: message = .campaign(lastIndex: try r.readUVarint(), lastTerm: try r.readUVarint())
        case 6: message = .campaignResponse(granted: try r.readBool())
        case 7:
            let baseIndex = try r.readUVarint("base index"), baseTerm = try r.readUVarint("base term")
            let commitIndex = try r.readUVarint("commit index")
            let count = try r.readCount("entries")
            var entries: [Entry] = []
            entries.reserveCapacity(min(count, 1024))
            for _ in 0..<count {
                let index = try r.readUVarint("index"), term = try r.readUVarint("term")
                let command = try r.readBool() ? try r.readBytes("command") : nil
                entries.append(Entry(index: index, term: term, command: command))
            }
            message = .append(baseIndex: baseIndex, baseTerm: baseTerm, entries: entries, commitIndex: commitIndex)
        case 8: message = .appendAccepted(matchIndex: try r.readUVarint())
        case 9: message = .appendRejected(rejectedBase: try r.readUVarint(), hintIndex: try r.readUVarint())
        case 10:
            let id = try readRequestID(&r)
            switch try r.readByte("request kind") {
            case 0: message = .clientRequest(id: id, request: .write(try r.readBytes("command")))
            case 1: message = .clientRequest(id: id, request: .read(try r.readBytes("query")))
            case let other: throw EncodingError(offset: r.offset - 1, expected: "request kind", reason: .invalidByte(other))
            }
        case 11:
            let id = try readRequestID(&r)
            switch try r.readByte("response kind") {
            case 0:
                let index = try r.readUVarint("index")
                message = .clientResponse(id: id, result: .success(.write(index: index, result: try r.readBytes("result"))))
            case 1: message = .clientResponse(id: id, result: .success(.read(try r.readBytes("result"))))
            case 2: message = .clientResponse(id: id, result: .failure(try readError(&r)))
            case let other: throw EncodingError(offset: r.offset - 1, expected: "response kind", reason: .invalidByte(other))
            }
        default:
            throw EncodingError(offset: r.offset - 1, expected: "message kind", reason: .invalidByte(tag))
        }
        return Envelope(from: from, to: to, term: term, message: message)
    }

    static func write(_ id: RequestID, to w: inout BinaryWriter) {
        w.writeByte(id.origin)
        w.writeUVarint(id.sequence)
    }

    static func readRequestID(_ r: inout BinaryReader) throws(EncodingError) -> RequestID {
        RequestID(origin: try r.readByte("origin"), sequence: try r.readUVarint("sequence"))
    }

    static func write(_ error: RaftError, to w: inout BinaryWriter) {
        switch error {
        case .noLeader: w.writeByte(0)
        case .leadershipLost: w.writeByte(1)
        case .application(let text):
            w.writeByte(2)
            w.writeString(text)
        case .corrupt(let text):
            w.writeByte(3)
            w.writeString(text)
        case .storage(let text):
            w.writeByte(4)
            w.writeString(text)
        case let .stateMachineFailed(index, reason):
            w.writeByte(5)
            w.writeUVarint(index)
            w.writeString(reason)
        }
    }

    static func readError(_ r: inout BinaryReader) throws(EncodingError) -> RaftError {
        switch try r.readByte("error kind") {
        case 0: return .noLeader
        case 1: return .leadershipLost
        case 2: return .application(try r.readString())
        case 3: return .corrupt(try r.readString())
        case 4: return .storage(try r.readString())
        case 5:
            let index = try r.readUVarint("index")
            return .stateMachineFailed(index: index, reason: try r.readString())
        case let other: throw EncodingError(offset: r.offset - 1, expected: "error kind", reason: .invalidByte(other))
        }
    }
}
