import Inspect
import SQL
import Testing

/// Plan drawings fit the terminal and mark what each optimizer pass changed.
struct PlanDrawingTests {
    static func session() throws -> Session {
        let session = Session(engine: try LocalEngine.memory())
        _ = try session.execute("CREATE TABLE t (id INT PRIMARY KEY, a_rather_long_column_name STRING)")
        _ = try session.execute("INSERT INTO t VALUES (1, 'x'), (2, 'y')")
        return session
    }

    @Test func longExpressionsAreElidedToFitTheWidth() throws {
        let session = try Self.session()
        let drawing = try session.explain("""
            SELECT * FROM t WHERE a_rather_long_column_name = 'one' OR a_rather_long_column_name = 'two'
              OR a_rather_long_column_name = 'three' OR a_rather_long_column_name LIKE 'four%'
            """, analyze: false)
        let lines = drawing.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.count <= 80 })
        #expect(drawing.contains("…"))
    }

    @Test func stepsMarkChangedLinesAndSayWhenNothingChanged() throws {
        let session = try Self.session()
        let steps = try session.explainSteps("SELECT id FROM t WHERE id = 2")
        #expect(steps.map(\.pass) == ["Initial"] + Optimizer.passes.map(\.name))
        let text = PlanDrawing.drawSteps(steps)
        #expect(text.contains("ConstantFolding: unchanged"))
        #expect(text.contains("* └─ KeyLookup: t (2)"))
        // The final step's plan is the one EXPLAIN shows.
        let last = try #require(steps.last)
        #expect(PlanDrawing.draw(last.plan) == (try session.explain("SELECT id FROM t WHERE id = 2", analyze: false)))
    }

    @Test func analyzeCountsRowsPerNode() throws {
        let session = try Self.session()
        let drawing = try session.explain("SELECT id FROM t", analyze: true)
        #expect(drawing.contains("Scan: t  [rows 2,"))
        #expect(drawing.contains("2 rows in"))
    }
}
