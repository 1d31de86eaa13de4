import Cluster
import Foundation
import ScriptTesting
import Shell
import Testing

/// Cluster stories: the REPL on a 3-node in-process cluster with a manual clock, so every
/// election and message happens when the script says. A prefix is the session typing the line
/// (`alice> …`). Scripts named `bitcask_*` keep each node's log and data in BitCask files in a
/// fresh directory, so a restart really reopens them.
@Suite struct ClusterScriptTests {
    static let area = "Cluster"

    @Test func thereAreScripts() {
        #expect(GoldenScripts.files(Self.area).count >= 5)
    }

    @Test(arguments: GoldenScripts.files(area))
    func script(_ name: String) throws {
        var options = LocalCluster.Options()
        options.clock = .manual
        var directory: URL?
        if name.hasPrefix("bitcask") {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("cutaway-cluster-\(UUID().uuidString)")
            options.dataDirectory = url.path
            directory = url
        }
        defer { if let directory { try? FileManager.default.removeItem(at: directory) } }
        let cluster = try LocalCluster(options: options)
        defer { cluster.stop() }
        try GoldenScripts.check(Self.area, name, with: ShellScriptInterpreter(backend: ClusterBackend(cluster: cluster)))
    }
}
