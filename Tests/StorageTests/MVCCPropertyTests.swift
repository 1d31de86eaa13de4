import Encoding
import Dispatch
import Synchronization
import Testing
@testable import Storage

/// Random interleaved transactions checked against a simple model of snapshot isolation, and
/// real threads hammering one store.
@Suite struct MVCCPropertyTests {
    /// The textbook model: a transaction sees the committed state as of its begin plus its own
    /// writes, and a write conflicts when another transaction that is not committed-before-begin
    /// (still running, or committed after we began) has written the same key.
    struct ModelTxn {
        var snapshot: [String: String]
        var own: [String: String?] = [:]
        let readOnly: Bool
        let committedBeforeBegin: Set<UInt64>
        var savepoints: [Int: [String: String?]] = [:]

        func read(_ key: String) -> String? {
            if let mine = own[key] { return mine }
            return snapshot[key]
        }

        func view() -> [String: String] {
            var all = snapshot
            for (key, value) in own { all[key] = value }
            return all
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func randomTransactionsMatchTheModel(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let mvcc = try MVCC(engine: MemoryEngine())
        let keys = ["a", "b", "c", "d", "e", "f"]
        var committed: [String: String] = [:]
        var committedWrites: [(version: UInt64, keys: Set<String>)] = []
        var committedVersions: Set<UInt64> = []
        var open: [(txn: MVCCTransaction, model: ModelTxn)] = []
        var checks = 0
        var snapshotAtBegin: [UInt64: [String: String]] = [:]   // for time travel afterwards
        var conflictsSeen = 0

        func conflicts(_ key: String, for version: UInt64, _ model: ModelTxn) -> Bool {
            for other in open where other.txn.version != version && !other.model.readOnly {
                if other.model.own[key] != nil { return true }
            }
            return committedWrites.contains { $0.keys.contains(key) && !model.committedBeforeBegin.contains($0.version) }
        }

        for _ in 0..<1500 {
            if open.count < 4 && (open.isEmpty || Int.random(in: 0..<6, using: &rng) == 0) {
                let readOnly = Int.random(in: 0..<4, using: &rng) == 0
                let txn = readOnly ? try mvcc.beginReadOnly() : try mvcc.begin()
                open.append((txn, ModelTxn(snapshot: committed, readOnly: readOnly, committedBeforeBegin: committedVersions)))
                if !readOnly { snapshotAtBegin[txn.version] = committed }
                continue
            }
            let index = Int.random(in: 0..<open.count, using: &rng)
            var (txn, model) = open[index]
            let key = keys[Int.random(in: 0..<keys.count, using: &rng)]
            switch Int.random(in: 0..<20, using: &rng) {
            case 0..<5:
                #expect(try txn.get(b(key)).map { String(decoding: $0, as: UTF8.self) } == model.read(key))
                checks += 1
            case 5..<10:
                let value: String? = Int.random(in: 0..<4, using: &rng) == 0 ? nil : "\(Int.random(in: 0..<100, using: &rng))"
                do {
                    if let value { try txn.set(b(key), b(value)) } else { try txn.delete(b(key)) }
                    #expect(!model.readOnly && !conflicts(key, for: txn.version, model), "write to \(key) should have failed")
                    model.own[key] = .some(value)
                } catch MVCCError.readOnly {
                    #expect(model.readOnly)
                } catch MVCCError.serialization(let failedKey, _) {
                    #expect(failedKey == b(key))
                    #expect(conflicts(key, for: txn.version, model), "write to \(key) failed without a conflict")
                    conflictsSeen += 1
                }
                checks += 1
            case 10..<12:
                let reverse = Bool.random(using: &rng)
                let scanned = try txn.scan(.all, reverse: reverse).collect().map {
                    (String(decoding: $0.key, as: UTF8.self), String(decoding: $0.value, as: UTF8.self))
                }
                let expected = model.view().sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                #expect(scanned.map(\.0) == (reverse ? expected.reversed().map(\.0) : expected.map(\.0)))
                #expect(scanned.map(\.1) == (reverse ? expected.reversed().map(\.1) : expected.map(\.1)))
                checks += 1
            case 12..<14:
                let savepoint = txn.savepoint()
                model.savepoints[savepoint] = model.own
            case 14:
                if let savepoint = model.savepoints.keys.randomElement(using: &rng), let own = model.savepoints[savepoint] {
                    try txn.rollback(toSavepoint: savepoint)
                    model.own = own
                    model.savepoints = model.savepoints.filter { $0.key <= savepoint }
                }
            case 15:
                // Hand the transaction over through its exported bytes; the undo log stays behind.
                txn = try mvcc.resume(TransactionState(decoding: txn.state.encoded()))
                model.savepoints = [:]
            case 16..<19:
                try txn.commit()
                if !model.readOnly {
                    for (key, value) in model.own { committed[key] = value }
                    committedWrites.append((txn.version, Set(model.own.keys)))
                    committedVersions.insert(txn.version)
                }
                open.remove(at: index)
                continue
            default:
                try txn.rollback()
                open.remove(at: index)
                continue
            }
            open[index] = (txn, model)
        }
        for (txn, _) in open { try txn.rollback() }
        let final = try mvcc.beginReadOnly().scan(.all).collect()
        #expect(final.map { String(decoding: $0.key, as: UTF8.self) } == committed.keys.sorted())
        #expect(try mvcc.activeTransactions().isEmpty)
        // Time travel: AS OF v shows exactly what transaction v saw when it began.
        for (version, snapshot) in snapshotAtBegin {
            let past = try mvcc.beginReadOnly(asOf: version).scan(.all).collect().map {
                (String(decoding: $0.key, as: UTF8.self), String(decoding: $0.value, as: UTF8.self))
            }
            let expected = snapshot.sorted { $0.key < $1.key }
            #expect(past.map(\.0) == expected.map(\.key) && past.map(\.1) == expected.map(\.value), "as of \(version)")
        }
        #expect(snapshotAtBegin.count > 50)
        // Nothing but committed versions and the bookkeeping of finished transactions remains.
        #expect(try mvcc.rawScan(prefix: [MVCCKey.Tag.txnWrite.rawValue]).isEmpty)
        #expect(checks > 500)
        #expect(conflictsSeen > 10)
    }

    /// Threads move money between accounts with retries on conflicts; snapshots taken while
    /// they run always see the same total, and so does the end state.
    @Test func concurrentTransfersKeepTheTotal() throws {
        let mvcc = try MVCC(engine: MemoryEngine())
        let accounts = 8
        let setup = try mvcc.begin()
        for i in 0..<accounts { try setup.set(b("acct/\(i)"), b("100")) }
        try setup.commit()

        let stats = Mutex((commits: 0, conflicts: 0, failures: [String](), badSnapshots: 0))
        let workers = 4
        let transfersPerWorker = 150
        DispatchQueue.concurrentPerform(iterations: workers + 1) { worker in
            var rng = SplitMix64(seed: UInt64(worker) + 100)
            do {
                if worker == workers {
                    // The auditor: read-only snapshots must always add up.
                    for _ in 0..<100 {
                        let t = try mvcc.beginReadOnly()
                        let total = try t.scanPrefix(b("acct/")).collect().reduce(0) { $0 + (Int(String(decoding: $1.value, as: UTF8.self)) ?? -1_000_000) }
                        try t.commit()
                        if total != accounts * 100 { stats.withLock { $0.badSnapshots += 1 } }
                    }
                    return
                }
                for _ in 0..<transfersPerWorker {
                    let from = Int.random(in: 0..<accounts, using: &rng)
                    let to = (from + Int.random(in: 1..<accounts, using: &rng)) % accounts
                    let amount = Int.random(in: 1...10, using: &rng)
                    while true {
                        let t = try mvcc.begin()
                        do {
                            let a = Int(String(decoding: try t.get(b("acct/\(from)")) ?? [], as: UTF8.self)) ?? 0
                            let c = Int(String(decoding: try t.get(b("acct/\(to)")) ?? [], as: UTF8.self)) ?? 0
                            try t.set(b("acct/\(from)"), b(String(a - amount)))
                            try t.set(b("acct/\(to)"), b(String(c + amount)))
                            try t.commit()
                            stats.withLock { $0.commits += 1 }
                            break
                        } catch MVCCError.serialization {
                            try t.rollback()
                            stats.withLock { $0.conflicts += 1 }
                        }
                    }
                }
            } catch {
                stats.withLock { $0.failures.append("worker \(worker): \(error)") }
            }
        }
        let final = stats.withLock { $0 }
        #expect(final.failures.isEmpty, "\(final.failures)")
        #expect(final.commits == workers * transfersPerWorker)
        #expect(final.badSnapshots == 0)
        let t = try mvcc.beginReadOnly()
        let balances = try t.scanPrefix(b("acct/")).collect().map { Int(String(decoding: $0.value, as: UTF8.self)) ?? 0 }
        #expect(balances.count == accounts)
        #expect(balances.reduce(0, +) == accounts * 100)
        #expect(try mvcc.activeTransactions().isEmpty)
    }
}

/// The in-place readers of raw `Version` keys (a scan's hot path) agree with the full decode:
/// random user keys full of zeros (each escaped) and random versions, and mangled keys, which
/// they must refuse rather than misread.
@Suite struct VersionKeyReaderTests {
    @Test func inPlaceReadersAgreeWithTheFullDecode() throws {
        var generator = SplitMix64(seed: 21)
        for _ in 0..<2000 {
            let user = (0..<Int(generator.next() % 12)).map { _ in [0x00, 0x01, 0xFF, 0x7A][Int(generator.next() % 4)] as UInt8 }
            let version = generator.next() >> (generator.next() % 64)
            var raw = MVCCKey.versionKey(user, version: version)
            if generator.next() % 4 == 0, !raw.isEmpty {
                raw[Int(generator.next() % UInt64(raw.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            let decoded = try? MVCCKey.decode(raw)
            if case .version(let key, let decodedVersion)? = decoded {
                #expect(MVCCKey.userKey(ifWellFormed: raw[...]) == key)
                #expect(MVCCKey.versionIfWellFormed(raw[...]) == decodedVersion)
            } else {
                #expect(MVCCKey.userKey(ifWellFormed: raw[...]) == nil)
                #expect(MVCCKey.versionIfWellFormed(raw[...]) == nil)
            }
        }
    }
}
