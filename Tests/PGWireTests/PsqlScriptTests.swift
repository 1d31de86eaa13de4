import Cluster
import Foundation
import ScriptTesting
import Shell
import Testing

/// psql against the REPL's embedded cluster, served with `.pg start`: each file in
/// `Tests/Scripts/PGWire/` is a story. `a> SQL` is typed into psql session `a` (`b>` into a
/// second psql, started on first use), and the lines under it are what psql prints;
/// `repl> .command` is typed into the REPL that serves them, to watch their sessions;
/// `python> program.py` runs a Python driver program from `Tests/PGWireTests` against them.
@Suite(.serialized) struct PsqlScriptTests {
    static let area = "PGWire"

    @Test func thereAreScripts() {
        #expect(GoldenScripts.files(Self.area).count >= 2)
    }

    @Test(arguments: GoldenScripts.files(area))
    func script(_ name: String) throws {
        let cluster = try LocalCluster(options: LocalCluster.Options())
        defer { cluster.stop() }
        let interpreter = try PGScriptInterpreter(backend: ClusterBackend(cluster: cluster))
        defer { interpreter.finish() }
        try GoldenScripts.check(Self.area, name, with: interpreter)
    }
}

/// Runs each command in the psql session or the REPL its prefix names.
final class PGScriptInterpreter: ScriptInterpreter {
    private let output = CapturedOutput()
    let driver: ShellDriver
    let port: Int
    private var clients: [String: PsqlClient] = [:]

    init(backend: any ShellBackend) throws {
        _ = try PsqlClient.path()
        driver = try ShellDriver(backend: backend, output: output, options: {
            var options = ShellDriver.Options()
            options.width = 80
            return options
        }())
        _ = try driver.startPG(address: "127.0.0.1:0")
        port = driver.pgServer?.port ?? 0
    }

    func run(prefix: String, command: String) -> [String] {
        if prefix == "repl" {
            let before = output.text.count
            driver.feed(line: command)
            var lines = String(output.text.dropFirst(before)).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            return lines
        }
        if prefix == "python" {
            do {
                let python = try PythonDrivers.ensure()
                let program = PythonDrivers.programs.appendingPathComponent(command).path
                let (status, text) = try PythonDrivers.run(python, [program, String(port)], timeout: 60)
                // Its connections are gone once the server has seen them close.
                for _ in 0..<500 where !(driver.pgServer?.clients.isEmpty ?? true) { usleep(10_000) }
                var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if lines.last == "" { lines.removeLast() }
                return lines + (status == 0 ? [] : ["<exit status \(status)>"])
            } catch {
                return ["<\(error)>"]
            }
        }
        let name = prefix.isEmpty ? "a" : prefix
        do {
            let client = try clients[name] ?? PsqlClient(port: port)
            clients[name] = client
            return client.run(command)
        } catch {
            return ["<cannot start psql: \(error)>"]
        }
    }

    func finish() {
        for client in clients.values { client.finish() }
        driver.pgServer?.stop()
    }
}
