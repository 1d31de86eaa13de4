/// A table's definition as stored in the catalog.
public struct Table: Sendable, Hashable {
    public var name: String
    /// Position of the primary key column in `columns`.
    public var primaryKey: Int
    public var columns: [Column]
    /// For a table without a primary key: the value of the table name's row-id counter when
    /// this table was created, so its hidden row ids start again at 1 (id = counter − base).
    /// The counter itself is never reset, because it lives outside transactions: a DROP and
    /// CREATE that roll back must leave the old table's next ids above its existing ones.
    public var rowIDBase: Int64

    public init(name: String, primaryKey: Int, columns: [Column], rowIDBase: Int64 = 0) {
        self.name = name
        self.primaryKey = primaryKey
        self.columns = columns
        self.rowIDBase = rowIDBase
    }

    /// The name of the hidden row id column a table without a primary key gets as its key. It
    /// is empty because no user column may be (CREATE TABLE refuses empty names), so the row id
    /// can never clash with a column the user wrote, and `SELECT *` and `.schema` skip it.
    public static let rowIDName = ""

    /// Whether the primary key is the hidden row id (the table was created without a key).
    public var hasRowID: Bool {
        columns.indices.contains(primaryKey) && columns[primaryKey].name == Table.rowIDName
    }

    /// The columns the user wrote, without the hidden row id.
    public var visibleColumns: [Column] {
        columns.filter { $0.name != Table.rowIDName }
    }

    /// A table without a primary key: the rows are keyed by a hidden row id, placed last so
    /// that the user's columns keep their positions (the engine assigns it on insert).
    public init(keylessNamed name: String, columns: [Column]) {
        self.init(name: name, primaryKey: columns.count,
                  columns: columns + [Column(name: Table.rowIDName, dataType: .integer, nullable: false)])
    }

    /// The position of the column named exactly `name`, if any.
    public func columnIndex(_ name: String) -> Int? {
        // Exact, as in every query: the lexer has already lowercased unquoted names.
        columns.firstIndex { $0.name == name }
    }
}

/// A column's definition.
public struct Column: Sendable, Hashable {
    public var name: String
    public var dataType: DataType
    /// Whether the column accepts NULL. The primary key column must be built with `false`
    /// (the planner passes `true` only when the user wrote `NULL`, which CREATE TABLE rejects).
    public var nullable: Bool
    /// The value INSERT uses when the column is omitted (nil: no default; `.null` only if nullable).
    public var defaultValue: Value?
    public var unique: Bool
    /// Names of secondary indexes on this column (an `INDEX` constraint creates one named
    /// `<table>_<column>_idx`; CREATE INDEX adds named ones). Empty: not indexed.
    public var indexes: [String]
    /// The referenced table (whose primary key this column's values must exist in).
    public var references: String?
    /// Names of the indexes created by CREATE UNIQUE INDEX (each also listed in `indexes`):
    /// they make the column unique until the last of them is dropped, while `unique` is the
    /// column's own UNIQUE constraint.
    public var uniqueIndexes: [String]

    public init(name: String, dataType: DataType, nullable: Bool = true, defaultValue: Value? = nil,
                unique: Bool = false, indexes: [String] = [], references: String? = nil,
                uniqueIndexes: [String] = []) {
        self.name = name
        self.dataType = dataType
        self.nullable = nullable
        self.defaultValue = defaultValue
        self.unique = unique
        self.indexes = indexes
        self.references = references
        self.uniqueIndexes = uniqueIndexes
    }

    /// Whether lookups by value on this column can use an index.
    public var isIndexed: Bool { !indexes.isEmpty || unique }

    /// Whether two rows may not share a non-NULL value (UNIQUE or a unique index).
    public var isUnique: Bool { unique || !uniqueIndexes.isEmpty }
}

