import SQL
import Shell

/// Opens the database the command line asks for.
enum Backends {
    /// A memory database, or a durable one in `dataDirectory`.
    static func open(dataDirectory: String?) throws -> any ShellBackend {
        UnavailableBackend()
    }
}

/// Stands in until the SQL session lands: every statement fails with a clear message.
final class UnavailableBackend: ShellBackend {
    func makeSession() throws(SQLError) -> any ShellSession { UnavailableSession() }
    var inspector: (any StorageInspector)? { nil }
}

final class UnavailableSession: ShellSession {
    static let error = SQLError(.storage, "the SQL engine is not part of this build yet")
    func execute(_ statement: String) throws(SQLError) -> StatementResult { throw Self.error }
    var openTransaction: TransactionSummary? { nil }
    func explain(_ statement: String, analyze: Bool) throws(SQLError) -> String { throw Self.error }
    func explainSteps(_ statement: String) throws(SQLError) -> [ExplainStep] { throw Self.error }
    func tables() throws(SQLError) -> [Table] { [] }
}
