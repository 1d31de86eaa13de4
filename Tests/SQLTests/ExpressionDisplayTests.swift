@testable import SQL
import Testing

/// Displayed expressions (plan drawings, column headers) must mean what they show: parsing the
/// text back and planning it gives the same expression.
struct ExpressionDisplayTests {
    /// A random expression of the shapes the planner builds, over constants only.
    static func randomExpression(_ rng: inout ValueTestGenerator, depth: Int) -> Expression {
        let constants: [Value] = [.null, .boolean(true), .boolean(false), .integer(0), .integer(7),
                                  .float(2.5), .string("a'b"), .string("")]
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        if depth == 0 || pick(5) == 0 { return .constant(constants[pick(constants.count)]) }
        func sub() -> Expression { randomExpression(&rng, depth: depth - 1) }
        switch pick(27) {
        case 0: return .and([sub(), sub()])
        case 1: return .or([sub(), sub()])
        case 2: return .not(sub())
        case 3: return .equal(sub(), sub())
        case 4: return .notEqual(sub(), sub())
        case 5: return .greaterThan(sub(), sub())
        case 6: return .lessThanOrEqual(sub(), sub())
        case 7: return .isNull(sub())
        case 8: return .not(.isNull(sub()))
        case 9: return .isDistinctFrom(sub(), sub())
        case 10: return .not(.isDistinctFrom(sub(), sub()))
        case 11: return .inList(sub(), [sub(), sub()])
        case 12: return .not(.inList(sub(), [sub()]))
        case 13: return .between(sub(), low: sub(), high: sub())
        case 14: return .add(sub(), sub())
        case 15: return .subtract(sub(), sub())
        case 16: return .multiply(sub(), sub())
        case 17: return .remainder(sub(), sub())
        case 18: return .exponentiate(sub(), sub())
        case 19: return .factorial(sub())
        case 20: return .negate(sub())
        case 21: return .identity(sub())
        case 22: return .like(sub(), sub())
        case 23: return .not(.like(sub(), sub()))
        case 24: return .concat(sub(), sub())
        case 25: return .caseWhen(operand: nil, branches: [CaseBranch(when: sub(), then: sub())], otherwise: sub())
        default: return .function(.coalesce, [sub(), sub()])
        }
    }

    @Test func displayedExpressionsParseBackToThemselves() throws {
        var rng = ValueTestGenerator(seed: 2024)
        for _ in 0..<2_000 {
            let expression = Self.randomExpression(&rng, depth: 4)
            let text = expression.display([])
            let parsed = try Parser.parseExpression(text)
            let planned = try ExpressionBuilder(scope: .constant, clause: "test").build(parsed)
            #expect(planned == expression, "\(text)")
        }
    }
}
