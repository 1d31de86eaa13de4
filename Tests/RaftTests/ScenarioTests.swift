import ScriptTesting
import Testing

/// Runs every scenario script in `Tests/Scripts/Raft/` and compares the output with the file.
@Suite struct ScenarioTests {
    static let area = "Raft"

    @Test func scriptsExist() {
        #expect(GoldenScripts.files(Self.area).count >= 10)
    }

    @Test(arguments: GoldenScripts.files(area))
    func scenario(_ name: String) throws {
        try GoldenScripts.check(Self.area, name, with: ScenarioRunner())
    }
}
