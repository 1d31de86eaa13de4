import Foundation
import Raft
import Storage
import Testing

/// The durable log: what survives a reopen, how a leader's entries are spliced in, and that
/// damaged stored bytes are reported as errors, never crashes.
@Suite struct LogTests {
    @Test func termVoteEntriesAndCommitSurviveAReopen() throws {
        let storage = MemoryEngine()
        let log = try RaftLog(engine: storage)
        try log.setTerm(3, vote: 2)
        try log.append(command: nil)
        try log.append(command: Array("put x=1".utf8))
        try log.commit(to: 1)
        try log.flush()

        let reopened = try RaftLog(engine: storage)
        #expect(reopened.term == 3)
        #expect(reopened.vote == 2)
        #expect(reopened.entries == log.entries)
        #expect(reopened.commitIndex == 1)
        #expect(reopened.lastIndex == 2 && reopened.lastTerm == 3)
    }

    @Test func spliceKeepsMatchingEntriesAndReplacesConflictingOnes() throws {
        let log = try RaftLog(engine: MemoryEngine())
        try log.setTerm(1, vote: nil)
        for _ in 0..<4 { try log.append(command: [1]) }
        // A duplicate of entries it already has changes nothing (no truncation of 4).
        try log.splice([Entry(index: 2, term: 1, command: [1])])
        #expect(log.lastIndex == 4)
        // A conflicting entry at 3 replaces 3 and 4.
        try log.splice([Entry(index: 3, term: 2, command: [2])])
        #expect(log.entries.map(\.term) == [1, 1, 2])
        let reopened = try RaftLog(engine: log.engine)
        #expect(reopened.entries.map(\.term) == [1, 1, 2])
    }

    @Test func replacingACommittedEntryIsRefused() throws {
        let log = try RaftLog(engine: MemoryEngine())
        try log.setTerm(1, vote: nil)
        try log.append(command: [1])
        try log.append(command: [2])
        try log.commit(to: 2)
        #expect(throws: RaftError.self) { try log.splice([Entry(index: 2, term: 2, command: [9])]) }
        #expect(log.entries.map(\.command) == [[1], [2]])
    }

    @Test func damagedStoredBytesAreReportedNotCrashed() throws {
        let truncated = MemoryEngine()
        truncated.set([0x02], [0x80])  // term/vote value cut short
        #expect(throws: RaftError.self) { _ = try RaftLog(engine: truncated) }

        let gap = MemoryEngine()
        gap.set([0x01, 0, 0, 0, 0, 0, 0, 0, 2], [1, 0])  // entry 2 without 1
        #expect(throws: RaftError.corrupt("log entry 2 found where 1 was expected")) { _ = try RaftLog(engine: gap) }

        let commitPastEnd = MemoryEngine()
        commitPastEnd.set([0x03], [5, 1])
        #expect(throws: RaftError.self) { _ = try RaftLog(engine: commitPastEnd) }

        let badKey = MemoryEngine()
        badKey.set([0x01, 7], [1, 0])
        #expect(throws: RaftError.self) { _ = try RaftLog(engine: badKey) }
    }
}

/// The same log on BitCask, the engine servers use: it survives closing and reopening files.
@Suite struct BitCaskLogTests {
    @Test func theLogSurvivesReopeningItsBitCaskDirectory() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("cutaway-raft-log-\(ProcessInfo.processInfo.globallyUniqueString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let log = try RaftLog(engine: BitCask(directory: directory))
            try log.setTerm(2, vote: 1)
            try log.append(command: Array("put x=1".utf8))
            try log.commit(to: 1)
            try log.flush()
        }
        let reopened = try RaftLog(engine: BitCask(directory: directory))
        #expect(reopened.term == 2 && reopened.vote == 1)
        #expect(reopened.entries == [Entry(index: 1, term: 2, command: Array("put x=1".utf8))])
        #expect(reopened.commitIndex == 1)
    }
}
