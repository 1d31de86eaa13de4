import SQLScriptSupport
import Testing

/// The SQL scripts (`Tests/Scripts/SQL/<area>/*.txt`) on the reference engine, LocalEngine in
/// memory. Another engine runs the same files with `SQLScripts.check(name, on: itsFactory,
/// rewrite: false)` and must print the same output.
struct GoldenScriptTests {
    @Test(arguments: SQLScripts.files)
    func script(_ name: String) throws {
        try SQLScripts.check(name, on: TestSupport.makeEngine)
    }

    @Test func thereAreScripts() {
        #expect(SQLScripts.files.count >= 10)
    }
}
