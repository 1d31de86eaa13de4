import Cluster
import SQL
import SQLScriptSupport
import Testing

/// Every SQL golden script, run on a 3-node cluster, must print exactly what it prints on the
/// local engine (the files are the local engine's output: this test never rewrites them).
/// Sessions go through different nodes in turn, so forwarding is covered too.
@Test(arguments: SQLScripts.files)
func sqlScriptOnThreeNodeCluster(_ name: String) throws {
    var options = LocalCluster.Options()
    options.clock = .manual
    let cluster = try LocalCluster(options: options)
    try SQLScripts.check(name, on: { cluster.makeEngine(node: 2) }, rewrite: false)
}
