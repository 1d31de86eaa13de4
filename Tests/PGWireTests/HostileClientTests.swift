import Encoding
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Random, truncated and oversized protocol messages from many connections: each gets an
/// error or is closed, and the listener keeps serving a well-behaved psql beside them.
@Suite(.serialized) struct HostileClientTests {
    @Test(arguments: [UInt64(1), 2])
    func garbageNeverStopsTheListener(seed: UInt64) throws {
        let server = try StartupTests.server()
        defer { server.stop() }
        let port = server.port
        var random = SplitMix64(seed: seed)
        for round in 0..<40 {
            var bytes: [UInt8] = []
            switch round % 5 {
            case 0:  // bytes with no shape at all
                bytes = (0..<Int.random(in: 1...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            case 1:  // a startup packet cut short
                bytes = Array(Self.startup().prefix(Int.random(in: 1...20, using: &random)))
            case 2:  // a good startup, then random typed messages
                bytes = Self.startup()
                for _ in 0..<Int.random(in: 1...8, using: &random) {
                    let type = Array("QPBDESCHXdfp".utf8).randomElement(using: &random) ?? 81
                    let body = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                    bytes += Self.message(type, body)
                }
            case 3:  // a good startup, then a message that claims to be huge
                bytes = Self.startup() + [UInt8(ascii: "Q"), 0x7F, 0xFF, 0xFF, 0xFF] + Array("SELECT 1".utf8)
            default:  // a good startup and query, truncated in the middle of the query
                let whole = Self.startup() + Self.message(UInt8(ascii: "Q"), Array("SELECT 1\0".utf8))
                bytes = Array(whole.prefix(whole.count - Int.random(in: 1...8, using: &random)))
            }
            // Ending the stream at once (but for the huge message, whose answer comes first)
            // lets the server finish each connection without waiting for more bytes.
            let answer = String(decoding: try Self.deliver(bytes, to: port, end: round % 5 != 3), as: UTF8.self)
            if round % 5 == 3 { #expect(answer.contains("longer than the limit")) }
        }
        let psql = try PsqlClient(port: port)
        defer { psql.finish() }
        #expect(psql.run("SELECT 40 + 2;").contains { $0.contains("42") })
    }

    static func startup() -> [UInt8] {
        var body: [UInt8] = [0, 3, 0, 0]
        for text in ["user", "fuzz", "database", "cutaway", ""] { body += Array(text.utf8) + [0] }
        return bigEndian(UInt32(body.count + 4)) + body
    }

    static func message(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
        [type] + bigEndian(UInt32(body.count + 4)) + body
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// Connects, writes `bytes`, returns what comes back within a moment, and closes.
    static func deliver(_ bytes: [UInt8], to port: Int, end: Bool = false) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PGTestFailure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw PGTestFailure("cannot connect to the listener on port \(port): it stopped") }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if end { shutdown(fd, Int32(SHUT_WR)) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { return received }
            received += buffer.prefix(count)
        }
    }
}
