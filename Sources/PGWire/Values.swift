import Foundation
import SQL

/// The PostgreSQL types Cutaway's four types travel as: their OIDs (fixed numbers every
/// driver knows) and sizes.
public struct PGType: Sendable, Equatable {
    public var oid: Int32
    public var size: Int16
    /// What psql's `\d` prints (`format_type`).
    public var name: String

    public static let bool = PGType(oid: 16, size: 1, name: "boolean")
    public static let int8 = PGType(oid: 20, size: 8, name: "bigint")
    public static let float8 = PGType(oid: 701, size: 8, name: "double precision")
    public static let text = PGType(oid: 25, size: -1, name: "text")

    public init(oid: Int32, size: Int16, name: String) {
        self.oid = oid
        self.size = size
        self.name = name
    }

    public init(_ type: DataType) {
        switch type {
        case .boolean: self = .bool
        case .integer: self = .int8
        case .float: self = .float8
        case .string: self = .text
        }
    }

    /// A result column's type, from the first value that is not NULL (text when all are).
    static func of(column index: Int, in rows: [[Value]]) -> PGType {
        for row in rows where index < row.count {
            switch row[index] {
            case .null: continue
            case .boolean: return .bool
            case .integer: return .int8
            case .float: return .float8
            case .string: return .text
            }
        }
        return .text
    }
}

/// One column of a RowDescription.
struct PGColumn: Sendable {
    var name: String
    var type: PGType
    /// Sent in binary format (the client asked for it in Bind).
    var binary = false
}

/// Values to and from the wire: text format (what psql shows) and binary format (what
/// drivers may ask for), and a bound parameter as a SQL literal.
enum PGValues {
    /// PostgreSQL's text output: `t`/`f`, digits, shortest float, the string; nil is NULL.
    static func text(_ value: Value) -> String? {
        switch value {
        case .null: return nil
        case .boolean(let b): return b ? "t" : "f"
        case .integer(let i): return String(i)
        case .float(let d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return "\(d)"
        case .string(let s): return s
        }
    }

    /// Binary format: big-endian integers and IEEE floats, one byte for a bool, UTF-8 text.
    static func binary(_ value: Value) -> [UInt8]? {
        switch value {
        case .null: return nil
        case .boolean(let b): return [b ? 1 : 0]
        case .integer(let i): return bigEndian(UInt64(bitPattern: i))
        case .float(let d): return bigEndian(d.bitPattern)
        case .string(let s): return Array(s.utf8)
        }
    }

    private static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64($0))) }
    }

    /// A bound parameter as the SQL literal it stands for. `oid` is the type the client
    /// declared in Parse (0: unspecified); `binary` is the parameter's format in Bind.
    static func literal(_ bytes: [UInt8]?, oid: Int32, binary: Bool) throws(SQLError) -> String {
        guard let bytes else { return "NULL" }
        if binary {
            switch (oid, bytes.count) {
            case (16, 1): return bytes[0] == 0 ? "FALSE" : "TRUE"
            case (20, 8), (23, 4), (21, 2):
                var value: Int64 = bytes[0] & 0x80 != 0 ? -1 : 0
                for byte in bytes { value = value << 8 | Int64(byte) }
                return integerLiteral(value)
            case (701, 8):
                return floatLiteral(Double(bitPattern: bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }))
            case (700, 4):
                return floatLiteral(Double(Float(bitPattern: bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })))
            case (0, _), (25, _), (1043, _), (19, _), (18, _), (705, _):
                return quoted(String(decoding: bytes, as: UTF8.self))
            default:
                throw SQLError(.type, "binary parameter of type oid \(oid) with \(bytes.count) bytes is not supported; send it in text format")
            }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        switch oid {
        case 20, 21, 23, 26:
            guard let value = Int64(text.trimmingCharacters(in: .whitespaces)) else {
                throw SQLError(.type, "invalid input syntax for type integer: \"\(text)\"")
            }
            return integerLiteral(value)
        case 700, 701, 1700:
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if let value = Int64(trimmed) { return integerLiteral(value) }
            guard let value = Double(trimmed), value.isFinite else {
                throw SQLError(.type, "invalid input syntax for type double precision: \"\(text)\"")
            }
            return floatLiteral(value)
        case 16:
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "t", "true", "y", "yes", "on", "1": return "TRUE"
            case "f", "false", "n", "no", "off", "0": return "FALSE"
            default: throw SQLError(.type, "invalid input syntax for type boolean: \"\(text)\"")
            }
        default:
            return quoted(text)
        }
    }

    // Negative numbers in parentheses: `a-$1` must not become the comment `a--5`.
    private static func integerLiteral(_ value: Int64) -> String { value < 0 ? "(\(value))" : String(value) }

    private static func floatLiteral(_ value: Double) -> String {
        var text = "\(value)"
        if !text.contains(".") && !text.contains("e") { text += ".0" }
        return value < 0 ? "(\(text))" : text
    }

    private static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `statement` with each `$n` outside strings, quoted names and comments replaced by
    /// `literals[n-1]`. A `$n` with no value is an error, as in PostgreSQL.
    static func substitute(_ statement: String, _ literals: [String]) throws(SQLError) -> String {
        let characters = Array(statement)
        var out = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "'", "\"":
                // Copy the quoted text, doubled quotes included, unchanged.
                out.append(character)
                index += 1
                while index < characters.count {
                    out.append(characters[index])
                    if characters[index] == character {
                        if index + 1 < characters.count, characters[index + 1] == character {
                            out.append(character)
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    index += 1
                }
            case "-" where index + 1 < characters.count && characters[index + 1] == "-":
                while index < characters.count, characters[index] != "\n" { out.append(characters[index]); index += 1 }
            case "$" where index + 1 < characters.count && characters[index + 1].isASCII && characters[index + 1].isNumber:
                var end = index + 1
                while end < characters.count, characters[end].isASCII, characters[end].isNumber { end += 1 }
                let number = Int(String(characters[(index + 1)..<end])) ?? 0
                guard number >= 1, number <= literals.count else {
                    throw SQLError(.semantic, "there is no parameter $\(number)",
                                   at: SourcePosition(line: 1, column: index + 1, offset: index))
                }
                out += literals[number - 1]
                index = end
            default:
                out.append(character)
                index += 1
            }
        }
        return out
    }

    /// The highest `$n` in `statement` (how many parameters it takes).
    static func parameterCount(_ statement: String) -> Int {
        var highest = 0
        let characters = Array(statement)
        var index = 0
        var quote: Character?
        while index < characters.count {
            let character = characters[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "$" {
                var end = index + 1
                while end < characters.count, characters[end].isASCII, characters[end].isNumber { end += 1 }
                if end > index + 1, let number = Int(String(characters[(index + 1)..<end])) { highest = max(highest, number) }
            }
            index += 1
        }
        return min(highest, Int(Int16.max))
    }
}
