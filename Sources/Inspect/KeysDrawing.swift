/// # Drawing how rows are stored
///
/// The SQL layer stores everything in one ordered key/value map. A row lives under a key made of
/// the table name and its primary key, an index entry under the table, column and indexed value;
/// MVCC appends the writing version to each key. The key encoding is *order-preserving*: sorting
/// the encoded bytes sorts by table, then by primary key, so a table scan is one range scan.
///
/// `.keys TABLE` shows each stored pair: the bytes of the key in hex beside what they decode to.

import Encoding

/// One stored key/value pair, decoded for display.
public struct StoredPair: Sendable, Hashable {
    /// The key exactly as stored.
    public var key: [UInt8]
    /// What the key means, such as `row t 1 @v3`.
    public var decodedKey: String
    /// What the value means (a row, index entry, or tombstone).
    public var decodedValue: String
    /// The key in labelled pieces that concatenate to `key` (empty: drawn as plain hex).
    public var segments: [KeySegment]

    public init(key: [UInt8], decodedKey: String, decodedValue: String, segments: [KeySegment] = []) {
        self.key = key
        self.decodedKey = decodedKey
        self.decodedValue = decodedValue
        self.segments = segments
    }
}

/// Renders stored pairs: per pair the decoded key, then the whole key in hex (wrapped, never
/// cut: the bytes are the point) and the decoded value.
public enum KeysDrawing {
    /// The most pairs drawn before the rest are elided.
    public static let maxPairs = 50

    /// The pairs fitted to `width` columns.
    public static func draw(_ pairs: [StoredPair], more: Bool = false, width: Int = Drawing.defaultWidth) -> String {
        guard !pairs.isEmpty else { return "(no keys)\n" }
        let keyWidth = min(28, max(3, pairs.prefix(maxPairs).map { Drawing.width($0.decodedKey) }.max() ?? 3))
        // "│ " key " │ " "value " hex " │"
        let hexWidth = max(8, (width - keyWidth - 7 - 6) / 2 * 2)
        var rows: [[String]] = []
        var rules: Set<Int> = []
        // The first key of each kind (schema, index entry, row) is drawn part by part; the
        // rest repeat its shape, so they stay compact.
        var labelledKinds: Set<String> = []
        for pair in pairs.prefix(maxPairs) {
            rules.insert(rows.count)
            let kind = pair.segments.count > 1 ? pair.segments[1].meaning : ""
            if !pair.segments.isEmpty && pair.segments.flatMap(\.bytes) == pair.key && labelledKinds.insert(kind).inserted {
                rows += segmentRows(pair, room: hexWidth + 6)
                rows.append(["", Drawing.elide("value " + pair.decodedValue, to: hexWidth + 6)])
                continue
            }
            let hex = hexString(pair.key)
            var chunks: [String] = []
            var rest = Substring(hex)
            while !rest.isEmpty {
                chunks.append(String(rest.prefix(hexWidth)))
                rest = rest.dropFirst(hexWidth)
            }
            for (i, chunk) in chunks.enumerated() {
                rows.append([i == 0 ? pair.decodedKey : "", (i == 0 ? "key   " : "      ") + chunk])
            }
            rows.append(["", Drawing.elide("value " + pair.decodedValue, to: hexWidth + 6)])
        }
        if pairs.count > maxPairs {
            rules.insert(rows.count)
            rows.append(["…", "\(pairs.count - maxPairs) more keys"])
        } else if more {
            rules.insert(rows.count)
            rows.append(["…", "more keys"])
        }
        var table = BoxTable(headers: ["stored key", "bytes (hex) and decoded value"], rows: rows, rulesBefore: rules)
        table.shrinkFirst = [0]
        let note = labelledKinds.isEmpty ? ""
            : "The first key of each kind is drawn part by part. Inside the MVCC key every 00\n"
            + "byte of the SQL key is written 00 ff, so 00 00 can only mean the end of the key.\n"
        return table.draw(width: width) + note
    }

    /// One line per segment of the key: its hex (wrapped when long), then what it means.
    static func segmentRows(_ pair: StoredPair, room: Int) -> [[String]] {
        let longest = pair.segments.map { $0.bytes.count * 2 }.max() ?? 0
        let hexColumn = max(8, min(longest, room / 3) / 2 * 2)
        var rows: [[String]] = []
        for segment in pair.segments {
            var rest = Substring(hexString(segment.bytes))
            var first = true
            repeat {
                let chunk = String(rest.prefix(hexColumn))
                rest = rest.dropFirst(hexColumn)
                let meaning = first ? "  " + segment.meaning : ""
                rows.append([rows.isEmpty ? pair.decodedKey : "", Drawing.padRight(chunk, to: hexColumn) + meaning])
                first = false
            } while !rest.isEmpty
        }
        return rows
    }
}

/// Renders a titled list of properties (`.status`): one `name │ value` line each.
public enum PropertiesDrawing {
    /// Groups of properties, each with a title, fitted to `width`.
    public static func draw(_ groups: [(title: String, properties: [(String, String)])],
                            width: Int = Drawing.defaultWidth) -> String {
        var rows: [[String]] = []
        var rules: Set<Int> = []
        for group in groups {
            rules.insert(rows.count)
            rows.append([group.title, ""])
            for (name, value) in group.properties { rows.append(["  " + name, value]) }
        }
        var table = BoxTable(headers: ["", ""], rows: rows, rulesBefore: rules)
        table.showsHeader = false
        return table.draw(width: width)
    }

    /// A byte count for people: `512 B`, `1.5 KiB`, `3.2 MiB`.
    public static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var value = Double(n) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
