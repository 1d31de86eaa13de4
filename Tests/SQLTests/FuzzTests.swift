import Encoding
import Foundation
import Testing
import SQL

/// Fuzzing: a seeded generator writes SQL from the grammar (subqueries, set operations, CAST,
/// keyless tables and CREATE TABLE … AS included), then breaks it (drops, repeats and
/// swaps tokens, splices in keywords, operators, quotes, comment markers, unicode and huge
/// numbers, nests expressions hundreds deep). 60,000 statements go through the splitter, lexer
/// and parser; 44,000 more through a whole `Session` on an in-memory database with a small
/// movies schema, two of its tables without a primary key (plan, optimize, execute; CREATE
/// TABLE … AS and INSERT … SELECT among them). Errors are expected; a crash, a hang or a broken
/// property is a bug:
///
/// - a statement that parses prints (`description`) as SQL that parses back to the same text;
/// - every error points inside the statement it is about;
/// - each statement the splitter returns ends with its `;` and splits to exactly itself.
///
/// The seed is fixed so a run is reproducible. To replay or explore:
/// `CUTAWAY_FUZZ_SEED=<n> CUTAWAY_FUZZ_COUNT=<n> CUTAWAY_FUZZ_PIPELINE_COUNT=<n>
/// swift test --filter FuzzTests`, and
/// `CUTAWAY_FUZZ_TRACE=1` prints each statement before it is tried (to find one that crashes).
@Suite("Fuzz")
struct FuzzTests {
    static let environment = ProcessInfo.processInfo.environment
    static let seed = environment["CUTAWAY_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5EED_C0DE
    /// Statements through the front end per run, split into shards that run in parallel.
    static let count = environment["CUTAWAY_FUZZ_COUNT"].flatMap { Int($0) } ?? 60_000
    static let shards = 4
    static let trace = environment["CUTAWAY_FUZZ_TRACE"] == "1"

    @Test("generated and mutated statements never crash the lexer, parser or splitter", arguments: 0..<shards)
    func frontEnd(shard: Int) {
        // Each shard has its own seed derived from the run's seed, so shards are independent.
        let seed = Self.seed &+ UInt64(shard) &* 0x9E37_79B9
        var rng = SplitMix64(seed: seed)
        var generator = FuzzSQLGenerator()
        let count = Self.count / Self.shards
        var parsed = 0
        var failures = 0
        for iteration in 0..<count {
            let text = generator.next(&rng)
            if Self.trace { print("fuzz seed \(seed) #\(iteration): \(text)") }
            let problems = FuzzChecks.frontEnd(text)
            if problems.parsed { parsed += 1 }
            for problem in problems.issues {
                failures += 1
                if failures <= 10 {
                    Issue.record("seed \(seed) (shard \(shard)) iteration \(iteration): \(problem)\n  statement: \(text)")
                }
            }
        }
        // The mix must exercise both paths: plenty of valid statements and plenty of errors.
        #expect(parsed > count / 10, "only \(parsed) of \(count) statements parsed (seed \(seed))")
        #expect(parsed < count * 9 / 10, "\(parsed) of \(count) statements parsed: too few errors (seed \(seed))")
    }

    /// Statements through the whole pipeline (parse, plan, optimize, execute) per run.
    static let pipelineCount = environment["CUTAWAY_FUZZ_PIPELINE_COUNT"].flatMap { Int($0) } ?? 44_000
    static let pipelineShards = 2
    /// A fresh database every so many statements, so DROP TABLE and DELETE don't leave the rest
    /// of the run with nothing to query.
    static let statementsPerDatabase = 150

    @Test("generated and mutated statements never crash the planner or executor", arguments: 0..<pipelineShards)
    func pipeline(shard: Int) throws {
        let seed = Self.seed &+ 0x1_0000 &+ UInt64(shard) &* 0x9E37_79B9
        var rng = SplitMix64(seed: seed)
        var generator = FuzzSQLGenerator()
        let count = Self.pipelineCount / Self.pipelineShards
        var session = try Self.freshSession()
        var succeeded = 0
        var failed = 0
        // Statements that made a table from a query or inserted a query's rows.
        var fromQueries = 0
        for iteration in 0..<count {
            if iteration % Self.statementsPerDatabase == 0 { session = try Self.freshSession() }
            let text = generator.next(&rng)
            if Self.trace { print("fuzz pipeline seed \(seed) #\(iteration): \(text)") }
            do {
                _ = try session.execute(text)
                succeeded += 1
                if text.hasPrefix("CREATE TABLE") || text.hasPrefix("INSERT INTO"), text.contains(" SELECT ") { fromQueries += 1 }
            } catch {
                failed += 1
                if error.position == nil && error.kind == .syntax {
                    Issue.record("seed \(seed) iteration \(iteration): syntax error without a position: \(error)\n  statement: \(text)")
                }
            }
        }
        // After all that, the last database still answers (nothing was left half-applied).
        if session.transaction != nil { _ = try? session.execute("ROLLBACK") }
        _ = try session.execute("SELECT 1")
        // Both outcomes must be common, or the run tested little.
        #expect(succeeded > count / 20, "only \(succeeded) of \(count) statements succeeded (seed \(seed))")
        #expect(failed > count / 20, "only \(failed) of \(count) statements failed (seed \(seed))")
        #expect(fromQueries > count / 500, "only \(fromQueries) CREATE TABLE … AS or INSERT … SELECT succeeded (seed \(seed))")
    }

    static func freshSession() throws -> Session {
        let session = Session(engine: try LocalEngine.memory())
        for statement in FuzzSQLGenerator.setup { _ = try session.execute(statement) }
        return session
    }

    @Test("deep nesting is refused with a clear error, never a stack overflow")
    func deepNesting() throws {
        let depth = 10_000  // fifty times the limit: enough to overflow any unguarded recursion
        let cases = [
            String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth),
            String(repeating: "- ", count: depth) + "1",
            String(repeating: "NOT ", count: depth) + "TRUE",
            "1" + String(repeating: "!", count: depth),
            Array(repeating: "1", count: depth).joined(separator: " + "),
            String(repeating: "(SELECT ", count: depth) + "1" + String(repeating: ")", count: depth),
            "2" + String(repeating: " ^ 2", count: depth),
            String(repeating: "abs(", count: depth) + "1" + String(repeating: ")", count: depth),
            String(repeating: "CASE WHEN TRUE THEN ", count: depth) + "1" + String(repeating: " END", count: depth),
            String(repeating: "x IN (", count: depth) + "1" + String(repeating: ")", count: depth),
        ]
        for expression in cases {
            let statement = "SELECT " + expression
            #expect(throws: SQLError.self, "\(statement.prefix(40))…") { try Parser.parse(statement) }
            do {
                _ = try Parser.parse(statement)
            } catch {
                #expect(error.message.contains("nested too deeply"), "\(statement.prefix(40))…: \(error)")
            }
        }
        // Just inside the limit still parses.
        let limit = Parser.maxDepth - 2
        let fine = String(repeating: "(", count: limit) + "1" + String(repeating: ")", count: limit)
        #expect(throws: Never.self) { try Parser.parse("SELECT " + fine) }
        let chain = Array(repeating: "1", count: limit).joined(separator: " + ")
        #expect(try Parser.parseExpression(chain).depth == limit)
        let joins = "SELECT * FROM t" + String(repeating: " JOIN t ON TRUE", count: depth)
        #expect(throws: SQLError.self) { try Parser.parse(joins) }
    }

    @Test("huge inputs are handled in linear time")
    func hugeInputs() throws {
        let values = Array(repeating: "(1, 'x', 2.5, NULL)", count: 20_000).joined(separator: ", ")
        let insert = try Parser.parse("INSERT INTO t VALUES " + values)
        guard case .insert(_, _, let rows) = insert else {
            Issue.record("not an INSERT: \(insert)")
            return
        }
        #expect(rows.count == 20_000)
        let longString = String(repeating: "é'';", count: 50_000)
        let (statements, remainder) = StatementSplitter.split("SELECT '\(longString)'; SELECT 1")
        #expect(statements.count == 1)
        #expect(remainder == "SELECT 1")
        let digits = String(repeating: "9", count: 10_000)
        #expect(throws: SQLError.self) { try Parser.parse("SELECT \(digits)") }
        #expect(try Parser.parseExpression(digits + ".5").kind == .literal(.float(.infinity)))
    }
}

/// The properties checked for one fuzzed text.
enum FuzzChecks {
    static func frontEnd(_ text: String) -> (parsed: Bool, issues: [String]) {
        var issues: [String] = []
        var parsed = false
        do {
            let statement = try Parser.parse(text)
            parsed = true
            let printed = statement.description
            do {
                let reparsed = try Parser.parse(printed)
                if reparsed.description != printed {
                    issues.append("round trip changed the statement:\n  printed:  \(printed)\n  reprinted: \(reparsed.description)")
                }
            } catch where error.message.contains("nested too deeply") {
                // Printing adds parentheses, which count as nesting: acceptable near the limit.
            } catch {
                issues.append("printed form does not parse: \(error)\n  printed: \(printed)")
            }
        } catch {
            issues += positionIssues(error, in: text)
        }
        let (statements, _) = StatementSplitter.split(text)
        for statement in statements {
            if statement.last != ";" { issues.append("split statement does not end with ';': \(statement)") }
            let again = StatementSplitter.split(statement)
            if again.statements != [statement] || !again.remainder.isEmpty {
                issues.append("split statement does not split to itself: \(statement) → \(again)")
            }
        }
        return (parsed, issues)
    }

    static func positionIssues(_ error: SQLError, in text: String) -> [String] {
        guard let position = error.position else { return ["error without a position: \(error)"] }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard position.offset >= 0, position.offset <= text.count,
              position.line >= 1, position.line <= max(lines.count, 1), position.column >= 1 else {
            return ["error position \(position) (offset \(position.offset)) outside the text: \(error)"]
        }
        _ = error.rendered(in: text)
        return []
    }
}

