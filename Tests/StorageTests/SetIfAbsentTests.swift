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
