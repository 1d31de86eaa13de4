import SQL
import NIOCore

/// One message from a client: the startup packet (no type byte; its first field is a code
/// saying what it is) or a typed message.
enum PGFrontendMessage: Sendable {
    case startup(code: UInt32, body: [UInt8])
    case typed(type: UInt8, body: [UInt8])
}

/// Startup packet codes.
enum PGStartupCode {
    static let protocol3: UInt32 = 196_608
    static let sslRequest: UInt32 = 80_877_103
    static let gssRequest: UInt32 = 80_877_104
    static let cancelRequest: UInt32 = 80_877_102
}

/// Why a client's bytes were refused; the connection answers with an error and closes.
struct PGProtocolError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Cuts the byte stream into messages. Until the startup packet has been read (an
/// `SSLRequest` comes before it) messages have no type byte. A length below the header's or
/// above `maximum`, or a stream that ends inside a message, is a protocol error.
struct PGMessageDecoder: ByteToMessageDecoder {
    typealias InboundOut = PGFrontendMessage
    static let maximumStartup = 10_000
    let maximum: Int
    private var inStartup = true

    init(maximum: Int) { self.maximum = maximum }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let start = buffer.readerIndex
        if inStartup {
            guard let length = buffer.getInteger(at: start, as: UInt32.self) else { return .needMoreData }
            guard length >= 8, length <= Self.maximumStartup else {
                throw PGProtocolError("invalid startup packet length \(length)")
            }
            guard buffer.readableBytes >= Int(length),
                  let code = buffer.getInteger(at: start + 4, as: UInt32.self),
                  let body = buffer.getBytes(at: start + 8, length: Int(length) - 8) else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: Int(length))
            // After SSLRequest/GSSENCRequest comes the real startup packet.
            if code != PGStartupCode.sslRequest && code != PGStartupCode.gssRequest { inStartup = false }
            context.fireChannelRead(wrapInboundOut(.startup(code: code, body: body)))
            return .continue
        }
        guard let type = buffer.getInteger(at: start, as: UInt8.self),
              let length = buffer.getInteger(at: start + 1, as: UInt32.self) else { return .needMoreData }
        guard length >= 4 else { throw PGProtocolError("invalid message length \(length)") }
        guard Int(length) <= maximum else {
            throw PGProtocolError("message of \(length) bytes is longer than the limit of \(maximum)")
        }
        guard buffer.readableBytes >= 1 + Int(length),
              let body = buffer.getBytes(at: start + 5, length: Int(length) - 4) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 1 + Int(length))
        context.fireChannelRead(wrapInboundOut(.typed(type: type, body: body)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            throw PGProtocolError("the connection ended inside a message (\(buffer.readableBytes) bytes of it arrived)")
        }
        return .needMoreData
    }
}

/// Reads a message body's fields; running past the end is a protocol error, never a crash.
struct PGBodyReader {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { index >= bytes.count }

    mutating func byte() throws(PGProtocolError) -> UInt8 {
        guard index < bytes.count else { throw PGProtocolError("message too short") }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func int16() throws(PGProtocolError) -> Int16 {
        Int16(bitPattern: UInt16(try byte()) << 8 | UInt16(try byte()))
    }

    mutating func int32() throws(PGProtocolError) -> Int32 {
        var value: UInt32 = 0
        for _ in 0..<4 { value = value << 8 | UInt32(try byte()) }
        return Int32(bitPattern: value)
    }

    mutating func bytes(_ count: Int) throws(PGProtocolError) -> [UInt8] {
        guard count >= 0, count <= bytes.count - index else { throw PGProtocolError("message too short") }
        defer { index += count }
        return Array(bytes[index..<index + count])
    }

    /// A NUL-terminated UTF-8 string.
    mutating func cString() throws(PGProtocolError) -> String {
        guard let end = bytes[index...].firstIndex(of: 0) else { throw PGProtocolError("unterminated string in message") }
        defer { index = end + 1 }
        return String(decoding: bytes[index..<end], as: UTF8.self)
    }

    /// A count that must be non-negative and small enough to be real.
    mutating func count() throws(PGProtocolError) -> Int {
        let n = Int(try int16())
        guard n >= 0 else { throw PGProtocolError("negative count \(n)") }
        return n
    }
}

/// Writes backend messages into one buffer, flushed at Sync or the end of a simple query.
struct PGMessageWriter {
    var buffer: ByteBuffer

    /// A message: type byte, length (patched once the body is written), body.
    mutating func message(_ type: Character, _ body: (inout ByteBuffer) -> Void) {
        buffer.writeInteger(UInt8(ascii: type.unicodeScalars.first ?? "?"))
        let lengthAt = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        body(&buffer)
        buffer.setInteger(UInt32(buffer.writerIndex - lengthAt), at: lengthAt)
    }

    mutating func authenticationOk() { message("R") { $0.writeInteger(Int32(0)) } }
    mutating func authenticationCleartext() { message("R") { $0.writeInteger(Int32(3)) } }
    mutating func authenticationMD5(salt: [UInt8]) {
        message("R") { $0.writeInteger(Int32(5)); $0.writeBytes(salt) }
    }

    mutating func parameterStatus(_ name: String, _ value: String) {
        message("S") { $0.writeCString(name); $0.writeCString(value) }
    }

    mutating func backendKeyData(processID: Int32, secret: Int32) {
        message("K") { $0.writeInteger(processID); $0.writeInteger(secret) }
    }

    /// `I` idle, `T` in a transaction, `E` in a failed transaction.
    mutating func readyForQuery(_ status: Character) {
        message("Z") { $0.writeInteger(UInt8(ascii: status.unicodeScalars.first ?? "I")) }
    }

    mutating func rowDescription(_ columns: [PGColumn]) {
        message("T") { out in
            out.writeInteger(Int16(clamping: columns.count))
            for column in columns {
                out.writeCString(column.name)
                out.writeInteger(Int32(0))       // table oid
                out.writeInteger(Int16(0))       // column number
                out.writeInteger(column.type.oid)
                out.writeInteger(column.type.size)
                out.writeInteger(Int32(-1))      // type modifier
                out.writeInteger(column.binary ? Int16(1) : Int16(0))
            }
        }
    }

    mutating func dataRow(_ row: [Value], columns: [PGColumn]) {
        message("D") { out in
            out.writeInteger(Int16(clamping: row.count))
            for (index, value) in row.enumerated() {
                let binary = index < columns.count && columns[index].binary
                guard let bytes = binary ? PGValues.binary(value) : PGValues.text(value).map({ Array($0.utf8) }) else {
                    out.writeInteger(Int32(-1))
                    continue
                }
                out.writeInteger(Int32(clamping: bytes.count))
                out.writeBytes(bytes)
            }
        }
    }

    mutating func commandComplete(_ tag: String) { message("C") { $0.writeCString(tag) } }
    mutating func emptyQuery() { message("I") { _ in } }
    mutating func parseComplete() { message("1") { _ in } }
    mutating func bindComplete() { message("2") { _ in } }
    mutating func closeComplete() { message("3") { _ in } }
    mutating func noData() { message("n") { _ in } }
    mutating func portalSuspended() { message("s") { _ in } }

    mutating func parameterDescription(_ oids: [Int32]) {
        message("t") { out in
            out.writeInteger(Int16(clamping: oids.count))
            for oid in oids { out.writeInteger(oid) }
        }
    }

    /// An ErrorResponse (`E`) or, with severity WARNING/NOTICE, a NoticeResponse (`N`).
    /// `position` is 1-based, in characters of the query string, as PostgreSQL sends it.
    mutating func error(_ fields: PGErrorFields, severity: String = "ERROR", position: Int? = nil) {
        message(severity == "ERROR" || severity == "FATAL" ? "E" : "N") { out in
            func field(_ code: Character, _ text: String) {
                out.writeInteger(UInt8(ascii: code.unicodeScalars.first ?? "M"))
                out.writeCString(text)
            }
            field("S", severity)
            field("V", severity)
            field("C", fields.code)
            field("M", fields.message)
            if let hint = fields.hint { field("H", hint) }
            if let position { field("P", String(position)) }
            out.writeInteger(UInt8(0))
        }
    }
}

extension ByteBuffer {
    mutating func writeCString(_ text: String) {
        // A NUL inside a value would end the field early; PostgreSQL has none in text either.
        writeString(text.replacingOccurrences(of: "\0", with: ""))
        writeInteger(UInt8(0))
    }
}
