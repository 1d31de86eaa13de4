import Encoding
import Foundation
import Synchronization
import Server
import SQL
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The client protocol against hostile input: random bytes, truncated frames, oversized
/// lengths and out-of-order requests, from many connections at once, while a well-behaved
/// client works beside them. Each bad connection gets an error frame or is closed; the server
/// neither crashes nor disturbs the good client.
@Suite(.serialized)
struct ProtocolTests {
    @Test func badFramesNeverDisturbTheServerOrOtherClients() throws {
        let cluster = try NodeProcesses(nodes: 1, fsync: false)
        defer { cluster.killAll() }
        try cluster.startAll()
        try cluster.waitForLeader()
        let good = try cluster.session(1)
        _ = try good.execute("CREATE TABLE t (id INT PRIMARY KEY)")

        var random = SplitMix64(seed: 7)
        let hello = ClientWire.Request.hello(name: ClientWire.name, version: ClientWire.version).encoded()
        var payloads: [[UInt8]] = []
        for round in 0..<60 {
            switch round % 6 {
            case 0: payloads.append((0..<Int.random(in: 1...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
            case 1: payloads.append(Array(frame(hello).dropLast(Int.random(in: 1...3, using: &random))))  // cut short
            case 2: payloads.append([0xFF, 0xFF, 0xFF, 0xF0] + [1, 2, 3])                                // 4 GB announced
            case 3: payloads.append(frame(ClientWire.Request.execute("SELECT 1").encoded()))              // no hello first
            case 4: payloads.append(frame(hello) + frame([0x09, 0x01]))                                  // unknown request kind
            default: payloads.append(frame(ClientWire.Request.hello(name: "postgres", version: 3).encoded()))
            }
        }
        // The bad connections, 60 at once on other threads, while the good client works here.
        let address = cluster.address(1)
        let errorFrames = Mutex(0)
        let group = DispatchGroup()
        for payload in payloads {
            DispatchQueue.global().async(group: group) {
                if let answer = try? exchangeRaw(address, payload), case .protocolError? = try? frames(answer).last {
                    errorFrames.withLock { $0 += 1 }
                }
            }
        }
        for round in 0..<60 { _ = try good.execute("INSERT INTO t VALUES (\(round))") }
        #expect(group.wait(timeout: .now() + 20) == .success, "bad connections were left hanging")
        let errorFramesSeen = errorFrames.withLock { $0 }
        #expect(errorFramesSeen == 60, "every bad connection should end with an error frame; \(errorFramesSeen) of 60 did")
        let rows = try ids(try good.execute("SELECT id FROM t ORDER BY id"))
        #expect(rows == Array(0..<60))
        #expect(cluster.isRunning(1), "the server died:\n\(cluster.log(1))")
    }

    @Test func requestsAndResponsesRoundTrip() throws {
        let requests: [ClientWire.Request] = [.hello(name: "cutaway", version: 1), .execute("SELECT 1"),
                                              .explain("SELECT 1", analyze: true), .explainSteps("x"), .tables,
                                              .inspect(".mvcc t", width: 80), .status, .trace(since: 3, width: 80)]
        for request in requests { #expect(try ClientWire.Request(decoding: request.encoded()) == request) }
        let responses: [ClientWire.Response] = [
            .columns(["a", "b"]), .rows([[.integer(1), .string("x")], [.null, .float(1.5)]]),
            .done(.insert(count: 3), transaction: nil),
            .failure(SQLError(.syntax, "expected FROM", at: SourcePosition(line: 1, column: 8, offset: 7)), transaction: nil),
            .text("drawn"), .trace("", mark: 4), .protocolError("bad"),
        ]
        for response in responses { #expect(try ClientWire.Response(decoding: response.encoded()) == response) }
        // Every truncation of a frame body is an error, never a crash.
        for response in responses {
            let bytes = response.encoded()
            for cut in 0..<bytes.count { #expect(throws: SQLError.self) { try ClientWire.Response(decoding: Array(bytes.prefix(cut))) } }
        }
    }
}

/// The frames in what a server sent.
func frames(_ bytes: [UInt8]) throws -> [ClientWire.Response] {
    var responses: [ClientWire.Response] = []
    var rest = bytes[...]
    while rest.count >= 4 {
        let length = rest.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        guard rest.count >= 4 + length else { break }
        responses.append(try ClientWire.Response(decoding: Array(rest.dropFirst(4).prefix(length))))
        rest = rest.dropFirst(4 + length)
    }
    return responses
}

/// A frame: length, then body.
func frame(_ body: [UInt8]) -> [UInt8] {
    let n = UInt32(body.count)
    return [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)] + body
}

/// Connects, writes `bytes`, half-closes, and reads whatever comes back until the server
/// closes (bounded by a 5 s receive timeout).
func exchangeRaw(_ address: Address, _ bytes: [UInt8]) throws -> [UInt8] {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket failed") }
    defer { _ = close(fd) }
    var target = sockaddr_in()
    target.sin_family = sa_family_t(AF_INET)
    target.sin_addr.s_addr = inet_addr(address.host)
    target.sin_port = UInt16(address.port).bigEndian
    let connected = withUnsafePointer(to: &target) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    guard connected else { throw TestFailure("cannot connect to \(address)") }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    shutdown(fd, Int32(SHUT_WR))
    var answer: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        answer += buffer.prefix(n)
    }
    return answer
}
