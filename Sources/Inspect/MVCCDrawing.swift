/// # Drawing MVCC version chains
///
/// Under multi-version concurrency control a write never overwrites: it adds a new *version* of
/// the key, stamped with the writing transaction's version number. A transaction reads through
/// a *snapshot* — the versions committed before it began, minus those of transactions still
/// running at that moment, plus its own writes. So the same key can look different to two
/// sessions at once, and a delete is just one more version: a *tombstone*.
///
/// `.mvcc TABLE` draws, for every row and index entry of a table, its chain of versions oldest
/// first, and for each session whether its snapshot sees that version and why.

import Storage

/// Whether a viewer's snapshot sees one version, and why: MVCC's own answer, drawn here.
public typealias VersionVisibility = Visibility

extension Visibility {
    /// Whether the viewer reads this version.
    public var isSeen: Bool { self == .visible || self == .ownWrite }

    /// A short mark for matrix cells.
    public var mark: String {
        switch self {
        case .visible: "✓ sees"
        case .ownWrite: "✓ own"
        case .shadowed: "· older"
        case .activeAtStart: "✗ active"
        case .writtenLater: "✗ later"
        case .uncommitted: "✗ uncommitted"
        }
    }

    /// The reason, in words (short enough for an 80-column drawing).
    public var reason: String {
        switch self {
        case .visible: "✓ committed earlier"
        case .shadowed: "· replaced by newer"
        case .ownWrite: "✓ own write"
        case .activeAtStart: "✗ writer was active"
        case .writtenLater: "✗ written after start"
        case .uncommitted: "✗ not committed yet"
        }
    }
}

/// One version in a chain, as the drawing needs it.
public struct ChainVersion: Sendable, Hashable {
    /// The version number, which is also the writing transaction's id.
    public var version: UInt64
    /// The decoded value; nil for a tombstone (a delete).
    public var value: String?
    /// One entry per viewer, in the order of `MVCCPicture.viewers`.
    public var visibility: [VersionVisibility]

    public init(version: UInt64, value: String?, visibility: [VersionVisibility]) {
        self.version = version
        self.value = value
        self.visibility = visibility
    }
}

/// The versions of one key (a row or an index entry), oldest first.
public struct VersionChain: Sendable, Hashable {
    /// The decoded key, such as `row 1` or `index name='ann'`.
    public var key: String
    public var versions: [ChainVersion]

    public init(key: String, versions: [ChainVersion]) {
        self.key = key
        self.versions = versions
    }
}

/// Everything `.mvcc` shows: the viewers (sessions) and the chains.
public struct MVCCPicture: Sendable, Hashable {
    /// Viewer names, such as `default`.
    public var viewers: [String]
    /// What each viewer is reading in, such as `txn 7` or `autocommit` (same order).
    public var snapshots: [String]
    /// The viewer who asked (its column is marked), an index into `viewers`.
    public var current: Int
    public var chains: [VersionChain]
    /// Whether the table has more keys than `chains` holds (a big table is drawn in part).
    public var moreChains = false

    public init(viewers: [String], snapshots: [String], current: Int, chains: [VersionChain]) {
        self.viewers = viewers
        self.snapshots = snapshots
        self.current = current
        self.chains = chains
    }
}

/// Renders `MVCCPicture`s: with one viewer a column of reasons, with several a matrix of marks.
public enum MVCCDrawing {
    /// The most versions of one chain drawn before older ones are elided.
    public static let maxVersionsPerChain = 6
    /// The most chains (keys) drawn before the rest are counted in a closing marker.
    public static let maxChains = 40

    /// The picture fitted to `width` columns.
    public static func draw(_ picture: MVCCPicture, width: Int = Drawing.defaultWidth) -> String {
        guard !picture.chains.isEmpty else { return "(no versions)\n" }
        let single = picture.viewers.count <= 1
        // Two versions of a row may differ only at their end: cutting values to fit would hide
        // the difference the drawing exists to show. When the columns do not fit, each value
        // goes on a line of its own under its version, wrapped if need be, never cut.
        var table = layout(picture, valuesUnder: false)
        if table.naturalWidth > width { table = layout(picture, valuesUnder: true) }
        let hidden = picture.chains.count > maxChains ? "\(picture.chains.count - maxChains) more keys"
            : picture.moreChains ? "more keys" : nil
        var out = table.draw(width: width)
        if let hidden { out += "… \(hidden) not drawn; .mvcc TABLE KEY draws one row and its index entries\n" }
        out += "vN: the version written by transaction N\n"
        if single, let viewer = picture.viewers.first {
            let snapshot = picture.snapshots.first.map { " (\($0))" } ?? ""
            out += "\(viewer)\(snapshot) sees versions committed before it began, and its own writes\n"
        }
        if !single {
            let sessions = zip(picture.viewers, picture.snapshots).enumerated().map { i, pair in
                pair.0 + (i == picture.current ? "*" : "") + " (\(pair.1))"
            }
            // Many sessions make a long list: it wraps between sessions, not past the width.
            var line = "sessions:"
            for (i, session) in sessions.enumerated() {
                let piece = " " + session + (i == sessions.count - 1 ? "  (* is you)" : ",")
                if Drawing.width(line + piece) > width && line != "sessions:" {
                    out += line + "\n"
                    line = "         "
                }
                line += piece
            }
            out += line + "\n"
            out += "✓ sees / ✓ own: that session reads it · older: a newer visible one hides it\n"
            out += "✗ active: its writer ran when the session began · ✗ later: written after that\n"
        }
        return out
    }

    /// The drawing's table: values in a column of their own, or under each version.
    static func layout(_ picture: MVCCPicture, valuesUnder: Bool) -> BoxTable {
        let single = picture.viewers.count <= 1
        var headers = valuesUnder ? ["key", "version"] : ["key", "version", "value"]
        if single {
            headers.append("seen by " + (picture.viewers.first ?? "you"))
        } else {
            for (i, name) in picture.viewers.enumerated() {
                headers.append(i == picture.current ? name + "*" : name)
            }
        }
        var rows: [[String]] = []
        var rules: Set<Int> = []
        var spanning: Set<Int> = []
        func under(_ text: String) {
            spanning.insert(rows.count)
            rows.append([text])
        }
        for chain in picture.chains.prefix(maxChains) {
            rules.insert(rows.count)
            var first = true
            for item in elided(chain.versions) {
                let key = first ? chain.key : ""
                first = false
                switch item {
                case .more(let n):
                    let more = "\(n) more version\(n == 1 ? "" : "s")"
                    rows.append(valuesUnder ? [key, "…"] : [key, "…", more])
                    if valuesUnder { under("  … " + more) }
                case .version(let v):
                    let value = v.value ?? "⌫ tombstone"
                    var row = valuesUnder ? [key, "v\(v.version)"] : [key, "v\(v.version)", value]
                    if single {
                        row.append(v.visibility.first?.reason ?? "")
                    } else {
                        row += v.visibility.map(\.mark)
                    }
                    rows.append(row)
                    if valuesUnder { under("  v\(v.version): " + value) }
                }
            }
        }
        if picture.chains.count > maxChains || picture.moreChains {
            rules.insert(rows.count)
            rows.append(["…", "", ""])
        }
        var table = BoxTable(headers: headers, rows: rows, rulesBefore: rules)
        table.spanningRows = spanning
        // The reasons are the point of the drawing: shorten keys and values before them.
        table.shrinkFirst = valuesUnder ? [0] : single ? [0, 2] : [2]
        return table
    }

    enum Item: Equatable { case version(ChainVersion), more(Int) }

    /// The newest versions and any version some viewer reads; older runs become one marker.
    static func elided(_ versions: [ChainVersion]) -> [Item] {
        guard versions.count > maxVersionsPerChain else { return versions.map(Item.version) }
        let keepFrom = versions.count - (maxVersionsPerChain - 1)
        var items: [Item] = []
        var skipped = 0
        for (i, v) in versions.enumerated() {
            if i >= keepFrom || v.visibility.contains(where: \.isSeen) {
                if skipped > 0 { items.append(.more(skipped)); skipped = 0 }
                items.append(.version(v))
            } else {
                skipped += 1
            }
        }
        if skipped > 0 { items.append(.more(skipped)) }
        return items
    }
}
