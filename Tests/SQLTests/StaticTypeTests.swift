@testable import SQL
import Testing

/// The planner's static types (`Planner.staticType`) are promises: CREATE TABLE … AS gives a
/// column that type, and set operations refuse a query for it. So whenever the plan names a
/// type, every non-NULL value the expression produces must have it. Checked on seeded random
/// expressions over a row of each type, evaluated on rows with NULLs, zeros and negatives.
struct StaticTypeTests {
    static let table = Table(name: "t", primaryKey: 0, columns: [
        Column(name: "i", dataType: .integer, nullable: false), Column(name: "f", dataType: .float),
        Column(name: "s", dataType: .string), Column(name: "b", dataType: .boolean), Column(name: "n", dataType: .integer),
    ])
    static let rows: [Row] = [
        [.integer(1), .float(2.5), .string("x"), .boolean(true), .integer(-2)],
        [.integer(0), .float(-0.5), .string(""), .boolean(false), .integer(3)],
        [.integer(-7), .null, .null, .null, .null],
    ]

    static func randomExpression(_ rng: inout ValueTestGenerator, depth: Int) -> Expression {
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        if depth == 0 || pick(4) == 0 {
            let leaves: [Expression] = [.column(0), .column(1), .column(2), .column(3), .column(4), .constant(.null),
                                        .constant(.integer(2)), .constant(.float(1.5)), .constant(.string("a")),
                                        .constant(.boolean(false))]
            return leaves[pick(leaves.count)]
        }
        func sub() -> Expression { randomExpression(&rng, depth: depth - 1) }
        let types: [DataType] = [.boolean, .integer, .float, .string]
        switch pick(16) {
        case 0: return .add(sub(), sub())
        case 1: return .multiply(sub(), sub())
        case 2: return .divide(sub(), sub())
        case 3: return .remainder(sub(), sub())
        case 4: return .exponentiate(sub(), sub())
        case 5: return .negate(sub())
        case 6: return .concat(sub(), sub())
        case 7: return .cast(sub(), types[pick(types.count)])
        case 8: return .caseWhen(operand: nil, branches: [CaseBranch(when: sub(), then: sub())], otherwise: sub())
        case 9: return .function(.coalesce, [sub(), sub()])
        case 10: return .function(.nullif, [sub(), sub()])
        case 11: return .function(.abs, [sub()])
        case 12: return .function(.round, [sub()])
        case 13: return .function(.sqrt, [sub()])
        case 14: return .function(.upper, [sub()])
        default: return .lessThan(sub(), sub())
        }
    }

    @Test func aStaticTypeHoldsForEveryValue() {
        var rng = ValueTestGenerator(seed: 1414)
        let source = Node.scan(table: Self.table, alias: nil, filter: nil)
        var checked = 0
        for _ in 0..<5_000 {
            let expression = Self.randomExpression(&rng, depth: 3)
            guard let type = Planner.staticType(of: expression, over: source) else { continue }
            for row in Self.rows {
                // Type errors and overflows are the executor's business; only values count here.
                guard let value = try? expression.evaluate(row), let actual = value.dataType else { continue }
                checked += 1
                #expect(actual == type, "\(expression.display(source.columns)) is \(actual.rawValue), planned as \(type.rawValue)")
            }
        }
        // Enough typed values were compared for the property to mean something.
        #expect(checked > 2_000, "only \(checked) values checked")
    }

    @Test func typesThatDependOnTheValuesAreUnknown() {
        let source = Node.scan(table: Self.table, alias: nil, filter: nil)
        // 2 ^ n is 0.25 for n = -2 and 8 for n = 3; a CASE of an INTEGER and a FLOAT is either.
        #expect(Planner.staticType(of: .exponentiate(.constant(.integer(2)), .column(4)), over: source) == nil)
        #expect(Planner.staticType(of: .caseWhen(operand: nil, branches: [CaseBranch(when: .column(3), then: .column(0))],
                                                 otherwise: .column(1)), over: source) == nil)
        #expect(Planner.staticType(of: .add(.column(0), .column(1)), over: source) == .float)
    }
}
