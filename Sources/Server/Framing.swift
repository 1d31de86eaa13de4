import NIOCore

/// Cuts a TCP byte stream into frames: a 4-byte big-endian length, then the body. A length
/// over the limit, or a stream that ends inside a frame, is an error for that connection.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    let maximum: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard Int(length) <= maximum else { throw FrameError.oversized(Int(length), maximum: maximum) }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        guard let body = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(body))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 { throw FrameError.truncated(buffer.readableBytes) }
        return .needMoreData
    }
}

/// Why a frame was refused.
enum FrameError: Error, CustomStringConvertible {
    case oversized(Int, maximum: Int)
    case truncated(Int)

    var description: String {
        switch self {
        case let .oversized(length, maximum): "frame of \(length) bytes is longer than the limit of \(maximum)"
        case let .truncated(count): "the connection ended inside a frame (\(count) bytes of it arrived)"
        }
    }
}

extension ByteBufferAllocator {
    /// A frame holding `body`.
    func frame(_ body: [UInt8]) -> ByteBuffer {
        var buffer = self.buffer(capacity: body.count + 4)
        buffer.writeInteger(UInt32(body.count))
        buffer.writeBytes(body)
        return buffer
    }
}
