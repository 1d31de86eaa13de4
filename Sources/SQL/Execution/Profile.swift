import Foundation

/// What EXPLAIN ANALYZE measured: for each plan node (numbered in pre-order, root 0), how many
/// rows it produced and how long its `next()` calls took, including its inputs' time.
public final class Profile {
    /// Measurements of one node.
    public struct NodeStats: Sendable, Hashable {
        public var rows: Int = 0
        public var nanoseconds: UInt64 = 0
        /// For a table scan: rows examined and MVCC versions read and skipped.
        public var scan: ScanCounts?
    }

    public private(set) var nodes: [Int: NodeStats] = [:]

    public init() {}

    func record(_ id: Int, produced: Bool, nanoseconds: UInt64, scan: ScanCounts? = nil) {
        var stats = nodes[id] ?? NodeStats()
        if produced { stats.rows += 1 }
        stats.nanoseconds += nanoseconds
        if let scan { stats.scan = scan }
        nodes[id] = stats
    }
}

/// Wraps a cursor to count its rows and time its calls for a `Profile`.
final class ProfiledCursor: RowCursor {
    private let inner: any RowCursor
    private let id: Int
    private let profile: Profile

    init(_ inner: any RowCursor, id: Int, profile: Profile) {
        self.inner = inner
        self.id = id
        self.profile = profile
    }

    func next() throws(SQLError) -> Row? {
        let start = DispatchTime.now().uptimeNanoseconds
        let row = try inner.next()
        let end = DispatchTime.now().uptimeNanoseconds
        profile.record(id, produced: row != nil, nanoseconds: end &- start, scan: inner.scanCounts)
        return row
    }
}
