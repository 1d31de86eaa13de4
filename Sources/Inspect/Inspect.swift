/// # Inspect: pictures of the database's insides
///
/// Cutaway exists so a learner can *see* what a database does: which plan the optimizer chose,
/// which versions of a row a transaction's snapshot can see, how a row is laid out as bytes in
/// the key/value store. Every layer below hands out immutable snapshot values (a plan, a list of
/// version chains, the raw key/value pairs of a table); this module turns those values into text.
///
/// The renderers here are *pure*: value in, `String` out. They never read files, clocks or
/// terminals, and hold no state. That keeps them trivially testable (golden files compare their
/// output byte for byte) and lets the same drawing serve the local REPL, a remote client and the
/// lessons alike.
///
/// Conventions every drawing follows:
/// - It fits the width it is given (80 columns by default; wider terminals pass their width),
///   eliding long values with `…` and long chains with a `… N more` marker, never wrapping.
/// - It uses box-drawing characters (`─ │ ┌ ┐ └ ┘ ├ ┤ ┬ ┴ ┼`) for structure, so the shape is
///   visible at a glance.
/// - SQL values are written the way a user would type them back (`'text'`, `NULL`, `TRUE`).

/// Drawing helpers shared by every renderer.
public enum Drawing {
    /// The terminal width drawings fit when none is given.
    public static let defaultWidth = 80

    /// The number of terminal columns `text` occupies: the sum of its graphemes' widths (see
    /// `width(of:)`). Every drawing pads and cuts by this, never by character count, so CJK
    /// and emoji keep columns aligned. Linear in the text; plain ASCII takes a fast path.
    public static func width(_ text: String) -> Int {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text.utf8.count }
        var total = 0
        for character in text { total += width(of: character) }
        return total
    }

    /// The columns one grapheme takes in a terminal: 2 for East Asian wide and fullwidth
    /// characters and for emoji, 0 for a lone combining mark or format character, else 1.
    /// (A base letter with combining marks is one grapheme, as wide as its base.)
    public static func width(of character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        let properties = first.properties
        switch properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if properties.isEmojiPresentation { return 2 }
        // A text-style emoji made emoji-style by a variation selector (☺️) is drawn wide too.
        if properties.isEmoji && first.value > 0xFF && character.unicodeScalars.contains("\u{FE0F}") { return 2 }
        return isWide(first.value) ? 2 : 1
    }

    /// East Asian Wide and Fullwidth blocks (Unicode's EastAsianWidth W and F).
    private static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
             0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF,
             0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// `text` with control characters drawn as their Unicode pictures (a line break as `␊`, a
    /// tab as `␉`), so a value holding one cannot break the line it is drawn on.
    public static func visible(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0..<0x20: out.append(Unicode.Scalar(0x2400 + scalar.value) ?? scalar)
            case 0x7F: out.append("\u{2421}")
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// `text` cut to at most `width` columns, ending in `…` when something was removed.
    public static func elide(_ text: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        guard Drawing.width(text) > width else { return text }
        if width == 1 { return "…" }
        var kept = ""
        var used = 0
        for character in text {
            let w = Drawing.width(of: character)
            if used + w > width - 1 { break }
            kept.append(character)
            used += w
        }
        return kept + "…"
    }

    /// `text` broken into lines of at most `width` columns, between graphemes (a drawing that
    /// must not hide any of a value wraps it rather than cut it).
    public static func wrap(_ text: String, to width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        var used = 0
        for character in text {
            let w = Drawing.width(of: character)
            if used + w > max(1, width) && !line.isEmpty {
                lines.append(line)
                line = ""
                used = 0
            }
            line.append(character)
            used += w
        }
        lines.append(line)
        return lines
    }

    /// `text` broken into lines of at most `width` columns between words (a word longer than
    /// that gets a line of its own), for prose such as help that must not wrap mid-word.
    public static func wordWrap(_ text: String, to width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            let word = String(word)
            if !line.isEmpty && Drawing.width(line) + 1 + Drawing.width(word) > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        lines.append(line)
        return lines
    }

    /// `text` padded with spaces on the right to `width` columns.
    public static func padRight(_ text: String, to width: Int) -> String {
        let missing = width - Drawing.width(text)
        return missing > 0 ? text + String(repeating: " ", count: missing) : text
    }

    /// `text` padded with spaces on the left to `width` columns.
    public static func padLeft(_ text: String, to width: Int) -> String {
        let missing = width - Drawing.width(text)
        return missing > 0 ? String(repeating: " ", count: missing) + text : text
    }
}
