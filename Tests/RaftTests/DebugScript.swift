import Foundation
import Testing
@Test func debugScript() throws {
    guard let path = ProcessInfo.processInfo.environment["RAFT_SCRIPT"] else { return }
    print(ScenarioRunner.run(try String(contentsOfFile: path, encoding: .utf8)))
}
