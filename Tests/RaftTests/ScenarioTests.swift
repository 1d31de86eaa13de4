import Foundation
import Testing

/// Runs every scenario script in `Tests/Scripts/Raft/` and compares the output with the file.
/// `UPDATE_GOLDEN=1 swift test --filter ScenarioTests` rewrites the files (review the diff!).
@Suite struct ScenarioTests {
    // Outside the test target's folder, so SwiftPM does not ask to declare them as resources.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts/Raft")

    static var scripts: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.sorted()
    }

    @Test func scriptsExist() {
        #expect(Self.scripts.count >= 10)
    }

    @Test(arguments: scripts)
    func scenario(_ name: String) throws {
        let url = Self.directory.appendingPathComponent(name)
        let expected = try String(contentsOf: url, encoding: .utf8)
        let actual = ScenarioRunner.run(expected)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        #expect(actual == expected, "scenario \(name) differs; rerun with UPDATE_GOLDEN=1 and review the diff")
    }
}
