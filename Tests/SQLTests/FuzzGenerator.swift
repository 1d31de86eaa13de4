import Encoding
import SQL

/// Writes random SQL for the fuzz tests: statements from the grammar, subqueries, set
/// operations and CAST among them (mostly about a small movies/genres schema, so a full
/// pipeline finds real tables and columns, with two tables without a primary key: `reviews`,
/// holding duplicate rows, and `picks`, made by CREATE TABLE … AS SELECT), then — most of the
/// time — damaged on purpose.
///
/// The mix per statement: 35% left intact, 35% token mutations (delete, duplicate, swap,
/// insert a random keyword/operator/junk token), 15% character mutations (delete, insert,
/// duplicate a slice, truncate), 1% deep nesting (up to 400 levels), 14% token soup.
struct FuzzSQLGenerator {
    /// The schema the generated statements mostly refer to.
    static let schema: [(table: String, columns: [String])] = [
        ("movies", ["id", "title", "rating", "genre_id", "released", "seen"]),
        ("genres", ["id", "name"]),
        // Keyless, with the column names of the tables above, so more random names resolve.
        ("reviews", ["id", "name", "rating"]),
        ("picks", ["id", "title", "rating"]),
    ]
    /// The same schema as DDL, for pipelines that need the tables to exist.
    static let setup = [
        "CREATE TABLE genres (id INTEGER PRIMARY KEY, name STRING NOT NULL UNIQUE)",
        "CREATE TABLE movies (id INTEGER PRIMARY KEY, title STRING NOT NULL, rating FLOAT, genre_id INTEGER REFERENCES genres INDEX, released INTEGER DEFAULT 2000, seen BOOLEAN)",
        "INSERT INTO genres VALUES (1, 'drama'), (2, 'comedy'), (3, 'sci-fi')",
        "INSERT INTO movies VALUES (1, 'Stalker', 8.2, 3, 1979, TRUE), (2, 'Heat', 8.3, 1, 1995, NULL), (3, 'Primer', 6.9, 3, 2004, FALSE), (4, 'Up', NULL, 2, 2009, TRUE)",
        "CREATE TABLE reviews (id INTEGER, name STRING, rating FLOAT)",
        "INSERT INTO reviews VALUES (1, 'slow', 5.0), (1, 'slow', 5.0), (2, NULL, 4.5), (4, 'fun', NULL)",
        "INSERT INTO reviews SELECT id, title, rating FROM movies WHERE rating > 8",
        "CREATE TABLE picks AS SELECT id, title, rating FROM movies WHERE seen",
    ]

    static let functions = ["abs", "round", "upper", "lower", "length", "substr", "coalesce", "nullif", "sqrt",
                            "count", "sum", "avg", "min", "max", "nope"]
    static let binaryOperators = ["+", "-", "*", "/", "%", "^", "||", "=", "!=", "<>", "<", "<=", ">", ">=",
                                  "AND", "OR", "LIKE", "NOT LIKE", "IS DISTINCT FROM", "IS NOT DISTINCT FROM"]
    static let junk = ["'", "\"", "--", "/*", "*/", ";", "#", "@", "|", "_x", "👋", "é", "\u{301}", "\u{0}", "\n",
                       "\r\n", "\t", "9223372036854775808", "99999999999999999999999999", "1e", "1.2.3", ".", "..",
                       "'open", "\"open", "((", "))", ",", "*", "!", "(", ")", "t.*", "?", "$1", "[", "]", "{",
                       "'", "''", "\"\"", "表", "ÄÅÆ", "x", "-- ;", "/* ; */", "'--'", "NaN", "-0.0"]
    static let tokens: [String] = Keywords.all + binaryOperators + junk + ["=", "(", ")", ",", ";", "."]

    /// The next fuzz input.
    mutating func next(_ rng: inout SplitMix64) -> String {
        let roll = rng.next() % 100
        var tokens = statement(&rng)
        switch roll {
        case 0..<35:
            return tokens.joined(separator: " ")
        case 35..<70:
            for _ in 0...(rng.next() % 3) { mutate(&tokens, &rng) }
            return tokens.joined(separator: rng.next() % 4 == 0 ? "" : " ")
        case 70..<85:
            var characters = Array(tokens.joined(separator: " "))
            for _ in 0...(rng.next() % 3) { mutate(&characters, &rng) }
            return String(characters)
        case 85..<86:
            return "SELECT " + deepExpression(&rng)
        default:
            let count = Int(rng.next() % 12)
            return (0..<count).map { _ in pick(Self.tokens, &rng) }.joined(separator: " ")
        }
    }

    // MARK: - Grammar

    func statement(_ rng: inout SplitMix64) -> [String] {
        switch rng.next() % 22 {
        case 0..<8: return select(&rng)
        case 8, 9: return insert(&rng)
        case 10: return update(&rng)
        case 11: return delete(&rng)
        case 12: return createTable(&rng)
        case 13: return ["DROP", "TABLE"] + (chance(3, &rng) ? ["IF", "EXISTS"] : []) + [table(&rng)]
        case 14:
            return ["CREATE"] + (chance(3, &rng) ? ["UNIQUE"] : []) + ["INDEX", name(&rng), "ON", table(&rng), "(", column(&rng), ")"]
        case 15: return ["DROP", "INDEX"] + (chance(3, &rng) ? ["IF", "EXISTS"] : []) + [name(&rng)]
        case 16:
            var tokens = ["BEGIN"]
            if chance(2, &rng) { tokens.append("TRANSACTION") }
            if chance(2, &rng) { tokens += chance(2, &rng) ? ["READ", "ONLY"] : ["READ", "WRITE"] }
            if chance(3, &rng) { tokens += ["AS", "OF", "SYSTEM", "TIME", "\(rng.next() % 10)"] }
            return tokens
        case 17: return [chance(2, &rng) ? "COMMIT" : "ROLLBACK"]
        case 18, 19: return ["EXPLAIN"] + (chance(2, &rng) ? ["ANALYZE"] : []) + select(&rng)
        case 20: return ["CREATE", "TABLE", name(&rng), "AS"] + (chance(2, &rng) ? select(&rng) : copy(&rng))
        default:
            var tokens = ["INSERT", "INTO"]
            if chance(2, &rng) { return tokens + [table(&rng)] + select(&rng) }
            let target = pick(Self.schema, &rng)
            tokens.append(target.table)
            if chance(2, &rng) { tokens += ["(", pick(target.columns, &rng), ")"] + copy(&rng, width: 1) }
            return tokens + copy(&rng)
        }
    }

    func select(_ rng: inout SplitMix64) -> [String] {
        var tokens = ["SELECT"]
        if chance(6, &rng) { tokens.append("DISTINCT") } else if chance(12, &rng) { tokens.append("ALL") }
        let items = 1 + Int(rng.next() % 3)
        for i in 0..<items {
            if i > 0 { tokens.append(",") }
            switch rng.next() % 8 {
            case 0: tokens.append("*")
            case 1: tokens += [table(&rng), ".", "*"]
            default:
                tokens += expression(1 + Int(rng.next() % 3), &rng)
                if chance(4, &rng) { tokens += chance(2, &rng) ? ["AS", name(&rng)] : [name(&rng)] }
            }
        }
        if chance(5, &rng) == false {
            if chance(8, &rng) {
                tokens += ["FROM", "("] + subquery(2, &rng) + [")", "AS", name(&rng)]
            } else {
                tokens += ["FROM", table(&rng)]
            }
            if chance(3, &rng) { tokens.append(name(&rng)) }
            if chance(3, &rng) {
                let join = pick([["JOIN"], ["INNER", "JOIN"], ["LEFT", "JOIN"], ["RIGHT", "OUTER", "JOIN"], ["LEFT", "OUTER", "JOIN"]], &rng)
                tokens += join + [table(&rng), "ON"] + expression(2, &rng)
            } else if chance(6, &rng) {
                tokens += ["CROSS", "JOIN", table(&rng)]
            } else if chance(6, &rng) {
                tokens += [",", table(&rng)]
            }
        }
        if chance(2, &rng) { tokens += ["WHERE"] + expression(2, &rng) }
        if chance(5, &rng) {
            tokens += ["GROUP", "BY"] + expression(1, &rng)
            if chance(2, &rng) { tokens += ["HAVING"] + expression(2, &rng) }
        }
        if chance(6, &rng) {
            tokens += [pick(["UNION", "UNION ALL", "INTERSECT", "INTERSECT ALL", "EXCEPT", "EXCEPT ALL"], &rng)]
                + subquery(2, &rng)
        }
        if chance(3, &rng) {
            tokens += ["ORDER", "BY"] + expression(1, &rng)
            if chance(2, &rng) { tokens.append(chance(2, &rng) ? "ASC" : "DESC") }
            if chance(3, &rng) { tokens += [",", "\(1 + rng.next() % 3)"] }
        }
        if chance(4, &rng) { tokens += ["LIMIT", "\(rng.next() % 5)"] }
        if chance(6, &rng) { tokens += ["OFFSET", "\(rng.next() % 3)"] }
        return tokens
    }

    /// `SELECT` of `width` (default: all) real columns of one table, often filtered: a query
    /// CREATE TABLE … AS and INSERT … SELECT can mostly use as it is.
    func copy(_ rng: inout SplitMix64, width: Int? = nil) -> [String] {
        let source = pick(Self.schema, &rng)
        var tokens = ["SELECT"]
        if let width {
            for i in 0..<width { tokens += (i > 0 ? [","] : []) + [pick(source.columns, &rng)] }
        } else {
            tokens.append("*")
        }
        tokens += ["FROM", source.table]
        if chance(2, &rng) { tokens += ["WHERE"] + expression(1, &rng) }
        return tokens
    }

    func insert(_ rng: inout SplitMix64) -> [String] {
        var tokens = ["INSERT", "INTO", table(&rng)]
        let width = 1 + Int(rng.next() % 4)
        if chance(2, &rng) {
            tokens.append("(")
            for i in 0..<width { tokens += (i > 0 ? [","] : []) + [column(&rng)] }
            tokens.append(")")
        }
        tokens.append("VALUES")
        for row in 0..<(1 + Int(rng.next() % 3)) {
            tokens += (row > 0 ? [","] : []) + ["("]
            for i in 0..<width {
                if i > 0 { tokens.append(",") }
                tokens += chance(8, &rng) ? ["DEFAULT"] : (chance(2, &rng) ? [literal(&rng)] : expression(1, &rng))
            }
            tokens.append(")")
        }
        return tokens
    }

    func update(_ rng: inout SplitMix64) -> [String] {
        var tokens = ["UPDATE", table(&rng), "SET"]
        for i in 0..<(1 + Int(rng.next() % 2)) {
            tokens += (i > 0 ? [","] : []) + [column(&rng), "="] + (chance(8, &rng) ? ["DEFAULT"] : expression(2, &rng))
        }
        if chance(2, &rng) { tokens += ["WHERE"] + expression(2, &rng) }
        return tokens
    }

    func delete(_ rng: inout SplitMix64) -> [String] {
        ["DELETE", "FROM", table(&rng)] + (chance(2, &rng) ? ["WHERE"] + expression(2, &rng) : [])
    }

    func createTable(_ rng: inout SplitMix64) -> [String] {
        var tokens = ["CREATE", "TABLE", name(&rng), "("]
        for i in 0..<(1 + Int(rng.next() % 4)) {
            if i > 0 { tokens.append(",") }
            tokens += [name(&rng), pick(["INTEGER", "INT", "STRING", "TEXT", "VARCHAR", "FLOAT", "DOUBLE", "BOOLEAN", "BOOL"], &rng)]
            // A third of the tables have no primary key (their rows get hidden row ids).
            if (i == 0 && !chance(3, &rng)) || chance(8, &rng) { tokens += ["PRIMARY", "KEY"] }
            if chance(4, &rng) { tokens += chance(2, &rng) ? ["NOT", "NULL"] : ["NULL"] }
            if chance(5, &rng) { tokens += ["DEFAULT", literal(&rng)] }
            if chance(6, &rng) { tokens.append("UNIQUE") }
            if chance(6, &rng) { tokens.append("INDEX") }
            if chance(6, &rng) { tokens += ["REFERENCES", table(&rng)] }
        }
        return tokens + [")"]
    }

    /// A small SELECT whose expressions are at most `depth` levels deep, for subqueries and
    /// set operations (its expressions hold subqueries only while depth lasts, so it ends).
    func subquery(_ depth: Int, _ rng: inout SplitMix64) -> [String] {
        var tokens = ["SELECT"] + expression(depth, &rng)
        if chance(4, &rng) { tokens += [",", column(&rng)] }
        tokens += ["FROM", table(&rng)]
        if chance(3, &rng) { tokens.append(name(&rng)) }
        if chance(2, &rng) { tokens += ["WHERE"] + expression(depth, &rng) }
        return tokens
    }

    /// An expression of at most `depth` levels of operators (a subquery counts as one).
    func expression(_ depth: Int, _ rng: inout SplitMix64) -> [String] {
        if depth <= 0 || chance(4, &rng) { return atom(&rng) }
        switch rng.next() % 17 {
        case 14: return ["("] + subquery(depth - 1, &rng) + [")"]
        case 15:
            if chance(2, &rng) { return [chance(3, &rng) ? "NOT EXISTS" : "EXISTS", "("] + subquery(depth - 1, &rng) + [")"] }
            return expression(depth - 1, &rng) + [chance(3, &rng) ? "NOT IN" : "IN", "("] + subquery(depth - 1, &rng) + [")"]
        case 16:
            return ["CAST", "("] + expression(depth - 1, &rng)
                + ["AS", pick(["INTEGER", "INT", "FLOAT", "STRING", "TEXT", "BOOLEAN", "DATE"], &rng), ")"]
        case 0..<5:
            return expression(depth - 1, &rng) + [pick(Self.binaryOperators, &rng)] + expression(depth - 1, &rng)
        case 5: return [pick(["-", "+", "NOT"], &rng)] + expression(depth - 1, &rng)
        case 6: return expression(depth - 1, &rng) + [pick(["!", "IS NULL", "IS NOT NULL", "IS NAN", "IS NOT NAN"], &rng)]
        case 7: return ["("] + expression(depth - 1, &rng) + [")"]
        case 8:
            var tokens = expression(depth - 1, &rng) + [chance(3, &rng) ? "NOT IN" : "IN", "("]
            for i in 0..<(1 + Int(rng.next() % 3)) { tokens += (i > 0 ? [","] : []) + expression(depth - 1, &rng) }
            return tokens + [")"]
        case 9:
            return expression(depth - 1, &rng) + [chance(3, &rng) ? "NOT BETWEEN" : "BETWEEN"]
                + expression(depth - 1, &rng) + ["AND"] + expression(depth - 1, &rng)
        case 10:
            var tokens = ["CASE"]
            if chance(2, &rng) { tokens += expression(depth - 1, &rng) }
            for _ in 0..<(1 + Int(rng.next() % 2)) {
                tokens += ["WHEN"] + expression(depth - 1, &rng) + ["THEN"] + expression(depth - 1, &rng)
            }
            if chance(2, &rng) { tokens += ["ELSE"] + expression(depth - 1, &rng) }
            return tokens + ["END"]
        default:
            let function = pick(Self.functions, &rng)
            if function == "count", chance(2, &rng) { return ["count", "(", "*", ")"] }
            var tokens = [function, "("]
            if chance(6, &rng) { tokens.append("DISTINCT") }
            for i in 0..<Int(rng.next() % 3) { tokens += (i > 0 ? [","] : []) + expression(depth - 1, &rng) }
            return tokens + [")"]
        }
    }

    func atom(_ rng: inout SplitMix64) -> [String] {
        switch rng.next() % 10 {
        case 0..<4: return [column(&rng)]
        case 4: return [table(&rng) + "." + column(&rng)]
        default: return [literal(&rng)]
        }
    }

    func literal(_ rng: inout SplitMix64) -> String {
        pick(["NULL", "TRUE", "FALSE", "0", "1", "42", "-7", "3.14", "2.5e3", ".5", "3.", "1e309", "INFINITY", "NAN",
              "9223372036854775807", "9223372036854775808", "''", "'a'", "'it''s'", "'%a_'", "'😀 ünï'", "'a;b'",
              "'-- no comment'", "'Stalker'", "\(rng.next() % 1000)", "\(Double(rng.next() % 10_000) / 7)"], &rng)
    }

    func table(_ rng: inout SplitMix64) -> String {
        chance(10, &rng) ? pick(["nope", "\"Movies\"", "\"weird \"\"name\"\"\"", "表", "time"], &rng)
            : pick(Self.schema, &rng).table
    }

    func column(_ rng: inout SplitMix64) -> String {
        chance(10, &rng) ? pick(["nmae", "\"select\"", "key", "\"ÄÅÆ\""], &rng)
            : pick(pick(Self.schema, &rng).columns, &rng)
    }

    func name(_ rng: inout SplitMix64) -> String {
        pick(["t", "x", "alias", "n_1", "\"Quoted Name\"", "ünï", "time", "\"\"\"\""], &rng)
    }

    /// Pathologically nested expressions, hundreds to thousands of levels deep.
    func deepExpression(_ rng: inout SplitMix64) -> String {
        let depth = Int(rng.next() % 400)
        switch rng.next() % 6 {
        case 0: return String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)
        case 1: return String(repeating: "- ", count: depth) + "1"
        case 2: return String(repeating: "NOT ", count: depth) + "TRUE"
        case 3: return "3" + String(repeating: "!", count: depth)
        case 4: return Array(repeating: "1", count: depth + 1).joined(separator: pick([" + ", " ^ ", " AND ", " || "], &rng))
        default: return String(repeating: "abs(", count: depth) + "1" + String(repeating: ")", count: depth)
        }
    }

    // MARK: - Mutations

    func mutate(_ tokens: inout [String], _ rng: inout SplitMix64) {
        guard !tokens.isEmpty else {
            tokens.append(pick(Self.tokens, &rng))
            return
        }
        let i = Int(rng.next() % UInt64(tokens.count))
        switch rng.next() % 5 {
        case 0: tokens.remove(at: i)
        case 1: tokens.insert(tokens[i], at: i)
        case 2:
            let j = Int(rng.next() % UInt64(tokens.count))
            tokens.swapAt(i, j)
        case 3: tokens.insert(pick(Self.tokens, &rng), at: i)
        default: tokens[i] = pick(Self.tokens, &rng)
        }
    }

    func mutate(_ characters: inout [Character], _ rng: inout SplitMix64) {
        guard !characters.isEmpty else { return }
        let i = Int(rng.next() % UInt64(characters.count))
        switch rng.next() % 5 {
        case 0: characters.remove(at: i)
        case 1: characters.insert(contentsOf: Array(pick(Self.junk, &rng)), at: i)
        case 2:
            let end = min(characters.count, i + 1 + Int(rng.next() % 8))
            characters.insert(contentsOf: characters[i..<end], at: i)
        case 3: characters.removeSubrange(i...)
        default:
            let j = Int(rng.next() % UInt64(characters.count))
            characters.swapAt(i, j)
        }
    }

    // MARK: - Randomness

    func pick<T>(_ items: [T], _ rng: inout SplitMix64) -> T {
        precondition(!items.isEmpty, "pick from an empty list")
        return items[Int(rng.next() % UInt64(items.count))]
    }

    /// True one time in `n`.
    func chance(_ n: UInt64, _ rng: inout SplitMix64) -> Bool { rng.next() % n == 0 }
}
