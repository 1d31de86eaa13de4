@testable import SQL
import Testing

/// The executor streams: parents pull only the rows they need.
struct ExecutorTests {
    static func table() -> Table {
        Table(name: "big", primaryKey: 0, columns: [Column(name: "id", dataType: .integer, nullable: false)])
    }

    static func engine(rows: Int) throws -> any Engine {
        let engine = try LocalEngine.memory()
        let txn = try engine.begin()
        try txn.createTable(table())
        try txn.insert(table: "big", rows: (0..<rows).map { [.integer(Int64($0))] })
        try txn.commit()
        return engine
    }

    @Test func limitStopsTheScanEarly() throws {
        let engine = try Self.engine(rows: 10_000)
        let txn = try engine.beginReadOnly(asOf: nil)
        let profile = Profile()
        let plan = Plan.select(.limit(source: .scan(table: Self.table(), alias: nil, filter: nil), count: 10))
        let result = try Executor(transaction: txn, profile: profile).execute(plan)
        guard case .query(_, let rows) = result else {
            Issue.record("expected rows, got \(result)")
            return
        }
        #expect(rows.count == 10)
        // Node 1 is the scan: it handed out exactly the ten rows the limit asked for.
        #expect(profile.nodes[1]?.rows == 10)
    }

    @Test func hashJoinAndNestedLoopJoinAgree() throws {
        let engine = try Self.engine(rows: 200)
        let txn = try engine.beginReadOnly(asOf: nil)
        let scan = Node.scan(table: Self.table(), alias: nil, filter: nil)
        let evens = Node.filter(source: scan, predicate: .equal(.remainder(.column(0), .constant(.integer(2))),
                                                                 .constant(.integer(0))))
        for outer in [false, true] {
            let nested = Plan.select(.nestedLoopJoin(left: scan, right: evens,
                                                     predicate: .equal(.column(0), .column(1)), outer: outer))
            let hashed = Plan.select(.hashJoin(left: scan, leftColumn: 0, right: evens, rightColumn: 0, outer: outer))
            let a = try Executor(transaction: txn).execute(nested)
            let b = try Executor(transaction: txn).execute(hashed)
            #expect(a == b)
            if case .query(_, let rows) = a { #expect(rows.count == (outer ? 200 : 100)) }
        }
    }

    /// ORDER BY … LIMIT keeps only the best rows while sorting; the answer must be exactly the
    /// first rows of a full (stable) sort, duplicates and NULLs included.
    @Test func boundedSortMatchesFullSort() throws {
        var rng = ValueTestGenerator(seed: 7)
        for round in 0..<10 {
            let rows: [Row] = (0..<2_000).map { i in
                let v = rng.next() % 50
                return [v == 0 ? .null : .integer(Int64(v)), .integer(Int64(i))]
            }
            let keys = [OrderKey(.column(0), round % 2 == 0 ? .ascending : .descending)]
            let k = Int(rng.next() % 40)
            let full = SortCursor(ArrayCursor(rows), keys: keys)
            let bounded = SortCursor(ArrayCursor(rows), keys: keys, keep: k)
            var expected: [Row] = []
            while expected.count < k, let row = try full.next() { expected.append(row) }
            var actual: [Row] = []
            while let row = try bounded.next() { actual.append(row) }
            #expect(Array(actual.prefix(k)) == expected)
        }
    }
}
