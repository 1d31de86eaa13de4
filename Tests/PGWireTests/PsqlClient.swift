import Foundation
import Testing

/// A real `psql` process talking to a test's listener, driven a command at a time: each
/// command is followed by `\echo` of a marker, and its output is everything psql prints
/// (stdout and stderr, in order: stdout is line-buffered with `stdbuf`) before the marker.
/// A watchdog kills psql if a command takes too long, so a hang fails the test instead.
final class PsqlClient {
    static let marker = "@@cutaway-end@@"
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var pending = Data()

    /// Fails clearly when psql (Debian's postgresql-client; `make deps` installs it) is missing.
    static func path() throws -> String {
        for candidate in ["/usr/bin/psql", "/usr/local/bin/psql"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw PGTestFailure("psql is not installed: `make deps` installs postgresql-client (apt-get install postgresql-client)")
    }

    init(port: Int, user: String = "learner") throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["stdbuf", "-oL", "-eL", try Self.path(), "-X", "-h", "127.0.0.1", "-p", String(port),
                             "-U", user, "-d", "cutaway", "-v", "ON_ERROR_STOP=0", "-P", "pager=off"]
        var environment = ProcessInfo.processInfo.environment
        environment["PGCONNECT_TIMEOUT"] = "10"
        environment["PGTZ"] = "UTC"
        environment.removeValue(forKey: "PGPASSWORD")
        process.environment = environment
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    deinit { finish() }

    /// Sends `command` (one line, or several) and returns the lines psql printed for it.
    func run(_ command: String) -> [String] {
        let text = command + "\n\\echo " + Self.marker + "\n"
        do { try input.fileHandleForWriting.write(contentsOf: Data(text.utf8)) } catch { return ["<psql is gone: \(error)>"] }
        let process = process
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: watchdog)
        defer { watchdog.cancel() }
        let end = Data((Self.marker + "\n").utf8)
        while true {
            if let range = pending.range(of: end) {
                let chunk = pending[..<range.lowerBound]
                pending = Data(pending[range.upperBound...])
                var lines = String(decoding: chunk, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if lines.last == "" { lines.removeLast() }
                return lines
            }
            let more = output.fileHandleForReading.availableData
            if more.isEmpty { return ["<psql ended: \(String(decoding: pending, as: UTF8.self))>"] }
            pending.append(more)
        }
    }

    /// Ends psql (closing its input) and waits for it.
    func finish() {
        try? input.fileHandleForWriting.close()
        if process.isRunning {
            let process = process
            DispatchQueue.global().asyncAfter(deadline: .now() + 10) { if process.isRunning { process.terminate() } }
            process.waitUntilExit()
        }
    }
}

struct PGTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
