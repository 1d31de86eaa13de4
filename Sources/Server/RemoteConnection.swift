import Foundation
import Raft
import SQL
#if canImport(Glibc)
import Glibc
#endif

/// A client's connection to a node server, blocking and one request at a time, which is all a
/// REPL session or a workload client needs: send a request, read frames until its answer ends.
public final class RemoteConnection {
    public let address: Address
    /// The node the server runs, from its welcome.
    public private(set) var node: NodeID = 0
    public private(set) var summary = ""
    private var descriptor: Int32 = -1

    /// Connects and says hello.
    /// - Throws: `.unavailable` when nothing listens there or it does not speak the protocol.
    public init(_ address: Address) throws(SQLError) {
        self.address = address
        try open()
        switch try exchange(.hello(name: ClientWire.name, version: ClientWire.version)).last {
        case let .welcome(_, node, summary)?:
            self.node = node
            self.summary = summary
        default:
            close()
            throw SQLError(.unavailable, "\(address) did not welcome us as a cutaway server")
        }
    }

    deinit { close() }

    /// Closes the connection.
    public func close() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
    }

    /// Sends `request` and returns every frame of its answer (a query's `columns`, `rows`…,
    /// then the frame that ends it).
    public func exchange(_ request: ClientWire.Request) throws(SQLError) -> [ClientWire.Response] {
        try sendFrame(request.encoded())
        var frames: [ClientWire.Response] = []
        while true {
            let response = try ClientWire.Response(decoding: try readFrame())
            frames.append(response)
            switch response {
            case .columns, .rows: continue
            case .protocolError(let message):
                close()
                throw SQLError(.unavailable, "the server at \(address) closed the connection: \(message)")
            default: return frames
            }
        }
    }

    // MARK: - Sockets

    private func open() throws(SQLError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address.host, String(address.port), &hints, &list) == 0, let first = list else {
            throw SQLError(.unavailable, "cannot resolve \(address.host)")
        }
        defer { freeaddrinfo(list) }
        var current: UnsafeMutablePointer<addrinfo>? = first
        var lastError: Int32 = 0
        while let info = current {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd >= 0 {
                if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    var one: Int32 = 1
                    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    descriptor = fd
                    return
                }
                lastError = errno
                _ = Glibc.close(fd)
            } else {
                lastError = errno
            }
            current = info.pointee.ai_next
        }
        throw SQLError(.unavailable, "cannot connect to \(address): \(String(cString: strerror(lastError))) (is a cutaway serve running there?)")
    }

    private func sendFrame(_ body: [UInt8]) throws(SQLError) {
        guard descriptor >= 0 else { throw SQLError(.unavailable, "the connection to \(address) is closed") }
        let length = UInt32(body.count)
        let bytes = [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)] + body
        try transfer(bytes.count) { offset in
            bytes.withUnsafeBytes { buffer in
                send(descriptor, buffer.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
        }
    }

    private func readFrame() throws(SQLError) -> [UInt8] {
        let header = try readExactly(4)
        let length = header.reduce(0) { $0 << 8 | Int($1) }
        guard length <= ClientWire.maximumFrame else {
            close()
            throw SQLError(.unavailable, "the server at \(address) sent a frame of \(length) bytes, over the limit")
        }
        return try readExactly(length)
    }

    private func readExactly(_ count: Int) throws(SQLError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try transfer(count) { offset in
            bytes.withUnsafeMutableBytes { buffer in
                recv(descriptor, buffer.baseAddress.map { $0 + offset }, count - offset, 0)
            }
        }
        return bytes
    }

    /// Calls `step(offset)` (one `send` or `recv`) until `count` bytes have moved, retrying
    /// after a signal; a closed or failed socket closes the connection with a clear error.
    private func transfer(_ count: Int, _ step: (_ offset: Int) -> Int) throws(SQLError) {
        var offset = 0
        while offset < count {
            let n = step(offset)
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                close()
                throw SQLError(.unavailable, "lost the connection to \(address) (the statement's outcome is unknown)")
            }
        }
    }
}
