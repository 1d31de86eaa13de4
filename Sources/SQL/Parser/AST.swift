/// The abstract syntax tree: what a SQL statement *says*, before anyone checks what it *means*.
///
/// The parser turns text into these values and nothing else: it does not know which tables exist,
/// which functions there are or whether `a + b` makes sense for the column types. That is the
/// planner's job; it walks this tree, resolves names against the catalog and builds a plan whose
/// expressions are the planned `Expression` (column positions instead of names).
///
/// Every name and every expression node carries the `SourcePosition` where it starts, so a later
/// error can point at the exact spot: "unknown column 'nmae' at 1:8".
///
/// Identifiers are stored as the user means them: unquoted names are lowercased by the lexer
/// (`Movies` and `movies` are the same table), quoted names keep their exact text (`"Movies"`).
public enum Statement: Sendable, Hashable {
    /// `BEGIN [TRANSACTION] [READ ONLY | READ WRITE] [AS OF SYSTEM TIME n]`.
    /// `asOf` is only accepted together with READ ONLY (a past snapshot cannot be written).
    case begin(readOnly: Bool, asOf: UInt64?)
    /// `COMMIT`.
    case commit
    /// `ROLLBACK`.
    case rollback
    /// `EXPLAIN [ANALYZE] statement`: show (or run and measure) the plan instead of its result.
    indirect case explain(Statement, analyze: Bool)
    /// `CREATE TABLE name (column, ...)`.
    case createTable(name: AST.Name, columns: [AST.ColumnSpec])
    /// `CREATE TABLE name AS SELECT …`: a keyless table with the query's columns and rows.
    case createTableAs(name: AST.Name, query: AST.SelectStatement)
    /// `DROP TABLE [IF EXISTS] name`.
    case dropTable(name: AST.Name, ifExists: Bool)
    /// `CREATE [UNIQUE] INDEX name ON table (column)`.
    case createIndex(name: AST.Name, table: AST.Name, column: AST.Name, unique: Bool)
    /// `DROP INDEX [IF EXISTS] name`.
    case dropIndex(name: AST.Name, ifExists: Bool)
    /// `INSERT INTO table [(columns)] VALUES (row), (row), ...`. `columns == nil`: all columns in
    /// table order. A value may be `DEFAULT` (see `AST.Expression.Kind.default`).
    case insert(table: AST.Name, columns: [AST.Name]?, rows: [[AST.Expression]])
    /// `INSERT INTO table [(columns)] SELECT ...`: the query's rows, column by column.
    case insertSelect(table: AST.Name, columns: [AST.Name]?, query: AST.SelectStatement)
    /// `UPDATE table SET column = expr, ... [WHERE expr]`.
    case update(table: AST.Name, set: [AST.Assignment], where: AST.Expression?)
    /// `DELETE FROM table [WHERE expr]`.
    case delete(table: AST.Name, where: AST.Expression?)
    /// `SELECT ...`.
    case select(AST.SelectStatement)
}

/// Namespace for the syntax tree's building blocks, so `AST.Expression` (syntax, with names) never
/// collides with the planner's `Expression` (resolved, with column positions).
public enum AST {
    /// An identifier as written, with where it was written.
    public struct Name: Sendable, Hashable, CustomStringConvertible {
        /// The identifier: lowercased if it was unquoted, exact if it was double-quoted.
        public var value: String
        public var position: SourcePosition

        public init(_ value: String, at position: SourcePosition) {
            self.value = value
            self.position = position
        }

        public var description: String { value }
    }

    /// One column in `CREATE TABLE`: its name, type and constraints.
    public struct ColumnSpec: Sendable, Hashable {
        public var name: Name
        public var type: DataType
        /// `PRIMARY KEY`.
        public var primaryKey: Bool
        /// `NULL` → true, `NOT NULL` → false, neither → nil (the planner decides: nullable unless
        /// primary key).
        public var nullable: Bool?
        /// `DEFAULT expr`.
        public var defaultValue: Expression?
        /// `UNIQUE`.
        public var unique: Bool
        /// `INDEX`: keep a secondary index on this column.
        public var index: Bool
        /// `REFERENCES table`: a foreign key to that table's primary key.
        public var references: Name?

        public init(name: Name, type: DataType, primaryKey: Bool = false, nullable: Bool? = nil,
                    defaultValue: Expression? = nil, unique: Bool = false, index: Bool = false,
                    references: Name? = nil) {
            self.name = name
            self.type = type
            self.primaryKey = primaryKey
            self.nullable = nullable
            self.defaultValue = defaultValue
            self.unique = unique
            self.index = index
            self.references = references
        }
    }

    /// `column = expr` in UPDATE's SET list; `column = DEFAULT` has a value of kind `.default`.
    public struct Assignment: Sendable, Hashable {
        public var column: Name
        public var value: Expression

        public init(column: Name, value: Expression) {
            self.column = column
            self.value = value
        }
    }

    /// A whole SELECT, clause by clause, in the order SQL requires them.
    public struct SelectStatement: Sendable, Hashable {
        /// Where the SELECT keyword is (for errors about the statement as a whole).
        public var position: SourcePosition
        /// `SELECT DISTINCT` (`SELECT ALL` is the default, written or not).
        public var distinct: Bool
        public var projection: [SelectItem]
        /// Comma-separated FROM items (an implicit cross join); empty for SELECT without FROM.
        public var from: [FromItem]
        public var `where`: Expression?
        public var groupBy: [Expression]
        public var having: Expression?
        public var orderBy: [OrderItem]
        public var limit: Expression?
        public var offset: Expression?
        /// `UNION [ALL] select`, `INTERSECT …`, `EXCEPT …` after this one, applied left to right
        /// (as SQLite does). When there are any, ORDER BY, LIMIT and OFFSET above belong to the
        /// whole compound and name its output columns.
        public var compound: [CompoundPart] = []

        public init(position: SourcePosition, distinct: Bool = false, projection: [SelectItem],
                    from: [FromItem] = [], where: Expression? = nil, groupBy: [Expression] = [],
                    having: Expression? = nil, orderBy: [OrderItem] = [], limit: Expression? = nil,
                    offset: Expression? = nil) {
            self.position = position
            self.distinct = distinct
            self.projection = projection
            self.from = from
            self.where = `where`
            self.groupBy = groupBy
            self.having = having
            self.orderBy = orderBy
            self.limit = limit
            self.offset = offset
        }
    }

    /// One `UNION [ALL] SELECT …` (or INTERSECT, EXCEPT) step of a compound query.
    public struct CompoundPart: Sendable, Hashable {
        public var operation: SetOperator
        /// `ALL`: keep duplicates (a multiset operation).
        public var all: Bool
        /// The right-hand SELECT (without ORDER BY or LIMIT of its own).
        public var select: SelectStatement
        /// Where the operator keyword is, for column count and type errors.
        public var position: SourcePosition

        public init(operation: SetOperator, all: Bool, select: SelectStatement, position: SourcePosition) {
            self.operation = operation
            self.all = all
            self.select = select
            self.position = position
        }
    }

    /// The set operations combining two queries' rows.
    public enum SetOperator: String, Sendable, Hashable {
        case union = "UNION"
        case intersect = "INTERSECT"
        case except = "EXCEPT"
    }

    /// One entry of the select list.
    public enum SelectItem: Sendable, Hashable {
        /// `*`: every column of every FROM item.
        case all(SourcePosition)
        /// `t.*`: every column of table (or alias) `t`.
        case allColumns(table: Name)
        /// `expr [[AS] alias]`.
        case expression(Expression, alias: Name?)
    }

    /// One source of rows in FROM: a table, or two sources joined.
    public indirect enum FromItem: Sendable, Hashable {
        /// `table [[AS] alias]`.
        case table(name: Name, alias: Name?)
        /// `left [INNER|LEFT [OUTER]|RIGHT [OUTER]|CROSS] JOIN right [ON expr]`; `on` is nil
        /// exactly for CROSS JOIN.
        case join(left: FromItem, right: FromItem, kind: JoinKind, on: Expression?)
        /// `(SELECT …) [AS] alias`: a subquery's rows as a table named `alias`.
        case subquery(SelectStatement, alias: Name)
    }

    /// The kinds of explicit join.
    public enum JoinKind: String, Sendable, Hashable {
        case inner = "INNER"
        case left = "LEFT"
        case right = "RIGHT"
        case cross = "CROSS"
    }

    /// `expr [ASC|DESC]` in ORDER BY. An integer literal is a 1-based select-list position.
    public struct OrderItem: Sendable, Hashable {
        public var expression: Expression
        public var direction: OrderDirection

        public init(_ expression: Expression, _ direction: OrderDirection = .ascending) {
            self.expression = expression
            self.direction = direction
        }
    }

    /// Sort direction; ascending unless DESC is written.
    public enum OrderDirection: String, Sendable, Hashable {
        case ascending = "ASC"
        case descending = "DESC"
    }

    /// An expression as written: a tree of `Kind` nodes, each with its source position.
    public struct Expression: Sendable, Hashable {
        public let kind: Kind
        /// Where the expression starts (for a binary operator: where its left operand starts).
        public var position: SourcePosition
        /// How deep the tree below (and including) this node is: 1 for a literal or column. The
        /// parser refuses trees deeper than `Parser.maxDepth`, so code that walks an AST
        /// recursively cannot overflow the stack.
        public let depth: Int

        public init(_ kind: Kind, at position: SourcePosition) {
            self.kind = kind
            self.position = position
            self.depth = 1 + kind.childDepth
        }

        /// The shapes an expression can take.
        ///
        /// Only the cases that hold other nodes (or large payloads) are `indirect`: a literal is
        /// stored inline, so a bulk INSERT's million values cost no heap box each to build and
        /// to free (boxing every case made freeing the AST a tenth of a bulk load).
        public enum Kind: Sendable, Hashable {
            /// NULL, TRUE/FALSE, an integer (fits Int64), a float (incl. INFINITY and NAN), a string.
            case literal(Value)
            /// `name` or `table.name`.
            indirect case column(table: Name?, name: Name)
            /// `name(args)` or `name(DISTINCT arg)`. The name is lowercased (unless quoted).
            /// `COUNT(*)` is `function(count, [all], distinct: false)`.
            indirect case function(name: Name, args: [Expression], distinct: Bool)
            /// The `*` of `COUNT(*)`; the parser allows it nowhere else.
            case all
            /// `DEFAULT` as a whole value in INSERT ... VALUES or UPDATE ... SET; the parser allows
            /// it nowhere else.
            case `default`
            /// A prefix or postfix operator applied to one operand.
            indirect case unary(UnaryOperator, Expression)
            /// An infix operator.
            indirect case binary(BinaryOperator, Expression, Expression)
            /// `a AND b AND …` or `a OR b OR …` (the operator is `.and` or `.or`): a chain is one
            /// flat list of two or more operands, so 5,000 ORed conditions are wide, not deep.
            case logical(BinaryOperator, [Expression])
            /// `expr [NOT] IN (list)`.
            indirect case inList(Expression, [Expression], negated: Bool)
            /// `expr [NOT] BETWEEN low AND high`.
            indirect case between(Expression, low: Expression, high: Expression, negated: Bool)
            /// `CASE [operand] WHEN w THEN t ... [ELSE e] END`. With an operand, each WHEN is
            /// compared with it (`operand = w`); without, each WHEN is a condition.
            indirect case `case`(operand: Expression?, whens: [WhenClause], else: Expression?)
            /// `(SELECT …)` as a value: one column, at most one row (NULL when none).
            indirect case subquery(SelectStatement)
            /// `EXISTS (SELECT …)`: whether the query returns any row.
            indirect case exists(SelectStatement)
            /// `expr [NOT] IN (SELECT …)`.
            indirect case inSubquery(Expression, SelectStatement, negated: Bool)
            /// `CAST(expr AS type)`.
            indirect case cast(Expression, DataType)
        }
    }

    /// `WHEN condition THEN result` inside CASE.
    public struct WhenClause: Sendable, Hashable {
        public var when: Expression
        public var then: Expression

        public init(when: Expression, then: Expression) {
            self.when = when
            self.then = then
        }
    }

    /// Operators with one operand (prefix `+ - NOT`, postfix `!` and the IS tests).
    public enum UnaryOperator: String, Sendable, Hashable {
        case plus = "+"
        case minus = "-"
        case not = "NOT"
        case factorial = "!"
        case isNull = "IS NULL"
        case isNotNull = "IS NOT NULL"
        case isNaN = "IS NAN"
        case isNotNaN = "IS NOT NAN"

        /// Whether the operator is written after its operand.
        public var isPostfix: Bool {
            switch self {
            case .plus, .minus, .not: false
            case .factorial, .isNull, .isNotNull, .isNaN, .isNotNaN: true
            }
        }
    }

    /// Operators with two operands. `!=` and `<>` are both `notEqual`.
    public enum BinaryOperator: String, Sendable, Hashable {
        case or = "OR"
        case and = "AND"
        case equal = "="
        case notEqual = "!="
        case isDistinctFrom = "IS DISTINCT FROM"
        case isNotDistinctFrom = "IS NOT DISTINCT FROM"
        case like = "LIKE"
        case notLike = "NOT LIKE"
        case lessThan = "<"
        case lessThanOrEqual = "<="
        case greaterThan = ">"
        case greaterThanOrEqual = ">="
        case concatenate = "||"
        case add = "+"
        case subtract = "-"
        case multiply = "*"
        case divide = "/"
        case remainder = "%"
        case exponentiate = "^"
    }
}

extension AST.Expression.Kind {
    /// The depth of the deepest direct subexpression (0 for leaves), without building `children`.
    var childDepth: Int {
        switch self {
        case .literal, .column, .all, .default, .subquery, .exists: 0
        case .inSubquery(let operand, _, _), .cast(let operand, _): operand.depth
        case .function(_, let args, _), .logical(_, let args): args.reduce(0) { max($0, $1.depth) }
        case .unary(_, let operand): operand.depth
        case .binary(_, let left, let right): max(left.depth, right.depth)
        case .inList(let operand, let list, _): list.reduce(operand.depth) { max($0, $1.depth) }
        case .between(let operand, let low, let high, _): max(operand.depth, low.depth, high.depth)
        case .case(let operand, let whens, let elseResult):
            whens.reduce(max(operand?.depth ?? 0, elseResult?.depth ?? 0)) { max($0, $1.when.depth, $1.then.depth) }
        }
    }

    /// The direct subexpressions, left to right.
    public var children: [AST.Expression] {
        switch self {
        case .literal, .column, .all, .default, .subquery, .exists: []
        case .inSubquery(let operand, _, _), .cast(let operand, _): [operand]
        case .function(_, let args, _), .logical(_, let args): args
        case .unary(_, let operand): [operand]
        case .binary(_, let left, let right): [left, right]
        case .inList(let operand, let list, _): [operand] + list
        case .between(let operand, let low, let high, _): [operand, low, high]
        case .case(let operand, let whens, let elseResult):
            (operand.map { [$0] } ?? []) + whens.flatMap { [$0.when, $0.then] } + (elseResult.map { [$0] } ?? [])
        }
    }
}
