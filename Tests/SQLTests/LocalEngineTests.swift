import Encoding
import Foundation
@testable import SQL
import Storage
import Synchronization
import Testing

/// A `MemoryEngine` that counts the pairs its cursors hand out, to prove scans stream.
private final class CountingEngine: StorageEngine {
    let inner = MemoryEngine()
    let pulled = Mutex(0)

    var name: String { "counting" }
    func get(_ key: [UInt8]) throws -> [UInt8]? { inner.get(key) }
    func set(_ key: [UInt8], _ value: [UInt8]) throws { inner.set(key, value) }
    func delete(_ key: [UInt8]) throws { inner.delete(key) }
    func flush() throws { inner.flush() }
    func status() throws -> EngineStatus { inner.status() }
    func scan(_ range: KeyRange, reverse: Bool) -> any KeyValueCursor {
        Counted(inner: inner.scan(range, reverse: reverse), engine: self)
    }

    final class Counted: KeyValueCursor {
        let inner: any KeyValueCursor
        let engine: CountingEngine
        init(inner: any KeyValueCursor, engine: CountingEngine) {
            self.inner = inner
            self.engine = engine
        }
        func next() throws -> KeyValue? {
            let pair = try inner.next()
            if pair != nil { engine.pulled.withLock { $0 += 1 } }
            return pair
        }
    }
}

private func moviesTable() -> Table {
    Table(name: "movies", primaryKey: 0, columns: [
        Column(name: "id", dataType: .integer, nullable: false),
        Column(name: "title", dataType: .string, defaultValue: .null),
        Column(name: "genre", dataType: .string, defaultValue: .null, indexes: ["movies_genre_idx"]),
    ])
}

private func temporaryDirectory() -> String {
    FileManager.default.temporaryDirectory
        .appendingPathComponent("cutaway-sqlstore-\(UUID().uuidString)").path
}

struct LocalEngineTests {
    @Test func aScanReadsOnlyWhatItsConsumerPulls() throws {
        let storage = CountingEngine()
        let engine = try LocalEngine(storage: storage)
        let txn = try engine.begin()
        var table = moviesTable()
        table.columns[2].indexes = []
        try txn.createTable(table)
        let rows = (0..<5_000).map { [Value.integer(Int64($0)), .string("movie \($0)"), .string("g\($0 % 10)")] }
        try txn.insert(table: "movies", rows: rows)
        try txn.commit()

        let reader = try engine.beginReadOnly(asOf: nil)
        let before = storage.pulled.withLock { $0 }
        let cursor = try reader.scan(table: "movies", filter: nil)
        var firstTen: [Row] = []
        while firstTen.count < 10, let row = try cursor.next() { firstTen.append(row) }
        let pulled = storage.pulled.withLock { $0 } - before
        #expect(firstTen.map { $0[0] } == (0..<10).map { .integer(Int64($0)) })
        // MVCC fetches small batches; what matters is that it is nowhere near 5,000.
        #expect(pulled < 200, "pulled \(pulled) raw pairs to read 10 rows")
    }

    @Test func aDurableDatabaseKeepsCommittedWorkAcrossReopens() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let engine = try LocalEngine.open(directory: directory)
            let txn = try engine.begin()
            try txn.createTable(moviesTable())
            try txn.insert(table: "movies", rows: [[.integer(1), .string("Alien"), .string("scifi")]])
            try txn.commit()
            let uncommitted = try engine.begin()
            try uncommitted.insert(table: "movies", rows: [[.integer(2), .string("Heat"), .string("crime")]])
            // A second engine on the same directory is refused while this one holds it.
            #expect(throws: SQLError.self) { try LocalEngine.open(directory: directory) }
        }
        let engine = try LocalEngine.open(directory: directory)
        let txn = try engine.beginReadOnly(asOf: nil)
        #expect(try txn.get(table: "movies", ids: [.integer(1), .integer(2)])
            == [[.integer(1), .string("Alien"), .string("scifi")]])
        #expect(try txn.lookupIndex(table: "movies", column: "genre", values: [.string("scifi")]) == [.integer(1)])
        // The transaction left open by the first process was rolled back on open, so its key
        // is free again instead of conflicting forever.
        let writer = try engine.begin()
        try writer.insert(table: "movies", rows: [[.integer(2), .string("Heat"), .string("crime")]])
        try writer.commit()
    }

    @Test func openingAFileInsteadOfADirectoryIsAClearError() throws {
        let file = temporaryDirectory()
        #expect(FileManager.default.createFile(atPath: file, contents: Data([1, 2, 3])))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let error = try #require(throws: SQLError.self) { try LocalEngine.open(directory: file) }
        #expect(error.kind == .storage)
        #expect(error.message.contains(file))
    }

    @Test func rawKeysDescribeThemselvesInWords() throws {
        let engine = try LocalEngine.memory()
        let txn = try engine.begin()
        try txn.createTable(moviesTable())
        try txn.insert(table: "movies", rows: [[.integer(7), .string("Alien"), .string("scifi")]])
        try txn.commit()
        let pairs = try engine.mvcc.rawScan(prefix: [])
        let words = pairs.map { LocalEngine.describe(key: $0.key) + " → " + (LocalEngine.describe(key: $0.key, value: $0.value) ?? "-") }
        #expect(words.contains("Version(row 7 of movies, 1) → (7, 'Alien', 'scifi')"), "\(words)")
        #expect(words.contains("Version(index movies.genre = 'scifi', 1) → {7}"), "\(words)")
        #expect(words.contains { $0.hasPrefix("Version(table movies, 1) → movies (id INTEGER PRIMARY KEY") }, "\(words)")
        #expect(LocalEngine.describe(key: [0xEE, 0x01]) == "?ee01")
    }

    @Test func droppingABigTableRemovesEveryRowAndIndexEntry() throws {
        let engine = try LocalEngine.memory()
        let txn = try engine.begin()
        try txn.createTable(moviesTable())
        // More keys than one deletion batch, in several index entries.
        try txn.insert(table: "movies", rows: (0..<2_500).map {
            [.integer(Int64($0)), .string("m\($0)"), .string("g\($0 % 7)")]
        })
        try txn.commit()
        let dropper = try engine.begin()
        #expect(try dropper.dropTable("movies"))
        try dropper.commit()
        let reader = try engine.beginReadOnly(asOf: nil) as? LocalTransaction
        let left = try #require(reader).mvccTransaction.scanPrefix([]).collect()
        #expect(left.isEmpty, "\(left.count) keys left")
    }

    @Test func savepointsUndoSchemaChangesToo() throws {
        let engine = try LocalEngine.memory()
        let txn = try engine.begin()
        let mark = try txn.savepoint()
        try txn.createTable(moviesTable())
        #expect(try txn.table("movies") != nil)
        try txn.rollback(to: mark)
        #expect(try txn.table("movies") == nil)
        #expect(try txn.tables().isEmpty)
        try txn.commit()
    }

    @Test func concurrentSessionsInsertingDisjointRowsAllSucceed() throws {
        let engine = try LocalEngine.memory()
        let setup = try engine.begin()
        try setup.createTable(moviesTable())
        try setup.commit()
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for i in 0..<200 {
                let id = Int64(worker * 1000 + i)
                // Every worker touches the shared index entry of its genre: conflicts happen and
                // are retried, as a client would.
                var attempts = 0
                while true {
                    attempts += 1
                    do {
                        let txn = try engine.begin()
                        do {
                            try txn.insert(table: "movies", rows: [[.integer(id), .string("m"), .string("g\(i % 3)")]])
                            try txn.commit()
                            break
                        } catch {
                            try? txn.rollback()
                            throw error
                        }
                    } catch let error as SQLError where error.kind == .serialization && attempts < 1000 {
                        continue
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                        break
                    }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let reader = try engine.beginReadOnly(asOf: nil)
        var count = 0
        let cursor = try reader.scan(table: "movies", filter: nil)
        while try cursor.next() != nil { count += 1 }
        #expect(count == 800)
        let indexed = try reader.lookupIndex(table: "movies", column: "genre",
                                             values: [.string("g0"), .string("g1"), .string("g2")])
        #expect(indexed.count == 800)
    }

    @Test func conflictsAndReadOnlyWritesBecomeSQLErrors() throws {
        let engine = try LocalEngine.memory()
        let setup = try engine.begin()
        try setup.createTable(moviesTable())
        try setup.insert(table: "movies", rows: [[.integer(3), .string("x"), .null]])
        try setup.commit()
        let (a, b) = (try engine.begin(), try engine.begin())
        try a.update(table: "movies", rows: [.integer(3): [.integer(3), .string("a"), .null]])
        let conflict = try #require(throws: SQLError.self) {
            try b.update(table: "movies", rows: [.integer(3): [.integer(3), .string("b"), .null]])
        }
        #expect(conflict.kind == .serialization)
        #expect(conflict.message == "row 3 of table movies was written by concurrent transaction \(a.version)")
        let reader = try engine.beginReadOnly(asOf: nil)
        let readOnly = try #require(throws: SQLError.self) { try reader.delete(table: "movies", ids: [.integer(3)]) }
        #expect(readOnly.kind == .transaction)
        let future = try #require(throws: SQLError.self) { try engine.beginReadOnly(asOf: 999) }
        #expect(future.kind == .transaction)
    }
}

/// Random inserts, updates (including new primary keys) and deletes against a plain model:
/// after every operation the rows, the index lookups and the UNIQUE verdicts must agree.
@Test func randomWritesKeepRowsAndIndexesInStepWithAModel() throws {
    var rng = SplitMix64(seed: 31337)
    let engine = try LocalEngine.memory()
    let setup = try engine.begin()
    try setup.createTable(Table(name: "t", primaryKey: 0, columns: [
        Column(name: "id", dataType: .integer, nullable: false),
        Column(name: "g", dataType: .integer, defaultValue: .null, indexes: ["t_g_idx"]),
        Column(name: "u", dataType: .string, defaultValue: .null, unique: true),
    ]))
    try setup.commit()
    var model: [Int64: Row] = [:]
    func randomRow(id: Int64) -> Row {
        let g: Value = rng.next() % 6 == 0 ? .null : .integer(Int64(rng.next() % 5))
        let u: Value = rng.next() % 2 == 0 ? .null : .string("u\(rng.next() % 30)")
        return [.integer(id), g, u]
    }
    func uniqueTaken(_ u: Value, except: Int64?) -> Bool {
        if case .null = u { return false }
        return model.contains { $0.key != except && $0.value[2] == u }
    }
    for step in 0..<600 {
        let txn = try engine.begin()
        let expectError: Bool
        var next = model
        switch rng.next() % 3 {
        case 0:
            let id = Int64(rng.next() % 40)
            let row = randomRow(id: id)
            expectError = model[id] != nil || uniqueTaken(row[2], except: nil)
            next[id] = row
            do { try txn.insert(table: "t", rows: [row]) } catch { try txn.rollback(); #expect(expectError, "step \(step): \(error)"); continue }
        case 1:
            guard let old = model.keys.sorted().randomElement(using: &rng) else { try txn.rollback(); continue }
            let newID = rng.next() % 3 == 0 ? Int64(rng.next() % 40) : old
            let row = randomRow(id: newID)
            expectError = (newID != old && model[newID] != nil) || uniqueTaken(row[2], except: old)
            next[old] = nil
            next[newID] = row
            do { try txn.update(table: "t", rows: [.integer(old): row]) } catch { try txn.rollback(); #expect(expectError, "step \(step): \(error)"); continue }
        default:
            let ids = (0..<Int(rng.next() % 3)).map { _ in Int64(rng.next() % 40) }
            expectError = false
            for id in ids { next[id] = nil }
            do { try txn.delete(table: "t", ids: ids.map(Value.integer)) } catch { try txn.rollback(); #expect(expectError, "step \(step): \(error)"); continue }
        }
        #expect(!expectError, "step \(step): the engine accepted what the model refuses")
        try txn.commit()
        model = next

        let reader = try engine.beginReadOnly(asOf: nil)
        var rows: [Row] = []
        let cursor = try reader.scan(table: "t", filter: nil)
        while let row = try cursor.next() { rows.append(row) }
        #expect(rows == model.keys.sorted().compactMap { model[$0] }, "step \(step)")
        for g in [Value.null] + (0..<5).map({ Value.integer($0) }) {
            let expected = model.filter { $0.value[1] == g }.keys.sorted().map(Value.integer)
            #expect(try reader.lookupIndex(table: "t", column: "g", values: [g]) == expected, "step \(step), g = \(g)")
        }
    }
}
