@testable import SQL
import Testing

/// AND and OR chains are flat lists, not nesting: a WHERE of thousands of ORed equalities (as
/// generated queries write them) parses, plans and runs, and the work grows linearly with its
/// length. Real nesting keeps its limit (see FuzzTests' deep nesting).
struct LongExpressionTests {
    /// Nodes in an AST, counted without recursion (the count is the parser's output size).
    private static func nodeCount(_ e: AST.Expression) -> (nodes: Int, depth: Int) {
        var nodes = 0
        var stack = [e]
        while let next = stack.popLast() {
            nodes += 1
            stack += next.kind.children
        }
        return (nodes, e.depth)
    }

    private static func chain(_ n: Int, _ op: String) -> String {
        (1...n).map { "id = \($0)" }.joined(separator: " \(op) ")
    }

    @Test func fiveThousandOredEqualitiesRun() throws {
        let session = Session(engine: try LocalEngine.memory())
        _ = try session.execute("CREATE TABLE t (id INT PRIMARY KEY, x INT)")
        _ = try session.execute("INSERT INTO t VALUES " + (1...100).map { "(\($0), \($0 % 7))" }.joined(separator: ", "))
        let byKey = try session.execute("SELECT count(*) FROM t WHERE " + Self.chain(5_000, "OR"))
        #expect(byKey == .query(columns: ["COUNT(*)"], rows: [[.integer(100)]]))
        let scanned = try session.execute("SELECT count(*) FROM t WHERE "
                                          + (1...5_000).map { "x = \($0)" }.joined(separator: " OR "))
        #expect(scanned == .query(columns: ["COUNT(*)"], rows: [[.integer(86)]]))
        let none = try session.execute("SELECT count(*) FROM t WHERE "
                                       + (1...5_000).map { "x <> \($0)" }.joined(separator: " AND "))
        #expect(none == .query(columns: ["COUNT(*)"], rows: [[.integer(14)]]))
    }

    @Test func parsedAndPlannedSizeGrowsLinearlyAndDepthStaysFlat() throws {
        var sizes: [Int] = []
        for n in [1_000, 2_000, 4_000] {
            let ast = try Parser.parseExpression(Self.chain(n, "OR"))
            let (nodes, depth) = Self.nodeCount(ast)
            #expect(depth == 3, "n = \(n)")
            let planned = try ExpressionBuilder(scope: Scope(labels: [Label(table: "t", name: "id")], tables: ["t"]),
                                                clause: "WHERE").build(ast)
            #expect(planned.disjuncts.count == n)
            sizes.append(nodes)
        }
        // One OR node plus three per equality (the =, the column, the literal).
        #expect(sizes == [3_001, 6_001, 12_001])
    }

    @Test func parenthesesInsideAChainStayNested() throws {
        let ast = try Parser.parseExpression("a OR (b OR c) OR d AND e")
        #expect(ast.description == "(a OR (b OR c) OR (d AND e))")
        #expect(try Parser.parseExpression(ast.description).description == ast.description)
    }
}
