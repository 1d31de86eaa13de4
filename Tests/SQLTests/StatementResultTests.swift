import SQL
import Testing

@Test func commandTagsAndCountsFollowTheJSONContract() {
    #expect(StatementResult.insert(count: 3).commandTag == "INSERT")
    #expect(StatementResult.insert(count: 3).affectedRows == 3)
    #expect(StatementResult.createTable(name: "t").affectedRows == nil)
}
