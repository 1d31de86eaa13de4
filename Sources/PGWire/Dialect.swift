import Foundation
import SQL
import Storage

/// One client's SQL session with PostgreSQL's rules on top: transaction statements in their
/// PostgreSQL spellings, SET and SHOW, catalog queries, and the *failed transaction* state
/// (after an error inside BEGIN everything but ROLLBACK is refused until the transaction ends).
final class PGSession {
    let session: Session
    let catalogNames: (database: String, user: String)
    /// In a transaction that had an error: only COMMIT or ROLLBACK (both roll back) are run.
    private(set) var failed = false
    /// Values set with SET, shown by SHOW.
    private var settings: [String: String]

    init(session: Session, database: String, user: String, settings: [String: String]) {
        self.session = session
        self.catalogNames = (database, user)
        self.settings = settings
    }

    /// ReadyForQuery's status: `I` idle, `T` in a transaction, `E` failed transaction.
    var status: Character { session.transaction == nil ? "I" : failed ? "E" : "T" }

    /// Runs one statement; an error is in PostgreSQL's terms.
    func run(_ sql: String) throws(PGErrorFields) -> PGQueryResult {
        let words = sql.split(whereSeparator: { $0.isWhitespace || $0 == ";" }).map { $0.uppercased() }
        guard let first = words.first else { return .command("") }
        let ends = ["COMMIT", "END", "ROLLBACK", "ABORT"].contains(first)
        if failed && !ends {
            throw PGErrorFields(code: "25P02", message: "current transaction is aborted, commands ignored until end of transaction block",
                                hint: "ROLLBACK ends it.")
        }
        do {
            if let result = try runSessionStatement(first: first, words: words, sql: sql) { return result }
            return PGQueryResult(try session.execute(sql))
        } catch {
            if session.transaction != nil { failed = true }
            throw PGErrorFields(error)
        }
    }

    /// Transaction control, SET/SHOW and catalog queries; nil for a statement the engine runs.
    private func runSessionStatement(first: String, words: [String], sql: String) throws(SQLError) -> PGQueryResult? {
        switch first {
        case "BEGIN", "START":
            if first == "START" && words.dropFirst().first != "TRANSACTION" { return nil }
            if session.transaction != nil {
                var result = PGQueryResult.command("BEGIN")
                result.notice = PGErrorFields(code: "25001", message: "there is already a transaction in progress")
                return result
            }
            // Cutaway's own `AS OF SYSTEM TIME` goes to the engine as typed; isolation levels
            // are all snapshot isolation here, the level PostgreSQL calls REPEATABLE READ.
            if words.contains("SYSTEM") && first == "BEGIN" { return PGQueryResult(try session.execute(sql)) }
            let readOnly = zip(words, words.dropFirst()).contains { $0 == "READ" && $1 == "ONLY" }
            return PGQueryResult(try session.execute(readOnly ? "BEGIN READ ONLY" : "BEGIN"))
        case "COMMIT", "END", "ROLLBACK", "ABORT":
            guard session.transaction != nil else {
                var result = PGQueryResult.command(first == "COMMIT" || first == "END" ? "COMMIT" : "ROLLBACK")
                result.notice = PGErrorFields(code: "25P01", message: "there is no transaction in progress")
                return result
            }
            let commit = (first == "COMMIT" || first == "END") && !failed
            failed = false
            _ = try session.execute(commit ? "COMMIT" : "ROLLBACK")
            return .command(commit ? "COMMIT" : "ROLLBACK")
        case "SET":
            // SET [SESSION|LOCAL] name {=|TO} value: remembered for SHOW, changes nothing else.
            let rest = words.dropFirst().filter { $0 != "SESSION" && $0 != "LOCAL" }
            if let name = rest.first?.split(separator: "=").first?.lowercased(),
               let separator = sql.range(of: "=") ?? sql.range(of: " to ", options: .caseInsensitive) {
                settings[name] = sql[separator.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: "'; \n\t"))
            }
            return .command("SET")
        case "SHOW":
            let name = (words.dropFirst().first ?? "").lowercased()
            let value = name == "transaction_isolation" || name == "transaction" ? "repeatable read" : settings[name] ?? ""
            return .rows([name], [[.string(value)]], types: [.text])
        case "RESET", "DISCARD", "DEALLOCATE", "LISTEN", "UNLISTEN":
            return .command(first == "DISCARD" ? "DISCARD ALL" : first)
        default:
            guard PGCatalog.handles(sql) else { return nil }
            let catalog = PGCatalog(tables: try tables(), database: catalogNames.database, user: catalogNames.user)
            return catalog.answer(sql)
        }
    }

    /// The tables this session sees, for catalog queries (only read when one arrives).
    private func tables() throws(SQLError) -> [Table] {
        if let transaction = session.transaction { return try transaction.tables() }
        let transaction = try session.engine.beginReadOnly(asOf: nil)
        defer { try? transaction.rollback() }
        return try transaction.tables()
    }

    /// Ends a transaction the client left open when it went away.
    func close() {
        if session.transaction != nil { _ = try? session.execute("ROLLBACK") }
    }
}
