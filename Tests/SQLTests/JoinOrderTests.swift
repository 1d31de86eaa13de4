@testable import SQL
import Testing

/// The shape generated test suites write: 20–40 tables of ten rows in FROM, in shuffled order,
/// tied by equalities in WHERE in shuffled order. Joined in written order that is a cross
/// product of unrelated tables (ten rows to the 30th power); the JoinOrder pass must plan a
/// connected order, which answers at once.
struct JoinOrderTests {
    private static func crossProducts(_ node: Node) -> Int {
        var count = 0
        if case .nestedLoopJoin(_, _, nil, _) = node { count += 1 }
        return node.children.reduce(count) { $0 + crossProducts($1) }
    }

    @Test(arguments: [20, 30, 40])
    func manyTablesAreJoinedInAConnectedOrder(tables: Int) throws {
        var random = ValueTestGenerator(seed: UInt64(tables))
        let session = Session(engine: try LocalEngine.memory())
        for t in 0..<tables {
            _ = try session.execute("CREATE TABLE t\(t) (a\(t) INT PRIMARY KEY, b\(t) INT)")
            // b is a permutation of a, so each row of a table matches one row of its parent.
            let bs = random.shuffle(Array(0..<10))
            _ = try session.execute("INSERT INTO t\(t) VALUES " + (0..<10).map { "(\($0), \(bs[$0]))" }.joined(separator: ", "))
        }
        // A random tree: each table (but the first) tied to one before it.
        let tablesInOrder = random.shuffle(Array(0..<tables))
        var conditions: [String] = []
        for i in 1..<tables {
            let parent = tablesInOrder[random.next(i)]
            conditions.append("b\(tablesInOrder[i]) = a\(parent)")
        }
        let from = random.shuffle(Array(0..<tables)).map { "t\($0)" }.joined(separator: ", ")
        let query = "SELECT count(*) FROM \(from) WHERE \(random.shuffle(conditions).joined(separator: " AND "))"

        let steps = try session.explainSteps(query)
        #expect(steps.contains { $0.pass == "JoinOrder" && $0.changed })
        #expect(Self.crossProducts(steps.last?.plan.root ?? .nothing(labels: [])) == 0)
        #expect(try session.execute(query) == .query(columns: ["COUNT(*)"], rows: [[.integer(10)]]))
    }
}
