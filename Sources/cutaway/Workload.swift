import Cluster
import Foundation
import Histogram
import Server
import SQL
import Synchronization

/// What a workload client needs of a session: the in-process `Session` or a server's.
protocol WorkloadSession: AnyObject {
    func execute(_ statement: String) throws(SQLError) -> StatementResult
}
extension Session: WorkloadSession {}
extension RemoteSession: WorkloadSession {}

/// The three workloads of `cutaway workload`, each a transaction a client repeats.
enum WorkloadKind: String, CaseIterable {
    /// Point reads of random rows (`--batch` ids per statement).
    case read
    /// Inserts of `--batch` new rows of `--value-size` bytes; every acknowledged row is read
    /// back at the end.
    case write
    /// Transfers between random accounts in BEGIN … COMMIT, retried on conflicts; the total
    /// balance must stay and no balance may go negative.
    case bank
}

/// Settings of one run.
struct WorkloadSettings {
    var kind: WorkloadKind
    var concurrency = 16
    var rows = 1000
    var valueSize = 64
    var batch = 1
    var count: Int?
    var duration: Double?
}

/// Runs a workload: setup, clients on their threads, one progress line per second, a final
/// line, and the verification.
final class WorkloadRunner: @unchecked Sendable {
    let settings: WorkloadSettings
    let makeSession: () throws(SQLError) -> any WorkloadSession
    private let stats = Mutex(Stats())
    private let failure = Mutex<String?>(nil)
    private let acknowledged = Mutex<[Int]>([])
    private let issued = Atomic<Int>(0)

    struct Stats {
        var total = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var interval = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var retries = 0
    }

    init(settings: WorkloadSettings, makeSession: @escaping () throws(SQLError) -> any WorkloadSession) {
        self.settings = settings
        self.makeSession = makeSession
    }

    /// Runs and returns the final line (`…, verified` or `…, FAILED: why`).
    func run(progress: (String) -> Void) throws(SQLError) -> (line: String, ok: Bool) {
        try setUp()
        let start = Date()
        let stopAt = settings.duration.map { start.addingTimeInterval($0) }
        let limit = settings.count ?? (settings.duration == nil ? 10_000 : Int.max)
        let group = DispatchGroup()
        for client in 0..<settings.concurrency {
            let thread = Thread { [self] in
                defer { group.leave() }
                do {
                    try clientLoop(client, limit: limit, stopAt: stopAt)
                } catch {
                    failure.withLock { $0 = $0 ?? "client \(client): \(error)" }
                }
            }
            group.enter()
            thread.start()
        }
        var lastCount: UInt64 = 0
        while group.wait(timeout: .now() + 1) == .timedOut {
            let (interval, total) = stats.withLock { stats -> (Histogram<UInt64>, UInt64) in
                defer { stats.interval.reset() }
                return (stats.interval, stats.total.totalCount)
            }
            let elapsed = Date().timeIntervalSince(start)
            progress(String(format: "%6.1fs %9d txns %9.0f txn/s  p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  max %7.2f ms",
                            elapsed, total, Double(total - lastCount), ms(interval.valueAtPercentile(50)),
                            ms(interval.valueAtPercentile(90)), ms(interval.valueAtPercentile(99)), ms(interval.max)))
            lastCount = total
        }
        let seconds = Date().timeIntervalSince(start)
        let total = stats.withLock { $0.total }
        var line = String(format: "workload: %d txns in %.1f s, %.0f txn/s, p50 %.2f ms, p99 %.2f ms",
                          total.totalCount, seconds, Double(total.totalCount) / max(seconds, 0.001),
                          ms(total.valueAtPercentile(50)), ms(total.valueAtPercentile(99)))
        if let failed = failure.withLock({ $0 }) { return (line + ", FAILED: \(failed)", false) }
        do {
            try verify()
            line += ", verified"
            return (line, true)
        } catch {
            return (line + ", FAILED: \(error)", false)
        }
    }

    private func ms(_ micros: UInt64) -> Double { Double(micros) / 1000 }

    // MARK: - Setup, clients, verification

    private func setUp() throws(SQLError) {
        let session = try makeSession()
        switch settings.kind {
        case .read, .write:
            _ = try session.execute("DROP TABLE IF EXISTS workload")
            _ = try session.execute("CREATE TABLE workload (id INT PRIMARY KEY, value STRING)")
            guard settings.kind == .read else { return }
            let value = String(repeating: "x", count: settings.valueSize)
            try load(session, rows: settings.rows, table: "workload") { "(\($0), '\(value)')" }
        case .bank:
            _ = try session.execute("DROP TABLE IF EXISTS accounts")
            _ = try session.execute("CREATE TABLE accounts (id INT PRIMARY KEY, balance INT)")
            try load(session, rows: settings.rows, table: "accounts") { "(\($0), 100)" }
        }
    }

    private func load(_ session: any WorkloadSession, rows: Int, table: String, row: (Int) -> String) throws(SQLError) {
        var next = 0
        while next < rows {
            let end = min(next + 100, rows)
            _ = try session.execute("INSERT INTO \(table) VALUES " + (next..<end).map(row).joined(separator: ", "))
            next = end
        }
    }

    private func clientLoop(_ client: Int, limit: Int, stopAt: Date?) throws {
        let session = try makeSession()
        var random = SystemRandomNumberGenerator()
        let value = String(repeating: "v", count: settings.valueSize)
        var sequence = 0
        while issued.add(1, ordering: .relaxed).newValue <= limit {
            if let stopAt, Date() >= stopAt { return }
            let started = DispatchTime.now().uptimeNanoseconds
            switch settings.kind {
            case .read:
                let ids = (0..<settings.batch).map { _ in Int.random(in: 0..<max(settings.rows, 1), using: &random) }
                let sql = settings.batch == 1 ? "SELECT value FROM workload WHERE id = \(ids[0])"
                                              : "SELECT value FROM workload WHERE id IN (\(ids.map(String.init).joined(separator: ", ")))"
                try retrying { () throws(SQLError) in _ = try session.execute(sql) }
            case .write:
                let ids = (0..<settings.batch).map { _ in
                    sequence += 1
                    return client * 1_000_000_000 + sequence
                }
                _ = try session.execute("INSERT INTO workload VALUES " + ids.map { "(\($0), '\(value)')" }.joined(separator: ", "))
                acknowledged.withLock { $0 += ids }
            case .bank:
                try transfer(session, random: &random)
            }
            let micros = (DispatchTime.now().uptimeNanoseconds - started) / 1000
            stats.withLock { stats in
                _ = stats.total.record(max(1, micros))
                _ = stats.interval.record(max(1, micros))
            }
        }
    }

    /// Retries a statement that failed for reasons that can pass (a conflict, an election).
    private func retrying(_ body: () throws(SQLError) -> Void) throws(SQLError) {
        for _ in 0..<50 {
            do throws(SQLError) {
                return try body()
            } catch {
                guard error.isRetryable else { throw error }
                stats.withLock { $0.retries += 1 }
            }
        }
        try body()
    }

    private func transfer(_ session: any WorkloadSession, random: inout SystemRandomNumberGenerator) throws {
        let from = Int.random(in: 0..<settings.rows, using: &random)
        var to = Int.random(in: 0..<settings.rows - 1, using: &random)
        if to >= from { to += 1 }
        let amount = Int.random(in: 1...20, using: &random)
        for _ in 0..<100 {
            let error = attemptTransfer(session, from: from, to: to, amount: amount)
            guard let error else { return }
            guard error.isRetryable else { throw error }
            stats.withLock { $0.retries += 1 }
            _ = try? session.execute("ROLLBACK")
        }
        throw VerificationError("a transfer kept conflicting 100 times")
    }

    /// One try at a transfer; the error that ended it, if any.
    private func attemptTransfer(_ session: any WorkloadSession, from: Int, to: Int, amount: Int) -> SQLError? {
        do throws(SQLError) {
            _ = try session.execute("BEGIN")
            let balance = integers(try session.execute("SELECT balance FROM accounts WHERE id = \(from)")).first ?? 0
            if balance >= amount {
                _ = try session.execute("UPDATE accounts SET balance = balance - \(amount) WHERE id = \(from)")
                _ = try session.execute("UPDATE accounts SET balance = balance + \(amount) WHERE id = \(to)")
            }
            _ = try session.execute("COMMIT")
            return nil
        } catch {
            return error
        }
    }

    private func integers(_ result: StatementResult) -> [Int] {
        guard case .query(_, let rows) = result else { return [] }
        return rows.compactMap { if case .integer(let n)? = $0.first { Int(n) } else { nil } }
    }

    private func verify() throws {
        let session = try makeSession()
        switch settings.kind {
        case .read:
            let count = integers(try session.execute("SELECT COUNT(*) FROM workload")).first
            guard count == settings.rows else { throw VerificationError("expected \(settings.rows) rows, found \(count ?? -1)") }
        case .write:
            let stored = Set(integers(try session.execute("SELECT id FROM workload")))
            let missing = acknowledged.withLock { $0 }.filter { !stored.contains($0) }
            guard missing.isEmpty else { throw VerificationError("\(missing.count) acknowledged rows are missing, such as \(missing.prefix(5))") }
        case .bank:
            let balances = integers(try session.execute("SELECT balance FROM accounts"))
            let total = balances.reduce(0, +)
            guard total == settings.rows * 100 else { throw VerificationError("the total balance is \(total), not \(settings.rows * 100)") }
            guard balances.allSatisfy({ $0 >= 0 }) else { throw VerificationError("a balance went negative") }
        }
    }
}

/// Why the data did not check out.
struct VerificationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The disk's single-thread fsync rate: 4 KiB writes, each followed by `fsync`, for `seconds`.
func probeFsyncRate(directory: String, seconds: Double = 1) -> Double? {
    let path = (directory as NSString).appendingPathComponent(".cutaway-fsync-probe")
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { return nil }
    defer {
        close(fd)
        unlink(path)
    }
    let block = [UInt8](repeating: 0x5A, count: 4096)
    let start = Date()
    var count = 0
    while Date().timeIntervalSince(start) < seconds {
        let written = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == block.count, fsync(fd) == 0 else { return nil }
        count += 1
    }
    return Double(count) / Date().timeIntervalSince(start)
}
