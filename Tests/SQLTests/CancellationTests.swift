import SQL
import Synchronization
import Testing

/// A cancelled statement stops while it reads rows and leaves no trace.
@Suite struct CancellationTests {
    /// A flag the test flips, as the REPL's Ctrl-C handler does.
    final class Flag: Sendable {
        let raised = Atomic<Bool>(false)
    }

    @Test func aCancelledQueryFailsAndTheTransactionCarriesOnUnchanged() throws {
        let session = Session(engine: try LocalEngine.memory())
        _ = try session.execute("CREATE TABLE t (id INT PRIMARY KEY)")
        _ = try session.execute("INSERT INTO t VALUES (1), (2), (3)")
        let flag = Flag()
        session.isCancelled = { flag.raised.load(ordering: .relaxed) }

        _ = try session.execute("BEGIN")
        _ = try session.execute("INSERT INTO t VALUES (4)")
        flag.raised.store(true, ordering: .relaxed)
        #expect(throws: SQLError.self) { try session.execute("SELECT count(*) FROM t a, t b") }
        do {
            _ = try session.execute("DELETE FROM t")
            Issue.record("a DELETE that scans must be cancelled too")
        } catch {
            #expect(error.kind == .cancelled)
        }
        flag.raised.store(false, ordering: .relaxed)
        // The transaction is still open and holds exactly what it held before.
        #expect(session.transaction != nil)
        #expect(try session.execute("SELECT count(*) FROM t") == .query(columns: ["COUNT(*)"], rows: [[.integer(4)]]))
        _ = try session.execute("COMMIT")
    }
}
