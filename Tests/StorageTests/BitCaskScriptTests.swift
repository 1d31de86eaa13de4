import Encoding
import Foundation
import ScriptTesting
import Testing
@testable import Storage

/// BitCask stories: each file in `Tests/Scripts/BitCask` is a list of commands (`> command`),
/// each followed by the output it must print; the database lives in a fresh temporary folder.
@Suite struct BitCaskScriptTests {
    static let area = "BitCask"

    @Test func thereAreScripts() {
        #expect(GoldenScripts.files(Self.area).count >= 4)
    }

    @Test(arguments: GoldenScripts.files(area))
    func script(_ name: String) throws {
        let directory = try TemporaryDirectory("bitcask-script")
        try GoldenScripts.check(Self.area, name, with: ScriptRunner(directory: directory.path + "/db"))
    }
}

/// Runs script commands against a BitCask in `directory` and renders what they show.
final class ScriptRunner: ScriptInterpreter {
    let directory: String
    var logPath: String { directory + "/" + BitCask.logName }
    var engine: BitCask?
    /// A second engine, for lock conflicts.
    var other: BitCask?

    init(directory: String) { self.directory = directory }

    func run(prefix: String, command: String) -> [String] {
        guard prefix.isEmpty else { return ["error: no prefixes here: `> command`"] }
        let words = command.split(separator: " ").map(String.init)
        do {
            return try execute(words)
        } catch {
            return ["error: " + "\(error)".replacingOccurrences(of: directory, with: "$DIR")]
        }
    }

    private func requireEngine() throws -> BitCask {
        guard let engine else { throw ScriptError("no engine is open") }
        return engine
    }

    private func execute(_ words: [String]) throws -> [String] {
        guard let command = words.first else { return [] }
        let arguments = Array(words.dropFirst())
        switch command {
        case "open":
            // open [always|batched:N|never] [threshold=F]
            var policy = SyncPolicy.never
            var threshold = 0.5
            for argument in arguments {
                if argument == "always" { policy = .always }
                else if argument.hasPrefix("batched:"), let n = Int(argument.dropFirst(8)) { policy = .batched(writes: n) }
                else if argument.hasPrefix("threshold="), let t = Double(argument.dropFirst(10)) { threshold = t }
            }
            let opened = try BitCask(directory: directory, sync: policy, compactionThreshold: threshold)
            engine = opened
            return describe(opened.openReport)
        case "open-second":
            other = try BitCask(directory: directory)
            return ["opened a second engine"]
        case "set":
            guard arguments.count == 2 else { throw ScriptError("set KEY VALUE") }
            try requireEngine().set(b(arguments[0]), b(arguments[1]))
            return []
        case "delete":
            guard arguments.count == 1 else { throw ScriptError("delete KEY") }
            try requireEngine().delete(b(arguments[0]))
            return []
        case "get":
            guard arguments.count == 1 else { throw ScriptError("get KEY") }
            return [try requireEngine().get(b(arguments[0])).map { String(decoding: $0, as: UTF8.self) } ?? "(none)"]
        case "scan":
            let pairs = try requireEngine().scan(.all).collect()
            return [pairs.map { "\(String(decoding: $0.key, as: UTF8.self))=\(String(decoding: $0.value, as: UTF8.self))" }.joined(separator: " ")]
        case "status":
            let status = try requireEngine().status()
            return ["keys=\(status.keys) logical=\(status.logicalSize) disk=\(status.diskSize) garbage=\(status.garbageSize)"]
        case "flush":
            try requireEngine().flush()
            return []
        case "compact":
            let result = try requireEngine().compact()
            return ["compacted \(result.sizeBefore) → \(result.sizeAfter) bytes, \(result.keys) keys"]
        case "close":
            try requireEngine().close()
            engine = nil
            return []
        case "crash":
            // The process dies: nothing buffered is written.
            try requireEngine().simulateCrash()
            engine = nil
            return []
        case "records":
            return try records()
        case "files":
            let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            return [names.joined(separator: " ")]
        case "cut":
            // cut N: remove the last N bytes of the log, as a torn write would.
            guard let count = arguments.first.flatMap(Int.init) else { throw ScriptError("cut N") }
            var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: logPath)))
            bytes.removeLast(min(count, bytes.count))
            try Data(bytes).write(to: URL(fileURLWithPath: logPath))
            return ["log is now \(bytes.count) bytes"]
        case "flip":
            // flip OFFSET: flip the lowest bit of one byte of the log.
            guard let offset = arguments.first.flatMap(Int.init) else { throw ScriptError("flip OFFSET") }
            var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: logPath)))
            guard offset < bytes.count else { throw ScriptError("offset \(offset) is past the end (\(bytes.count) bytes)") }
            bytes[offset] ^= 0x01
            try Data(bytes).write(to: URL(fileURLWithPath: logPath))
            return []
        case "append-zeros":
            guard let count = arguments.first.flatMap(Int.init) else { throw ScriptError("append-zeros N") }
            var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: logPath)))
            bytes.append(contentsOf: [UInt8](repeating: 0, count: count))
            try Data(bytes).write(to: URL(fileURLWithPath: logPath))
            return []
        case "leave-temp":
            // leave-temp partial|complete: what a compaction that crashed before its rename leaves.
            let temporary = URL(fileURLWithPath: directory + "/" + BitCask.temporaryName)
            if arguments.first == "complete" {
                var out: [UInt8] = []
                BitCaskRecord.append(key: b("stale"), value: b("from-the-temp-file"), to: &out)
                try Data(out).write(to: temporary)
            } else {
                try Data([0x12, 0x34, 0x56]).write(to: temporary)
            }
            return []
        default:
            throw ScriptError("unknown command \(command)")
        }
    }

    private func describe(_ report: BitCaskOpenReport) -> [String] {
        var lines = ["replayed \(report.records) records (\(report.logSize) bytes), \(report.keys) keys"]
        if report.removedTemporaryFile { lines.append("removed the temporary file of an interrupted compaction") }
        if let recovery = report.recovery { lines.append(recovery.description) }
        if let compaction = report.compaction {
            lines.append("compacted on open: \(compaction.sizeBefore) → \(compaction.sizeAfter) bytes, \(compaction.keys) keys")
        }
        return lines
    }

    /// The log's records as stored: offset, size, kind, key and value, and whether intact.
    private func records() throws -> [String] {
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: logPath)))
        var lines: [String] = []
        var offset = 0
        while offset < bytes.count {
            guard offset + BitCaskRecord.headerSize <= bytes.count else {
                lines.append("@\(offset) incomplete header (\(bytes.count - offset) bytes)")
                break
            }
            let header = bytes.withUnsafeBytes { BitCaskRecord.header(in: $0, at: offset) }
            guard offset + header.recordSize <= bytes.count else {
                lines.append("@\(offset) incomplete record (\(header.recordSize) bytes, \(bytes.count - offset) present)")
                break
            }
            let intact = bytes.withUnsafeBytes { BitCaskRecord.checksumMatches(header, in: $0, at: offset) }
            let keyStart = offset + BitCaskRecord.headerSize
            let key = printable(bytes[keyStart..<(keyStart + header.keyLength)])
            let body: String
            if let valueLength = header.valueLength {
                let valueStart = keyStart + header.keyLength
                body = "set \(key)=\(printable(bytes[valueStart..<(valueStart + valueLength)]))"
            } else {
                body = "delete \(key)"
            }
            lines.append("@\(offset) \(header.recordSize) bytes: \(body)\(intact ? "" : " (checksum mismatch)")")
            offset += header.recordSize
        }
        return lines.isEmpty ? ["(empty log)"] : lines
    }
}

/// ASCII as is, other bytes as \xNN (damaged records hold arbitrary bytes).
func printable(_ bytes: ArraySlice<UInt8>) -> String {
    bytes.map { (0x20..<0x7F).contains($0) ? String(UnicodeScalar($0)) : "\\x" + hexByte($0) }.joined()
}
