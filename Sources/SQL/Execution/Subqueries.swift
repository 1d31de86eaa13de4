/// Subqueries at run time: the apply node runs its subquery once per outer row (with the outer
/// row's values bound into it), the semi-join answers IN and EXISTS by hashing instead.
///
/// A correlated subquery refers to columns of the query around it (`.outer` in its
/// expressions). Before it runs for an outer row, `Correlation.bind` replaces those references
/// with the row's values — after which it is an ordinary plan, and the optimizer's IndexLookup
/// pass can turn `u.id = 7` into a key lookup. Answers are remembered per distinct binding, so an
/// uncorrelated subquery runs once and a correlated one once per distinct outer value.
enum Correlation {
    /// `node` with the outer references of `level` (1 = the row given) replaced by `row`'s values.
    /// Subqueries nested inside see the same row one level further out.
    static func bind(_ node: Node, to row: Row, level: Int = 1) -> Node {
        let own = node.mappingExpressions { e in
            (try? e.transformed { x throws(SQLError) in
                if case .outer(level, let column, _) = x, row.indices.contains(column) { return .constant(row[column]) }
                return x
            }) ?? e
        }
        let children = own.children
        guard !children.isEmpty else { return own }
        if case .apply = own, children.count == 2 {
            return own.withChildren([bind(children[0], to: row, level: level),
                                     bind(children[1], to: row, level: level + 1)])
        }
        return own.withChildren(children.map { bind($0, to: row, level: level) })
    }

    /// The columns of the row at `level` that `node` (and subqueries inside it) refer to.
    static func outerColumns(_ node: Node, level: Int = 1) -> Set<Int> {
        var columns = Set<Int>()
        _ = node.mappingExpressions { e in
            e.contains { x in
                if case .outer(level, let column, _) = x { columns.insert(column) }
                return false
            }
            return e
        }
        let children = node.children
        if case .apply = node, children.count == 2 {
            return columns.union(outerColumns(children[0], level: level))
                .union(outerColumns(children[1], level: level + 1))
        }
        for child in children { columns.formUnion(outerColumns(child, level: level)) }
        return columns
    }
}

/// Runs the subquery for each source row and appends its answer as one more column.
final class ApplyCursor: RowCursor {
    /// What a subquery run produced: a value (scalar, EXISTS) or the set IN tests against.
    private enum Answer {
        case value(Value)
        case members(Members)
    }

    private let source: any RowCursor
    private let subquery: Node
    private let kind: SubqueryKind
    private let executor: Executor
    /// The outer columns the subquery reads: the key its answers are remembered under.
    private let keyColumns: [Int]
    private var answers: [RowKey: Answer] = [:]
    /// Answers kept at most, so a correlated subquery over many distinct rows stays bounded.
    private static let maxAnswers = 10_000

    init(source: any RowCursor, subquery: Node, kind: SubqueryKind, executor: Executor) {
        self.source = source
        self.subquery = subquery
        self.kind = kind
        self.executor = executor
        self.keyColumns = Correlation.outerColumns(subquery).sorted()
    }

    func next() throws(SQLError) -> Row? {
        guard let row = try source.next() else { return nil }
        var key: Row = []
        for column in keyColumns {
            guard row.indices.contains(column) else { throw SQLError(.semantic, "outer column #\(column) is out of range") }
            key.append(row[column])
        }
        let answer: Answer
        if let known = answers[RowKey(key)] {
            answer = known
        } else {
            answer = try run(row)
            if answers.count >= ApplyCursor.maxAnswers { answers.removeAll(keepingCapacity: true) }
            answers[RowKey(key)] = answer
        }
        switch (kind, answer) {
        case (.in(let operand), .members(let members)):
            return row + [try members.contains(try operand.evaluate(row))]
        case (_, .value(let value)):
            return row + [value]
        default:
            throw SQLError(.semantic, "subquery answer does not fit its kind")
        }
    }

    private func run(_ row: Row) throws(SQLError) -> Answer {
        // With the outer values in, `y.id = 6 + 1` folds to a constant a key lookup can use.
        let plan = try IndexLookup.apply(ConstantFolding.apply(Correlation.bind(subquery, to: row)))
        let cursor = try executor.cursor(for: plan)
        switch kind {
        case .scalar:
            guard let first = try cursor.next() else { return .value(.null) }
            if try cursor.next() != nil {
                throw SQLError(.semantic, "a subquery used as a value returned more than one row")
            }
            return .value(first.first ?? .null)
        case .exists:
            return .value(.boolean(try cursor.next() != nil))
        case .in:
            var members = Members()
            while let found = try cursor.next() { members.add(found.first ?? .null) }
            return .members(members)
        }
    }
}

/// The values an `IN (SELECT …)` tests against, hashed, with SQL's NULL rules: `x IN (…)` is
/// TRUE if x equals a member, FALSE for no members at all, else NULL if x or a member is NULL.
struct Members {
    private var keys = Set<ValueKey>()
    private var hasNull = false
    private var isEmpty = true
    /// A non-NULL member, so that comparing with an incomparable type fails as `=` would.
    private var sample: Value?

    mutating func add(_ value: Value) {
        isEmpty = false
        switch value {
        case .null: hasNull = true
        case .float(let f) where f.isNaN: sample = sample ?? value   // NaN equals nothing
        default:
            sample = sample ?? value
            keys.insert(ValueKey(value))
        }
    }

    func contains(_ value: Value) throws(SQLError) -> Value {
        if isEmpty { return .boolean(false) }
        if case .null = value { return .null }
        if let sample { _ = try Value.sqlOrder(value, sample) }
        if case .float(let f) = value, f.isNaN { return hasNull ? .null : .boolean(false) }
        if keys.contains(ValueKey(value)) { return .boolean(true) }
        return hasNull ? .null : .boolean(false)
    }
}

/// A semi-join (rows of the left with a match on the right) or anti-join (without one): the
/// right side's join column is hashed once, then each left row is passed on or dropped.
/// NULL and NaN match nothing, so an anti-join keeps a left row whose key is NULL — exactly
/// what NOT EXISTS does for it.
final class SemiJoinCursor: RowCursor {
    private let left: any RowCursor
    private let leftColumn: Int
    private let right: any RowCursor
    private let rightColumn: Int
    private let anti: Bool
    private var keys: ValueKeySet?

    init(left: any RowCursor, leftColumn: Int, right: any RowCursor, rightColumn: Int, anti: Bool) {
        self.left = left
        self.leftColumn = leftColumn
        self.right = right
        self.rightColumn = rightColumn
        self.anti = anti
    }

    func next() throws(SQLError) -> Row? {
        if keys == nil {
            var set = ValueKeySet()
            while let row = try right.next() {
                guard row.indices.contains(rightColumn) else { throw SQLError(.semantic, "join column #\(rightColumn) is out of range") }
                if HashJoinCursor.joinable(row[rightColumn]) { set.insert(row[rightColumn]) }
            }
            keys = set
            // A scan below can test each key before building its row (most rows of a
            // selective IN don't match); the set is final, so the sieve keeps its own copy.
            let anti = self.anti
            _ = left.offer(RowSieve(column: leftColumn) { key in
                (HashJoinCursor.joinable(key) && set.contains(key)) != anti
            })
        }
        while let row = try left.next() {
            guard row.indices.contains(leftColumn) else { throw SQLError(.semantic, "join column #\(leftColumn) is out of range") }
            let key = row[leftColumn]
            let matched = HashJoinCursor.joinable(key) && keys?.contains(key) == true
            if matched != anti { return row }
        }
        return nil
    }
}
