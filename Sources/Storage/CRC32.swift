/// CRC-32 (the IEEE 802.3 polynomial, as in zlib, PNG and Ethernet), table-driven.
///
/// A checksum stored beside each log record lets the reader tell a record that reached the disk
/// intact from one that was torn by a crash or damaged later. CRC-32 detects every burst of up
/// to 32 flipped bits and all but 1 in 2^32 random corruptions, at a cost of a table lookup per
/// byte. The table holds the CRC of every possible byte value, so the loop handles 8 bits at a
/// time instead of shifting bit by bit; this one uses "slicing by 4" (four tables) to process
/// four bytes per step.
public struct CRC32: Sendable, Hashable {
    /// The checksum of the bytes fed so far.
    public var value: UInt32 { ~state }
    private var state: UInt32 = 0xFFFF_FFFF

    /// A checksum of nothing yet.
    public init() {}

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    /// Feeds `bytes`.
    /// - Complexity: O(bytes.count)
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds the bytes in `buffer`.
    /// - Complexity: O(buffer.count)
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        var crc = state
        var index = 0
        let count = buffer.count
        crcTables.withUnsafeBufferPointer { t in
            while index + 4 <= count {
                crc ^= UInt32(buffer[index]) | UInt32(buffer[index + 1]) << 8
                    | UInt32(buffer[index + 2]) << 16 | UInt32(buffer[index + 3]) << 24
                crc = t[768 + Int(crc & 0xFF)] ^ t[512 + Int((crc >> 8) & 0xFF)]
                    ^ t[256 + Int((crc >> 16) & 0xFF)] ^ t[Int(crc >> 24)]
                index += 4
            }
            while index < count {
                crc = t[Int((crc ^ UInt32(buffer[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
        }
        state = crc
    }
}

/// Four 256-entry tables, back to back. Table 0 is the CRC of each byte value (reflected
/// polynomial 0xEDB88320); table k is the CRC of that byte followed by k zero bytes, which is
/// what lets one step fold in four bytes.
private let crcTables: [UInt32] = {
    var tables = [UInt32](repeating: 0, count: 1024)
    for byte in 0..<256 {
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        tables[byte] = crc
    }
    for byte in 0..<256 {
        for table in 1..<4 {
            let previous = tables[(table - 1) * 256 + byte]
            tables[table * 256 + byte] = tables[Int(previous & 0xFF)] ^ (previous >> 8)
        }
    }
    return tables
}()
