import Encoding
import Testing
@testable import Storage

/// `setIfAbsent` must behave exactly like `get` followed by `set` (an INSERT's primary-key
/// check and write), in every visibility case.
@Suite struct SetIfAbsentTests {
    private let key: [UInt8] = Array("row/1".utf8)

    @Test func writesWhenAbsentAndRefusesWhenPresent() throws {
        let mvcc = try MVCC(engine: MemoryEngine())
        let t = try mvcc.begin()
        #expect(try t.setIfAbsent(key, [1]))
        #expect(try t.setIfAbsent(key, [2]) == false, "its own write is present")
        #expect(try t.get(key) == [1])
        try t.commit()
        let u = try mvcc.begin()
        #expect(try u.setIfAbsent(key, [3]) == false, "a committed value is present")
        try u.delete(key)
        #expect(try u.setIfAbsent(key, [4]), "an own tombstone counts as absent")
        #expect(try u.get(key) == [4])
        try u.commit()
    }

    @Test func savepointRollbackUndoesIt() throws {
        let mvcc = try MVCC(engine: MemoryEngine())
        let t = try mvcc.begin()
        let savepoint = t.savepoint()
        #expect(try t.setIfAbsent(key, [1]))
        try t.rollback(toSavepoint: savepoint)
        #expect(try t.get(key) == nil)
        try t.commit()
        #expect(try mvcc.beginReadOnly().get(key) == nil)
    }

    @Test func invisibleNewerVersionsGiveTheSameAnswerAsGetThenSet() throws {
        let mvcc = try MVCC(engine: MemoryEngine())
        // A concurrent writer and nothing visible: get says absent, set conflicts.
        let a = try mvcc.begin()
        let b = try mvcc.begin()
        try b.set(key, [9])
        #expect(throws: MVCCError.serialization(key: key, otherVersion: b.version)) { try a.setIfAbsent(key, [1]) }
        try b.commit()
        try a.rollback()
        // A visible older value under an invisible newer one: get says present.
        let c = try mvcc.begin()
        let d = try mvcc.begin()
        try d.set(key, [10])
        #expect(try c.setIfAbsent(key, [1]) == false)
        try d.rollback()
        try c.rollback()
    }

    @Test func readOnlyAndEndedTransactionsFailLikeGetThenSet() throws {
        let mvcc = try MVCC(engine: MemoryEngine())
        let reader = try mvcc.beginReadOnly()
        #expect(throws: MVCCError.readOnly) { try reader.setIfAbsent(key, [1]) }
        let t = try mvcc.begin()
        let other = try mvcc.resume(t.state)
        try other.commit()
        #expect(throws: MVCCError.notActive(t.version)) { try t.setIfAbsent(key, [1]) }
    }
}

/// A batch of ascending keys takes `setAllIfAbsent`'s batched path (one batched search for all
/// the keys' newest versions); a single key takes the key-by-key path. Over seeded random
/// histories — committed, rolled-back, still running and later transactions, own writes and
/// own tombstones — the batch must answer, throw and store exactly what the keys one at a
/// time do. A failing seed replays exactly.
@Suite struct SetAllIfAbsentPropertyTests {
    /// One transaction of the shared history: its writes (nil: delete) and how it ends.
    private struct Step {
        var writes: [(key: [UInt8], value: [UInt8]?)]
        var end: End
        enum End { case commit, rollback, leaveRunning }
    }

    /// Keys with a zero byte inside, so the escaped form (and the version key built from it)
    /// matters.
    private static func key(_ n: Int) -> [UInt8] { [UInt8(n / 7), 0x00, UInt8(n % 7)] }

    @Test(arguments: 0..<60) func aBatchActsLikeItsKeysOneByOne(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let keyCount = 24
        func writes(_ count: Int) -> [(key: [UInt8], value: [UInt8]?)] {
            (0..<count).map { _ in
                (Self.key(Int.random(in: 0..<keyCount, using: &random)),
                 Bool.random(using: &random) ? [UInt8.random(in: 0...255, using: &random)] : nil)
            }
        }
        let endings: [Step.End] = [.commit, .commit, .commit, .rollback, .leaveRunning]
        let before = (0..<Int.random(in: 0...6, using: &random)).map { _ in
            Step(writes: writes(Int.random(in: 1...6, using: &random)), end: endings.randomElement(using: &random) ?? .commit)
        }
        let own = writes(Int.random(in: 0...4, using: &random))
        // Transactions that begin after ours: their versions are invisible to it, committed or not.
        let after = (0..<Int.random(in: 0...3, using: &random)).map { _ in
            Step(writes: writes(Int.random(in: 1...4, using: &random)), end: endings.randomElement(using: &random) ?? .commit)
        }
        let batch = (0..<keyCount).filter { _ in Int.random(in: 0..<3, using: &random) == 0 }
            .map { (key: Self.key($0), value: [UInt8($0), 0xEE]) }
        let undoBatch = Bool.random(using: &random)

        /// Runs the whole story on a fresh store, writing the batch with `write`; returns what
        /// the batch answered and the engine's pairs after it, after the savepoint rollback (if
        /// any) and after commit.
        func run(_ write: (MVCCTransaction) throws -> Int?) throws -> [String] {
            let engine = MemoryEngine(pointIndex: false)
            let mvcc = try MVCC(engine: engine)
            func apply(_ step: Step, in transaction: MVCCTransaction) throws {
                for (key, value) in step.writes {
                    // A conflict is part of the story (the same on both stores): skip that write.
                    if let value { try? transaction.set(key, value) } else { try? transaction.delete(key) }
                }
                switch step.end {
                case .commit: try transaction.commit()
                case .rollback: try transaction.rollback()
                case .leaveRunning: break
                }
            }
            for step in before { try apply(step, in: try mvcc.begin()) }
            let transaction = try mvcc.begin()
            for (key, value) in own {
                if let value { try? transaction.set(key, value) } else { try? transaction.delete(key) }
            }
            for step in after { try apply(step, in: try mvcc.begin()) }
            let savepoint = transaction.savepoint()
            let answer: String
            do { answer = "stopped at \(String(describing: try write(transaction)))" } catch { answer = "threw \(error)" }
            func pairs() throws -> String { "\(try engine.scan(.all).collect().map { "\($0.key)=\($0.value)" })" }
            var outcome = [answer, try pairs()]
            if undoBatch {
                try transaction.rollback(toSavepoint: savepoint)
                outcome.append(try pairs())
            }
            try transaction.commit()
            outcome.append(try pairs())
            return outcome
        }

        let batched = try run { try $0.setAllIfAbsent(batch) }
        let oneByOne = try run { transaction in
            for (position, pair) in batch.enumerated() where try !transaction.setIfAbsent(pair.key, pair.value) {
                return position
            }
            return nil
        }
        #expect(batched == oneByOne, "seed \(seed)")
    }
}
