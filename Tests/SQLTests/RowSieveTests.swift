@testable import SQL
import Synchronization
import Testing

/// A top-N or a semi-join hands the table scan below it a sieve on one column, and the scan
/// builds no row the sieve rejects. The answers must be exactly those without the sieve, and
/// the sieve must really spare the rows (counted by the scan, not timed).
struct RowSieveTests {
    /// `t(id, a, b)`: `a` integers with duplicates and NULLs, `b` floats (with -0.0) or NULL.
    static func engine(rows: Int, seed: UInt64) throws -> any Engine {
        var rng = ValueTestGenerator(seed: seed)
        let engine = try LocalEngine.memory()
        let txn = try engine.begin()
        try txn.createTable(table)
        try txn.insert(table: "t", rows: (0..<rows).map { i in
            let a = rng.next() % 200, b = rng.next() % 30
            return [.integer(Int64(i)), a == 0 ? .null : .integer(Int64(a)),
                    b == 0 ? .null : .float(b == 1 ? -0.0 : Double(b) / 4)]
        })
        try txn.commit()
        return engine
    }

    static let table = Table(name: "t", primaryKey: 0, columns: [
        Column(name: "id", dataType: .integer, nullable: false),
        Column(name: "a", dataType: .integer), Column(name: "b", dataType: .float),
    ])
    static let scan = Node.scan(table: table, alias: nil, filter: nil)

    static func rows(_ plan: Node, _ txn: any Transaction) throws -> [Row] {
        guard case .query(_, let rows) = try Executor(transaction: txn).execute(.select(plan)) else { return [] }
        return rows
    }

    /// Bounded sorts over a scan (where the sieve applies) give exactly the first rows of the
    /// full stable sort (where it does not): one and two keys, both directions, ties, NULLs.
    @Test func boundedSortsOverAScanMatchTheFullSort() throws {
        let engine = try Self.engine(rows: 6_000, seed: 3)
        let txn = try engine.beginReadOnly(asOf: nil)
        var rng = ValueTestGenerator(seed: 11)
        for round in 0..<12 {
            let column = 1 + Int(rng.next() % 2)
            let first = OrderKey(.column(column), rng.next() % 2 == 0 ? .ascending : .descending)
            let second = OrderKey(.column(3 - column), rng.next() % 2 == 0 ? .ascending : .descending)
            let keys = round % 3 == 0 ? [first] : [first, second]
            // Through a projection too, as `SELECT id, a, b … ORDER BY` plans it.
            let source = round % 2 == 0 ? Self.scan
                : .projection(source: Self.scan, expressions: [.column(2), .column(0), .column(1)], labels: ["b", "id", "a"].map { Label(name: $0) })
            let mapped = round % 2 == 0 ? keys : keys.map { key in
                guard case .column(let c) = key.expression else { return key }
                return OrderKey(.column([1, 2, 0][c]), key.direction)
            }
            let k = 1 + Int(rng.next() % 30)
            let full = try Self.rows(.order(source: source, keys: mapped), txn)
            let bounded = try Self.rows(.limit(source: .order(source: source, keys: mapped), count: k), txn)
            #expect(bounded == Array(full.prefix(k)), "round \(round): keys \(mapped), limit \(k)")
        }
    }

    /// With ORDER BY … LIMIT 5 over 6,000 rows the scan builds only the rows that could still
    /// make the cut: those it reads before the sort has a worst row to beat, then none.
    @Test func aBoundedSortSparesTheScanMostRows() throws {
        let engine = try Self.engine(rows: 6_000, seed: 5)
        let txn = try engine.beginReadOnly(asOf: nil)
        let scan = try txn.scan(table: "t", filter: nil, reading: nil)
        let sort = SortCursor(scan, keys: [OrderKey(.column(0), .ascending)], keep: 5)
        var ids: [Value] = []
        while let row = try sort.next() { ids.append(row[0]) }
        #expect(ids == (0..<5).map { .integer(Int64($0)) })
        // The sort first cuts its buffer back at 2 × 5 + 1,024 rows, when the scan has read
        // ahead to the end of a batch (16 + 32 + … + 1,024 = 2,032 rows); every later id is
        // larger than the worst one kept, and no later row is built.
        #expect(scan.scanCounts?.examined == 2_032)
    }

    /// A semi-join's scan builds only the rows whose key is in the set (an anti-join's, only
    /// those whose key is not), and the answers are those of testing each row.
    @Test func aSemiJoinSparesTheScanTheRowsThatDoNotMatch() throws {
        let engine = try Self.engine(rows: 3_000, seed: 9)
        let txn = try engine.beginReadOnly(asOf: nil)
        let all = try Self.rows(Self.scan, txn)
        let integers: [Value] = [.integer(5), .integer(7), .integer(11), .null]
        let mixed: [Value] = [.integer(5), .float(7), .integer(11), .null, .float(12.5)]
        for (members, anti) in [(integers, false), (integers, true), (mixed, false), (mixed, true)] {
            let scan = try txn.scan(table: "t", filter: nil, reading: nil)
            let join = SemiJoinCursor(left: scan, leftColumn: 1, right: ArrayCursor(members.map { [$0] }),
                                      rightColumn: 0, anti: anti)
            var rows: [Row] = []
            while let row = try join.next() { rows.append(row) }
            let expected = all.filter { row in [.integer(5), .integer(7), .integer(11)].contains(row[1]) != anti }
            #expect(rows == expected)
            #expect(scan.scanCounts?.examined == expected.count)
        }
    }

    /// A sieve that rejects every row must not keep a cancelled statement from stopping.
    @Test func aCancelledBoundedSortStillStops() throws {
        final class Counter: Sendable { let calls = Atomic<Int>(0) }
        let session = Session(engine: try Self.engine(rows: 20_000, seed: 1))
        let counter = Counter()
        // Cancelled once the check has run 5,000 times: without the sieve's own check the
        // statement would check only per row the scan returns (about 1,000 of 20,000) and finish.
        session.isCancelled = { counter.calls.add(1, ordering: .relaxed).newValue > 5_000 }
        #expect(throws: SQLError.self) { try session.execute("SELECT id FROM t ORDER BY id LIMIT 1") }
    }

    /// Integer keys take the set's integer fast path; an integer and a float of the same
    /// number are still the same key, and large integers stay exact.
    @Test func valueKeySetKeepsValueKeySameness() {
        var integers = ValueKeySet()
        for i: Int64 in [1, 2, 9_007_199_254_740_993] { integers.insert(.integer(i)) }
        #expect(integers.contains(.integer(2)))
        #expect(integers.contains(.float(2)))
        #expect(!integers.contains(.float(2.5)))
        #expect(!integers.contains(.integer(9_007_199_254_740_992)))
        #expect(integers.contains(.integer(9_007_199_254_740_993)))
        #expect(!integers.contains(.string("2")))
        var mixed = ValueKeySet()
        for value: Value in [.integer(1), .float(2), .string("x")] { mixed.insert(value) }
        #expect(mixed.contains(.integer(2)))
        #expect(mixed.contains(.float(1)))
        #expect(mixed.contains(.string("x")))
        #expect(!mixed.contains(.integer(3)))
    }
}
