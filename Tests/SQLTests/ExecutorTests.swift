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

    /// A lookup join over several batches of left rows answers what a hash join answers: keys
    /// shared by rows in one batch and across batches (the found row is filled in place by
    /// the last left row using it and copied for the others), keys with no row, NULLs, inner
    /// and outer, with a filter and without one.
    @Test func lookupJoinAcrossBatchesAgreesWithHashJoin() throws {
        let engine = try Self.engine(rows: 3_000)
        let txn = try engine.beginReadOnly(asOf: nil)
        let scan = Node.scan(table: Self.table(), alias: nil, filter: nil)
        // 9,000 left rows (a, b) for a < 3,000 and b < 3, in that order, keyed by 7a mod 4,001:
        // each key three times in a row (once split by a batch's end), some beyond the table's
        // 3,000 ids, and NULL wherever a is a multiple of 50.
        let pairs = Node.nestedLoopJoin(left: scan, right: .filter(source: scan, predicate: .lessThan(.column(0), .constant(.integer(3)))),
                                        predicate: nil, outer: false)
        let keyed = Node.projection(
            source: pairs,
            expressions: [.column(0), .column(1),
                          .caseWhen(operand: nil,
                                    branches: [CaseBranch(when: .equal(.remainder(.column(0), .constant(.integer(50))), .constant(.integer(0))),
                                                          then: .constant(.null))],
                                    otherwise: .remainder(.multiply(.column(0), .constant(.integer(7))), .constant(.integer(4_001))))],
            labels: [Label(name: "a"), Label(name: "b"), Label(name: "key")])
        let odd = Expression.equal(.remainder(.column(0), .constant(.integer(2))), .constant(.integer(1)))
        for outer in [false, true] {
            for filter in [nil, odd] {
                let right = filter.map { Node.filter(source: scan, predicate: $0) } ?? scan
                let hashed = try Executor(transaction: txn).execute(
                    .select(.hashJoin(left: keyed, leftColumn: 2, right: right, rightColumn: 0, outer: outer)))
                let looked = try Executor(transaction: txn).execute(
                    .select(.lookupJoin(left: keyed, leftColumn: 2, table: Self.table(), alias: nil, column: 0,
                                        filter: filter, outer: outer)))
                guard case .query(_, let expected) = hashed, case .query(_, let rows) = looked else {
                    Issue.record("expected rows, got \(hashed) and \(looked)")
                    return
                }
                #expect(rows.count > 3_000, "outer \(outer), filter \(filter != nil)")
                let order = { (a: Row, b: Row) in a.lexicographicallyPrecedes(b) { Value.sortOrder($0, $1) < 0 } }
                #expect(rows.sorted(by: order) == expected.sorted(by: order), "outer \(outer), filter \(filter != nil)")
                // Under a COUNT(*) no column is read, and the lookup join builds no rows.
                let counted = try Executor(transaction: txn).execute(
                    .select(.aggregate(source: .lookupJoin(left: keyed, leftColumn: 2, table: Self.table(), alias: nil, column: 0,
                                                           filter: filter, outer: outer),
                                       groupBy: [], aggregates: [Aggregate(.count, .constant(.integer(1)))])))
                guard case .query(_, let count) = counted else {
                    Issue.record("expected a count, got \(counted)")
                    return
                }
                #expect(count == [[.integer(Int64(expected.count))]], "outer \(outer), filter \(filter != nil)")
            }
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
