import Encoding

/// One field of a test key: the value, plus the model of how it should compare and round-trip.
enum KeyField: CustomStringConvertible {
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case optionalInt(Int64?)
    case tag(UInt8)

    /// Which kind of field, for tuple schemas.
    enum Kind: CaseIterable { case bool, int, uint, double, string, bytes, optionalInt, tag }

    var description: String {
        switch self {
        case .bool(let v): return "bool(\(v))"
        case .int(let v): return "int(\(v))"
        case .uint(let v): return "uint(\(v))"
        case .double(let v): return "double(\(v), bits=\(String(v.bitPattern, radix: 16)))"
        case .string(let v): return "string(\(Array(v.utf8)))"
        case .bytes(let v): return "bytes(\(v))"
        case .optionalInt(let v): return "optionalInt(\(v.map(String.init) ?? "nil"))"
        case .tag(let v): return "tag(\(v))"
        }
    }

    func encode(into encoder: inout KeyEncoder) {
        switch self {
        case .bool(let v): encoder.append(v)
        case .int(let v): encoder.append(v)
        case .uint(let v): encoder.append(v)
        case .double(let v): encoder.append(v)
        case .string(let v): encoder.append(v)
        case .bytes(let v): encoder.append(bytes: v)
        case .optionalInt(let v): encoder.appendOptional(v) { $0.append($1) }
        case .tag(let v): encoder.appendTag(v)
        }
    }

    static func decode(_ kind: Kind, from decoder: inout KeyDecoder) throws(EncodingError) -> KeyField {
        switch kind {
        case .bool: return .bool(try decoder.readBool())
        case .int: return .int(try decoder.readInt64())
        case .uint: return .uint(try decoder.readUInt64())
        case .double: return .double(try decoder.readDouble())
        case .string: return .string(try decoder.readString())
        case .bytes: return .bytes(try decoder.readBytes())
        case .optionalInt: return .optionalInt(try decoder.readOptional { (d: inout KeyDecoder) throws(EncodingError) in try d.readInt64() })
        case .tag: return .tag(try decoder.readTag())
        }
    }

    /// The logical order the encoding must reproduce (-1, 0, 1). Doubles use the documented total
    /// order (every NaN equal and last, -0.0 just below 0.0); strings compare by code point.
    static func compare(_ a: KeyField, _ b: KeyField) -> Int {
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return order(x ? 1 : 0, y ? 1 : 0)
        case (.int(let x), .int(let y)): return order(x, y)
        case (.uint(let x), .uint(let y)): return order(x, y)
        case (.double(let x), .double(let y)):
            if x.isNaN || y.isNaN { return order(x.isNaN ? 1 : 0, y.isNaN ? 1 : 0) }
            if x == y && x == 0 { return order(x.sign == .minus ? 0 : 1, y.sign == .minus ? 0 : 1) }
            return order(x, y)
        case (.string(let x), .string(let y)): return lexicographic(Array(x.utf8), Array(y.utf8))
        case (.bytes(let x), .bytes(let y)): return lexicographic(x, y)
        case (.optionalInt(let x), .optionalInt(let y)):
            switch (x, y) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let p?, let q?): return order(p, q)
            }
        case (.tag(let x), .tag(let y)): return order(x, y)
        default: preconditionFailure("comparing fields of different kinds: \(a) and \(b)")
        }
    }

    /// Exact round-trip equality (doubles by bit pattern, any NaN equal to any NaN).
    static func identical(_ a: KeyField, _ b: KeyField) -> Bool {
        switch (a, b) {
        case (.double(let x), .double(let y)):
            return (x.isNaN && y.isNaN) || x.bitPattern == y.bitPattern
        default:
            return compare(a, b) == 0
        }
    }

    static func random(_ kind: Kind, using rng: inout SplitMix64) -> KeyField {
        switch kind {
        case .bool: return .bool(Bool.random(using: &rng))
        case .int: return .int(randomInt(using: &rng))
        case .uint:
            let specials: [UInt64] = [0, 1, 255, 256, UInt64.max, UInt64.max - 1, 1 << 63]
            return .uint(Int.random(in: 0..<4, using: &rng) == 0
                ? specials[Int.random(in: 0..<specials.count, using: &rng)]
                : UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...63, using: &rng))
        case .double: return .double(randomDouble(using: &rng))
        case .string:
            let alphabet: [String] = ["", "\0", "a", "b", "z", "é", "ÿ", "\u{7F}", "\u{100}", "🙂", "中", " "]
            let count = Int.random(in: 0...5, using: &rng)
            return .string((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }.joined())
        case .bytes:
            let alphabet: [UInt8] = [0x00, 0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF, 0xFF]
            let count = Int.random(in: 0...6, using: &rng)
            return .bytes((0..<count).map { _ in
                Bool.random(using: &rng) ? alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] : UInt8.random(in: 0...255, using: &rng)
            })
        case .optionalInt:
            return .optionalInt(Int.random(in: 0..<4, using: &rng) == 0 ? nil : randomInt(using: &rng))
        case .tag: return .tag(UInt8.random(in: 0...4, using: &rng))
        }
    }

    static func randomInt(using rng: inout SplitMix64) -> Int64 {
        let specials: [Int64] = [0, 1, -1, Int64.min, Int64.max, Int64.min + 1, Int64.max - 1, 255, -256]
        if Int.random(in: 0..<4, using: &rng) == 0 { return specials[Int.random(in: 0..<specials.count, using: &rng)] }
        let magnitude = Int64.random(in: 0...Int64.max, using: &rng) >> Int64.random(in: 0...62, using: &rng)
        return Bool.random(using: &rng) ? magnitude : -magnitude
    }

    static func randomDouble(using rng: inout SplitMix64) -> Double {
        let specials: [Double] = [0.0, -0.0, .infinity, -.infinity, .nan, -Double.nan,
                                  Double(nan: 0x1234, signaling: false), -Double(nan: 7, signaling: true),
                                  .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
                                  .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1.0, -1.0, 0.5]
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: return specials[Int.random(in: 0..<specials.count, using: &rng)]
        case 1: return Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng))
        default: return Double(Int.random(in: -1000...1000, using: &rng)) / 8
        }
    }
}

func order<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : (a == b ? 0 : 1) }

func lexicographic(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a == b ? 0 : (a.lexicographicallyPrecedes(b) ? -1 : 1)
}

/// Encodes a tuple of fields as one key.
func encodeTuple(_ fields: [KeyField]) -> [UInt8] {
    var encoder = KeyEncoder()
    for field in fields { field.encode(into: &encoder) }
    return encoder.bytes
}

/// Decodes a key with the given schema, requiring every byte to be used.
func decodeTuple(_ bytes: [UInt8], schema: [KeyField.Kind]) throws(EncodingError) -> [KeyField] {
    var decoder = KeyDecoder(bytes)
    var out: [KeyField] = []
    for kind in schema { out.append(try KeyField.decode(kind, from: &decoder)) }
    try decoder.finish()
    return out
}

/// Tuple order: field by field, like Swift tuples.
func compareTuples(_ a: [KeyField], _ b: [KeyField]) -> Int {
    for (x, y) in zip(a, b) {
        let c = KeyField.compare(x, y)
        if c != 0 { return c }
    }
    return order(a.count, b.count)
}
