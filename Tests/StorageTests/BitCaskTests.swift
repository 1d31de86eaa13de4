import Encoding
import Foundation
import Testing
@testable import Storage

/// BitCask behaviour beyond the shared suite: what survives reopening, compaction and crashes.
@Suite struct BitCaskTests {
    /// Random sets and deletes with reopens, compactions and crashes (after a flush) in between,
    /// checked against a dictionary: the log always replays to exactly the model.
    @Test func randomOperationsSurviveReopenCompactionAndCrash() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/db"
        var generator = SplitMix64(seed: 2024)
        var model: [[UInt8]: [UInt8]] = [:]
        var engine = try BitCask(directory: path, sync: .batched(writes: 16))
        for step in 0..<3000 {
            let key = bigEndian(Int(generator.next() % 300))
            switch generator.next() % 100 {
            case 0..<60:
                let value = (0..<Int(generator.next() % 40)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                try engine.set(key, value)
                model[key] = value
            case 60..<90:
                try engine.delete(key)
                model[key] = nil
            case 90..<95:
                #expect(try engine.get(key) == model[key], "step \(step)")
            case 95..<97:
                try engine.compact()
            case 97..<98:
                try engine.flush()
                engine.simulateCrash()
                engine = try BitCask(directory: path, sync: .batched(writes: 16))
            default:
                try engine.close()
                engine = try BitCask(directory: path, sync: .batched(writes: 16), compactionThreshold: 0.3)
            }
        }
        try engine.close()
        engine = try BitCask(directory: path, sync: .never)
        let stored = try engine.scan(.all).collect()
        #expect(stored.count == model.count)
        #expect(stored.allSatisfy { model[$0.key] == $0.value })
        let status = try engine.status()
        #expect(status.keys == model.count)
        #expect(status.logicalSize == model.reduce(0) { $0 + $1.key.count + $1.value.count })
        #expect(status.diskSize == status.logicalSize + 12 * status.keys + status.garbageSize)
    }

    /// Replay reads the log in large chunks; records larger than a chunk, and records that
    /// straddle chunk boundaries, replay like any other (here with 1000-byte chunks).
    @Test func replayHandlesRecordsAcrossChunkBoundaries() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/db"
        let sizes = [999, 2500, 1, 0, 988, 1001, 3, 4000, 17]
        var values: [[UInt8]] = []
        do {
            let engine = try BitCask(directory: path, sync: .never)
            for (index, size) in sizes.enumerated() {
                var value = [UInt8](repeating: UInt8(index), count: size)
                if size > 1 { value[0] = 0xA0; value[size - 1] = 0x0A }
                values.append(value)
                try engine.set(bigEndian(index), value)
            }
            try engine.delete(bigEndian(2))
            try engine.close()
        }
        let file = try PosixFile(path: path + "/data.log", flags: O_RDONLY)
        let replay = try LogReplay.read(file, chunkSize: 1000)
        #expect(replay.recovery == nil)
        #expect(replay.records == sizes.count + 1)
        #expect(replay.keydir.count == sizes.count - 1)
        #expect(replay.validEnd == replay.fileSize)
        // And the engine reads every value back after a real open.
        let engine = try BitCask(directory: path, sync: .never)
        for (index, value) in values.enumerated() {
            #expect(try engine.get(bigEndian(index)) == (index == 2 ? nil : value))
        }
    }

    /// A torn tail is found the same way when it straddles a chunk boundary.
    @Test func tornTailAcrossAChunkBoundaryIsTruncated() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/db"
        do {
            let engine = try BitCask(directory: path, sync: .never)
            for index in 0..<40 { try engine.set(bigEndian(index), [UInt8](repeating: 7, count: 90)) }
            try engine.close()
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path + "/data.log"))
        try handle.truncate(atOffset: 40 * 106 - 50)  // each record: 12 + 4 + 90 bytes
        try handle.close()
        let file = try PosixFile(path: path + "/data.log", flags: O_RDONLY)
        let replay = try LogReplay.read(file, chunkSize: 256)
        #expect(replay.recovery == BitCaskRecovery(offset: 39 * 106, bytesTruncated: 56, cause: "record of 106 bytes runs past the end of the file"))
        #expect(replay.keydir.count == 39)
    }

    /// A cursor keeps going, in order, across a compaction that moves every value in the file.
    @Test func cursorSurvivesCompaction() throws {
        let directory = try TemporaryDirectory()
        let engine = try BitCask(directory: directory.path + "/db", sync: .never)
        for index in 0..<500 {
            try engine.set(bigEndian(index), [UInt8(index % 251)])
            try engine.set(bigEndian(index), [UInt8(index % 251), 1])  // garbage to reclaim
        }
        let cursor = engine.scan(.all)
        var seen: [KeyValue] = []
        while let pair = try cursor.next() {
            seen.append(pair)
            if seen.count == 100 { try engine.compact() }
        }
        #expect(seen.count == 500)
        #expect(seen.enumerated().allSatisfy { $0.element == KeyValue(key: bigEndian($0.offset), value: [UInt8($0.offset % 251), 1]) })
        #expect(try engine.status().garbageSize == 0)
    }

    @Test func closedEngineRefusesOperationsClearly() throws {
        let directory = try TemporaryDirectory()
        let engine = try BitCask(directory: directory.path + "/db")
        try engine.set(b("k"), b("v"))
        try engine.close()
        try engine.close()  // closing twice is harmless
        #expect(throws: StorageError.closed(path: directory.path + "/db/data.log")) { try engine.get(b("k")) }
        #expect(throws: StorageError.self) { try engine.set(b("k"), b("w")) }
        #expect(throws: StorageError.self) { try engine.scan(.all).next() }
    }

    @Test func lockIsReleasedWhenTheEngineGoesAway() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/db"
        var first: BitCask? = try BitCask(directory: path)
        let error = #expect(throws: StorageError.self) { try BitCask(directory: path) }
        #expect(error?.description == "data directory \(path) is in use by another process (or is already open in this one)")
        #expect(first?.name == "bitcask")
        first = nil
        _ = try BitCask(directory: path)
    }

    @Test func openReportDescribesRecovery() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/db"
        do {
            let engine = try BitCask(directory: path, sync: .never)
            try engine.set(b("key"), b("value"))
            try engine.close()
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path + "/data.log"))
        try handle.truncate(atOffset: 10)
        try handle.close()
        let engine = try BitCask(directory: path, sync: .never)
        let recovery = try #require(engine.recovery)
        #expect(recovery.offset == 0)
        #expect(recovery.bytesTruncated == 10)
        #expect(engine.openReport.description.contains("truncated 10 bytes at offset 0"))
        #expect(try engine.status().diskSize == 0)
    }

    @Test func crc32MatchesTheStandardCheckValues() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)  // the standard check value
        #expect(CRC32.checksum([]) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        var incremental = CRC32()
        incremental.update(Array("12345".utf8))
        incremental.update(Array("6789".utf8))
        #expect(incremental.value == 0xCBF4_3926)
    }
}
