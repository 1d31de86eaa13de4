/// A SQL session: what one client (a REPL, a json stream, a lesson) talks to.
///
/// `execute` runs one statement through the whole pipeline — parse, plan, optimize, execute —
/// inside a transaction:
///
/// - **Autocommit.** Outside BEGIN … COMMIT every statement runs in a transaction of its own,
///   committed when the statement succeeds and rolled back completely when it fails. Queries
///   use a read-only transaction, which can never conflict with writers.
/// - **Explicit transactions.** After BEGIN, statements share one transaction until COMMIT or
///   ROLLBACK. A statement that fails has no effect — the session takes a savepoint before each
///   statement and returns to it on error — and the transaction stays open, so the client can
///   decide what to do (retry, carry on, roll back).
/// - **Read-only and time travel.** `BEGIN READ ONLY AS OF SYSTEM TIME 7` sees the database as
///   it was at version 7 and refuses writes.
///
/// A session is used by one thread at a time; several sessions can share one engine.
public final class Session {
    public let engine: any Engine
    /// The open explicit transaction (between BEGIN and COMMIT/ROLLBACK), if any.
    public private(set) var transaction: (any Transaction)?
    /// Polled while a statement reads rows; when it returns true the statement stops with a
    /// `.cancelled` error and has no effect (the REPL sets it from its Ctrl-C handler).
    public var isCancelled: (@Sendable () -> Bool)?

    public init(engine: any Engine) {
        self.engine = engine
    }

    /// Parses, plans, optimizes and executes one statement (a trailing ';' is optional).
    ///
    /// - Throws: `SQLError` for anything from a syntax error to a serialization failure.
    public func execute(_ statement: String) throws(SQLError) -> StatementResult {
        try execute(try Session.parse(statement))
    }

    /// Executes an already parsed statement.
    public func execute(_ statement: Statement) throws(SQLError) -> StatementResult {
        switch statement {
        case .begin(let readOnly, let asOf):
            if let transaction {
                throw SQLError(.transaction, "already in a transaction (version \(transaction.version))")
            }
            let txn = readOnly ? try engine.beginReadOnly(asOf: asOf) : try engine.begin()
            transaction = txn
            return .begin(version: txn.version, readOnly: txn.isReadOnly)
        case .commit:
            guard let txn = transaction else { throw SQLError(.transaction, "not in a transaction") }
            // Whatever happens, the transaction is over: a failed commit cannot be retried.
            transaction = nil
            try txn.commit()
            return .commit(version: txn.version)
        case .rollback:
            guard let txn = transaction else { throw SQLError(.transaction, "not in a transaction") }
            transaction = nil
            try txn.rollback()
            return .rollback(version: txn.version)
        case .explain(let inner, let analyze):
            return .explain(try explain(inner, analyze: analyze))
        default:
            return try withTransaction(readOnly: Session.isQuery(statement)) { txn throws(SQLError) in
                let plan = try Optimizer.optimize(try Planner(catalog: txn).plan(statement))
                return try Executor(transaction: cancellable(txn)).execute(plan)
            }
        }
    }

    /// `.explain steps`: the plan as planned, then after each optimizer pass, with whether the
    /// pass changed it. Changed lines in a step's drawing are marked with `*`.
    public func explainSteps(_ statement: String) throws(SQLError) -> [PlanStep] {
        var parsed = try Session.parse(statement)
        if case .explain(let inner, _) = parsed { parsed = inner }
        try Session.requirePlannable(parsed)
        let statementToPlan = parsed
        return try withTransaction(readOnly: true) { txn throws(SQLError) in
            var plan = try Planner(catalog: txn).plan(statementToPlan)
            var drawing = plan.drawn()
            var steps = [PlanStep(pass: "Initial", plan: plan, changed: true,
                                  drawing: PlanStep.mark(drawing, previous: nil))]
            for pass in Optimizer.passes {
                let next = try pass.apply(plan)
                let changed = next != plan
                let nextDrawing = next.drawn()
                var step = PlanStep(pass: pass.name, plan: next, changed: changed,
                                    drawing: PlanStep.mark(nextDrawing, previous: changed ? drawing : nextDrawing))
                step.why = pass.why
                if changed { step.removed = PlanStep.removed(from: drawing, in: nextDrawing) }
                steps.append(step)
                plan = next
                drawing = nextDrawing
            }
            return steps
        }
    }

    /// `EXPLAIN`: the optimized plan drawn as a tree. With `analyze`, the statement is also run
    /// (writes included, as in PostgreSQL) and each node shows its rows and time.
    public func explain(_ statement: String, analyze: Bool) throws(SQLError) -> String {
        var parsed = try Session.parse(statement)
        if case .explain(let inner, _) = parsed { parsed = inner }
        return try explain(parsed, analyze: analyze)
    }

    private func explain(_ statement: Statement, analyze: Bool) throws(SQLError) -> String {
        try Session.requirePlannable(statement)
        let readOnly = !analyze || Session.isQuery(statement)
        return try withTransaction(readOnly: readOnly) { txn throws(SQLError) in
            let plan = try Optimizer.optimize(try Planner(catalog: txn).plan(statement))
            guard analyze else { return plan.drawn() }
            let profile = Profile()
            let result = try Executor(transaction: cancellable(txn), profile: profile).execute(plan)
            var total: UInt64 = 0
            if plan.root != nil, let root = profile.nodes[0] { total = root.nanoseconds }
            let summary: String
            switch result {
            case .query(_, let rows): summary = "\(rows.count) row\(rows.count == 1 ? "" : "s")"
            default: summary = "\(result.commandTag) \(result.affectedRows.map(String.init) ?? "done")"
            }
            return plan.drawn(profile: profile) + "\n\(summary) in \(PlanText.formatDuration(total))"
        }
    }

    // MARK: - Transactions

    /// `txn` with the cancellation check on its scans, when the client can cancel.
    private func cancellable(_ txn: any Transaction) -> any Transaction {
        guard let isCancelled else { return txn }
        return CancellableTransaction(txn, isCancelled: isCancelled)
    }

    /// Runs `body` in the open transaction (under a savepoint) or in a fresh autocommit one.
    private func withTransaction<T>(readOnly: Bool,
                                    _ body: (any Transaction) throws(SQLError) -> T) throws(SQLError) -> T {
        if let txn = transaction {
            let savepoint = try txn.savepoint()
            do {
                let result = try body(txn)
                try txn.finishStatement()
                return result
            } catch {
                // The statement fails as a whole; the transaction carries on without it.
                try? txn.rollback(to: savepoint)
                throw Session.advised(error, inTransaction: true)
            }
        }
        let txn = readOnly ? try engine.beginReadOnly(asOf: nil) : try engine.beginStatement()
        let result: T
        do {
            result = try body(txn)
        } catch {
            try? txn.rollback()
            throw Session.advised(error, inTransaction: false)
        }
        do {
            try txn.commit()
        } catch {
            try? txn.rollback()
            throw error
        }
        return result
    }

    // MARK: - Helpers

    /// A write conflict, with what to do about it. Inside a transaction only the statement
    /// failed: the transaction stays open with its earlier writes, so "retry" alone would
    /// mislead — a COMMIT now would keep those writes without this one.
    static func advised(_ error: SQLError, inTransaction: Bool) -> SQLError {
        guard error.kind == .serialization else { return error }
        var advised = error
        advised.message += inTransaction
            ? "\nThe statement did nothing; the transaction stays open with its earlier writes."
                + "\nROLLBACK and run it all again: COMMIT would keep those writes without this one."
            : "; nothing changed: run the statement again"
        return advised
    }

    /// Parses one statement; a trailing ';' is optional.
    static func parse(_ text: String) throws(SQLError) -> Statement {
        var trimmed = Substring(text)
        while let last = trimmed.last, last.isWhitespace { trimmed.removeLast() }
        if trimmed.last == ";" { trimmed.removeLast() }
        return try Parser.parse(String(trimmed))
    }

    private static func isQuery(_ statement: Statement) -> Bool {
        if case .select = statement { return true }
        return false
    }

    private static func requirePlannable(_ statement: Statement) throws(SQLError) {
        switch statement {
        case .begin, .commit, .rollback, .explain:
            throw SQLError(.semantic, "only SELECT, INSERT, UPDATE, DELETE and DDL statements have plans")
        default: return
        }
    }
}
