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

    /// The number of terminal columns `text` occupies. Counts characters (grapheme clusters),
    /// which is right for the Latin, Greek and box-drawing text the drawings hold.
    public static func width(_ text: String) -> Int { text.count }

    /// `text` cut to at most `width` columns, ending in `…` when something was removed.
    public static func elide(_ text: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        guard text.count > width else { return text }
        if width == 1 { return "…" }
        return String(text.prefix(width - 1)) + "…"
    }

    /// `text` padded with spaces on the right to `width` columns.
    public static func padRight(_ text: String, to width: Int) -> String {
        let missing = width - text.count
        return missing > 0 ? text + String(repeating: " ", count: missing) : text
    }

    /// `text` padded with spaces on the left to `width` columns.
    public static func padLeft(_ text: String, to width: Int) -> String {
        let missing = width - text.count
        return missing > 0 ? String(repeating: " ", count: missing) + text : text
    }
}
