import Foundation
import ScriptTesting

/// psycopg 3 in a virtual environment under `.build/pgvenv` (gitignored with the rest of
/// `.build`): made on first use with `python3 -m venv` and `pip install psycopg[binary]`,
/// reused while `import psycopg` works. A missing python3 or a failed install is an error.
enum PythonDrivers {
    static let packageRoot = GoldenScripts.root.deletingLastPathComponent().deletingLastPathComponent()
    static let environment = packageRoot.appendingPathComponent(".build/pgvenv")
    static let python = environment.appendingPathComponent("bin/python").path
    /// The Python programs beside this file.
    static let programs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    private static let lock = NSLock()

    /// The venv's python, with psycopg importable.
    static func ensure() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if FileManager.default.isExecutableFile(atPath: python), (try? run(python, ["-c", "import psycopg"]))?.status == 0 {
            return python
        }
        guard let python3 = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile(atPath:))
                ?? (try? run("/usr/bin/env", ["sh", "-c", "command -v python3"]))?.output.trimmingCharacters(in: .whitespacesAndNewlines),
              !python3.isEmpty else {
            throw PGTestFailure("python3 is not installed; the psycopg test needs it (apt-get install python3 python3-venv)")
        }
        let venv = try run(python3, ["-m", "venv", environment.path])
        guard venv.status == 0 else {
            throw PGTestFailure("python3 -m venv \(environment.path) failed (is python3-venv installed?):\n\(venv.output)")
        }
        let pip = try run(environment.appendingPathComponent("bin/pip").path,
                          ["install", "--quiet", "--disable-pip-version-check", "psycopg[binary]>=3.1,<4"])
        guard pip.status == 0 else { throw PGTestFailure("pip install psycopg[binary] failed:\n\(pip.output)") }
        return python
    }

    /// Runs a program to its end; its exit status and its stdout and stderr, merged.
    static func run(_ executable: String, _ arguments: [String], timeout: Double = 300) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
