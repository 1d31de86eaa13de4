import Encoding
import Testing

/// The compact value codec: exact round trips, known byte layouts, and strict rejection.
@Suite struct BinaryCodecTests {
    /// One value of the codec, for random records.
    enum Item: Equatable {
        case uvarint(UInt64), varint(Int64), u64(UInt64), u32(UInt32), double(UInt64), bytes([UInt8]), string(String), bool(Bool)

        func write(_ w: inout BinaryWriter) {
            switch self {
            case .uvarint(let v): w.writeUVarint(v)
            case .varint(let v): w.writeVarint(v)
            case .u64(let v): w.writeUInt64(v)
            case .u32(let v): w.writeUInt32(v)
            case .double(let bits): w.writeDouble(Double(bitPattern: bits))
            case .bytes(let v): w.writeBytes(v)
            case .string(let v): w.writeString(v)
            case .bool(let v): w.writeBool(v)
            }
        }

        func read(_ r: inout BinaryReader) throws(EncodingError) -> Item {
            switch self {
            case .uvarint: return .uvarint(try r.readUVarint())
            case .varint: return .varint(try r.readVarint())
            case .u64: return .u64(try r.readUInt64())
            case .u32: return .u32(try r.readUInt32())
            case .double: return .double(try r.readDouble().bitPattern)  // exact bits, NaN payloads too
            case .bytes: return .bytes(try r.readBytes())
            case .string: return .string(try r.readString())
            case .bool: return .bool(try r.readBool())
            }
        }

        static func random(using rng: inout SplitMix64) -> Item {
            let shift = UInt64.random(in: 0...63, using: &rng)
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: return .uvarint(UInt64.random(in: 0...UInt64.max, using: &rng) >> shift)
            case 1: return .varint(KeyField.randomInt(using: &rng))
            case 2: return .u64(UInt64.random(in: 0...UInt64.max, using: &rng))
            case 3: return .u32(UInt32.random(in: 0...UInt32.max, using: &rng))
            case 4: return .double(KeyField.randomDouble(using: &rng).bitPattern)
            case 5: return .bytes((0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            case 6:
                if case .string(let s) = KeyField.random(.string, using: &rng) { return .string(s) }
                return .string("")
            default: return .bool(Bool.random(using: &rng))
            }
        }
    }

    static func record(_ items: [Item]) -> [UInt8] {
        var w = BinaryWriter()
        for item in items { item.write(&w) }
        return w.bytes
    }

    static func readRecord(_ bytes: [UInt8], like items: [Item]) throws(EncodingError) -> [Item] {
        var r = BinaryReader(bytes)
        var out: [Item] = []
        for item in items { out.append(try item.read(&r)) }
        try r.finish()
        return out
    }

    @Test func randomRecordsRoundTripExactly() throws {
        var rng = SplitMix64(seed: 2024)
        for _ in 0..<2000 {
            let items = (0..<Int.random(in: 0...8, using: &rng)).map { _ in Item.random(using: &rng) }
            #expect(try Self.readRecord(Self.record(items), like: items) == items)
        }
    }

    @Test func varintLayouts() {
        func uv(_ v: UInt64) -> [UInt8] { var w = BinaryWriter(); w.writeUVarint(v); return w.bytes }
        func sv(_ v: Int64) -> [UInt8] { var w = BinaryWriter(); w.writeVarint(v); return w.bytes }
        #expect(uv(0) == [0x00])
        #expect(uv(127) == [0x7F])
        #expect(uv(128) == [0x80, 0x01])
        #expect(uv(UInt64.max) == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(sv(0) == [0x00])
        #expect(sv(-1) == [0x01])
        #expect(sv(1) == [0x02])
        #expect(sv(Int64.min) == uv(UInt64.max))
    }

    @Test func fixedWidthIsBigEndian() {
        var w = BinaryWriter()
        w.writeUInt64(0x0102_0304_0506_0708)
        w.writeUInt32(0x0A0B_0C0D)
        #expect(w.bytes == [1, 2, 3, 4, 5, 6, 7, 8, 0x0A, 0x0B, 0x0C, 0x0D])
    }

    @Test func everyProperPrefixOfARecordIsRejected() throws {
        var rng = SplitMix64(seed: 5)
        for _ in 0..<200 {
            let items = (0..<Int.random(in: 1...5, using: &rng)).map { _ in Item.random(using: &rng) }
            let bytes = Self.record(items)
            for cut in 0..<bytes.count {
                #expect(throws: EncodingError.self) { try Self.readRecord(Array(bytes[0..<cut]), like: items) }
            }
        }
    }

    @Test func overlongAndOverflowingVarintsAreRejected() {
        func read(_ bytes: [UInt8]) throws(EncodingError) -> UInt64 {
            var r = BinaryReader(bytes)
            return try r.readUVarint()
        }
        let overlong = EncodingError(offset: 0, expected: "varint", reason: .overlongVarint)
        #expect(throws: overlong) { try read([0x80, 0x00]) }                        // non-minimal
        #expect(throws: overlong) { try read([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02]) }  // > 64 bits
        #expect(throws: overlong) { try read(Array(repeating: 0x80, count: 10) + [0x01]) }  // 11 bytes
        #expect(throws: EncodingError(offset: 1, expected: "varint", reason: .truncated)) { try read([0x80]) }
    }

    @Test func lengthsBeyondTheInputAndBadUTF8AreRejected() {
        var r = BinaryReader([0x05, 0x61, 0x62])
        #expect(throws: EncodingError(offset: 0, expected: "5 bytes of bytes", reason: .truncated)) { try r.readBytes() }
        var huge = BinaryReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(throws: EncodingError.self) { try huge.readBytes() }
        var s = BinaryReader([0x02, 0xC3, 0x28])
        #expect(throws: EncodingError(offset: 0, expected: "string", reason: .invalidUTF8)) { try s.readString() }
        var b = BinaryReader([0x02])
        #expect(throws: EncodingError(offset: 0, expected: "Bool", reason: .invalidByte(2))) { try b.readBool() }
    }

    @Test func randomGarbageDecodesOrThrows() {
        var rng = SplitMix64(seed: 11)
        var thrown = 0
        for _ in 0..<5000 {
            let garbage = (0..<Int.random(in: 0...20, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let shape = (0..<Int.random(in: 1...4, using: &rng)).map { _ in Item.random(using: &rng) }
            do { _ = try Self.readRecord(garbage, like: shape) } catch { thrown += 1 }
        }
        #expect(thrown > 0)
    }
}
