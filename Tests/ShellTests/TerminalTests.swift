import Foundation
import Testing

/// Drives the real `cutaway` binary in a tmux pane: what a learner's fingers do.
///
/// Each test gets its own tmux server (`-L`), its own HOME (so history starts empty) and a
/// bash in the pane into which the binary's path is typed, so Ctrl-C never kills the pane.
/// The screen is polled until the expected text appears, with a timeout, never fixed sleeps.
@Suite(.serialized, .enabled(if: Tmux.available, "tmux is not installed (make test installs it)"))
struct TerminalTests {
    @Test func statementAcrossTwoLinesThenHistoryRecallsItAsOneLine() throws {
        let tmux = try Tmux.start()
        defer { tmux.stop() }
        tmux.enter("CREATE TABLE things (id INT PRIMARY KEY,")
        try tmux.waitFor("cutaway(n1)->")
        tmux.enter("name STRING);")
        try tmux.waitFor("CREATE TABLE things")
        try tmux.waitForPrompt()
        tmux.press("Up")
        try tmux.waitFor("cutaway(n1)> CREATE TABLE things (id INT PRIMARY KEY, name STRING);")
        tmux.press("C-u")
        tmux.enter(".quit")
        try tmux.waitUntil("the shell's prompt after .quit") { $0.split(separator: "\n").last == "$" }
        let history = try String(contentsOfFile: tmux.home + "/.cutaway_history", encoding: .utf8)
        #expect(history.contains("CREATE\\040TABLE\\040things"))
    }

    @Test func tabCompletesTableNamesAndCtrlCDiscardsInput() throws {
        let tmux = try Tmux.start()
        defer { tmux.stop() }
        tmux.enter("CREATE TABLE accounts (id INT PRIMARY KEY);")
        try tmux.waitFor("CREATE TABLE accounts")
        try tmux.waitForPrompt()
        tmux.type("SELECT * FROM acc")
        tmux.press("Tab")
        try tmux.waitFor("SELECT * FROM accounts")
        tmux.press("C-c")
        try tmux.waitFor("^C")
        tmux.enter("SELECT 41 + 1;")
        try tmux.waitFor("42")
        #expect(!tmux.screen().contains("error"))
    }

    @Test func ctrlCCancelsARunningStatementAndTheREPLCarriesOn() throws {
        let tmux = try Tmux.start()
        defer { tmux.stop() }
        tmux.enter("CREATE TABLE a (id INT PRIMARY KEY); INSERT INTO a VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10);")
        try tmux.waitFor("INSERT 10")
        // Ten million rows through a seven-way cross join: far longer than the wait below.
        tmux.enter("SELECT count(*) FROM a x, a y, a z, a w, a v, a u, a t;")
        Thread.sleep(forTimeInterval: 0.5)
        tmux.press("C-c")
        try tmux.waitFor("cancelled: statement cancelled (Ctrl-C)")
        tmux.enter("SELECT count(*) FROM a;")
        try tmux.waitFor("(1 row)")
    }

    /// The cluster in the REPL: look at Raft, kill the leader, write anyway, see who leads now.
    @Test func killingTheLeaderStillLetsAnInsertThrough() throws {
        let tmux = try Tmux.start()
        defer { tmux.stop() }
        tmux.enter("CREATE TABLE t (id INT PRIMARY KEY);")
        try tmux.waitFor("CREATE TABLE t")
        tmux.enter(".raft")
        try tmux.waitFor("next/match")
        let before = tmux.screen()
        let leader = try #require(["n1", "n2", "n3"].first { before.contains("\($0)@1 leader") })
        tmux.press("C-l")
        tmux.enter(".kill \(leader)")
        try tmux.waitFor("\(leader) is down; it was the leader")
        // The auto clock elects a new leader while the INSERT waits for one.
        tmux.enter("INSERT INTO t VALUES (1);")
        try tmux.waitFor("INSERT 1")
        tmux.press("C-l")
        tmux.enter(".raft")
        try tmux.waitFor("INSERT INTO t, 1 row")
        let after = tmux.screen()
        #expect(after.contains("\(leader) down"))
        let others = ["n1", "n2", "n3"].filter { $0 != leader }
        #expect(others.contains { after.contains("\($0)@2 leader") || after.contains("\($0)@3 leader") })
    }

    @Test func twoSessionsSeeDifferentVersionsInMVCC() throws {
        let tmux = try Tmux.start()
        defer { tmux.stop() }
        for line in ["CREATE TABLE t (id INT PRIMARY KEY, v STRING);", "INSERT INTO t VALUES (1, 'old');",
                     ".session alice", "BEGIN;", "UPDATE t SET v = 'new' WHERE id = 1;"] {
            tmux.enter(line)
        }
        try tmux.waitFor("UPDATE 1")
        try tmux.waitFor("cutaway(alice@n1) txn ")
        tmux.enter(".session default")
        tmux.enter(".mvcc t")
        try tmux.waitFor("✗ uncommitted")
        let screen = tmux.screen()
        #expect(screen.contains("'new'"))
        #expect(screen.contains("✓ own"))
        #expect(screen.contains("default*"))
    }

    /// At 80 × 24 with four sessions, two versions that differ only at their end must both be
    /// on the screen whole: telling versions apart is what `.mvcc` is for.
    @Test func fourSessionsAt80ColumnsShowBothUpdatedValuesInFull() throws {
        let tmux = try Tmux.start(width: 80, height: 24)
        defer { tmux.stop() }
        let lines = [
            "CREATE TABLE t (id INT PRIMARY KEY, name STRING, note STRING);",
            "INSERT INTO t VALUES (1, 'ann', 'paid in full on monday');",
            ".session s4", "BEGIN;",
            ".session s2", "BEGIN;", "UPDATE t SET note = 'paid in full on friday' WHERE id = 1;", "COMMIT;",
            ".session s3", "BEGIN;", "UPDATE t SET note = 'paid in full on sunday' WHERE id = 1;",
            ".session default",
        ]
        for line in lines {
            tmux.enter(line)
        }
        try tmux.waitFor("cutaway(s3@n1) txn ")
        try tmux.waitUntil("the default session's prompt") { $0.hasSuffix("cutaway(n1)>") || $0.contains("cutaway(n1)>\n") }
        tmux.press("C-l")
        tmux.enter(".mvcc t")
        try tmux.waitFor("(* is you)")
        let screen = tmux.screen()
        #expect(screen.contains("(1, 'ann', 'paid in full on friday')"), "the screen:\n\(screen)")
        #expect(screen.contains("(1, 'ann', 'paid in full on sunday')"), "the screen:\n\(screen)")
        #expect(screen.split(separator: "\n").allSatisfy { $0.count <= 80 })
    }

    /// Leaving with Ctrl-D while a transaction is open says what happens to it.
    @Test func ctrlDWithAnOpenTransactionSaysItIsRolledBack() throws {
        let tmux = try Tmux.start(width: 80, height: 24)
        defer { tmux.stop() }
        tmux.enter("CREATE TABLE t (id INT PRIMARY KEY);")
        tmux.enter("BEGIN;")
        tmux.enter("INSERT INTO t VALUES (1);")
        try tmux.waitFor("INSERT 1")
        // Ctrl-D must reach libedit at its prompt: pressed sooner, the terminal takes it.
        try tmux.waitForPrompt("cutaway(n1) txn 2>")
        tmux.press("C-d")
        try tmux.waitFor("rolled back")
        #expect(tmux.screen().contains("transaction 2"))
    }

    /// A learner's first minutes: start lesson 1, ask for a check too early, take the hint,
    /// do the step, and check again. Progress lands in the test's own home directory.
    @Test func firstStepsOfLessonOneWithAFailingCheckAHintAndAPassingCheck() throws {
        let tmux = try Tmux.start()
        defer { tmux.stop() }
        tmux.enter(".lesson 1")
        try tmux.waitFor("step 1 of 9: A first table")
        try tmux.waitForPrompt()
        tmux.press("C-l")
        tmux.enter(".check")
        try tmux.waitFor("found: no tables")
        #expect(tmux.screen().contains("✗ a table planets"))
        tmux.enter(".hint")
        try tmux.waitFor("Hint: Type the CREATE TABLE statement")
        for line in ["CREATE TABLE planets (", "id INTEGER PRIMARY KEY,", "name STRING NOT NULL,",
                     "moons INTEGER,", "radius FLOAT", ");"] {
            tmux.enter(line)
        }
        try tmux.waitFor("✓ Step 1 passed.")
        try tmux.waitForPrompt()
        tmux.press("C-l")
        tmux.enter(".check")
        try tmux.waitFor("✓ Step 1 passed.")
        #expect(tmux.screen().contains("Type .next for step 2."))
        tmux.enter(".next")
        try tmux.waitFor("step 2 of 9: Rows in")
        tmux.enter(".quit")
        try tmux.waitUntil("the shell's prompt after .quit") { $0.split(separator: "\n").last == "$" }
        let progress = try String(contentsOfFile: tmux.home + "/.cutaway_lessons", encoding: .utf8)
        #expect(progress.contains("01-first-steps 2 1"))
    }

    /// `cutaway --lesson 2` opens straight on the lesson's first step, on the database it set up.
    @Test func startingWithALessonOnTheCommandLine() throws {
        let tmux = try Tmux.start(arguments: "--lesson 2")
        defer { tmux.stop() }
        try tmux.waitFor("step 1 of 9: Two tables that point at each other")
        #expect(tmux.screen().contains("This lesson runs on a fresh 3-node Raft cluster"))
    }
}

/// A private tmux server running one pane with bash, and the REPL started inside it.
/// The REPL on a node server: `cutaway cluster start` a one-node cluster, `cutaway --connect`
/// to it, and type as a person would.
@Suite(.serialized, .enabled(if: Tmux.available, "tmux is not installed (make test installs it)"))
struct RemoteTerminalTests {
    @Test func connectedREPLRunsSQLLooksInsideAndRefusesInProcessControls() throws {
        let directory = NSTemporaryDirectory() + "cutaway-remote-\(UInt32.random(in: 0...UInt32.max))"
        var base = 0
        for _ in 0..<50 {
            let candidate = Int.random(in: 30000..<39000)
            if portIsFree(candidate + 1) && portIsFree(candidate + 101) { base = candidate; break }
        }
        #expect(base != 0, "no free ports")
        let binary = Tmux.binary
        defer {
            // Whatever happened, the node process ends with the test.
            _ = system("'\(binary)' cluster stop --dir '\(directory)' >/dev/null 2>&1")
            try? FileManager.default.removeItem(atPath: directory)
        }
        let tmux = try Tmux.start(
            command: "'\(binary)' cluster start --nodes 1 --dir '\(directory)' --base-port \(base) && '\(binary)' --connect 127.0.0.1:\(base + 1)")
        defer { tmux.stop() }
        try tmux.waitFor("Connected to n1")
        tmux.enter("CREATE TABLE t (id INT PRIMARY KEY, name STRING);")
        try tmux.waitFor("CREATE TABLE t")
        tmux.enter("BEGIN;")
        try tmux.waitFor("cutaway(n1) txn")
        tmux.enter("INSERT INTO t VALUES (1, 'ann');")
        try tmux.waitFor("INSERT 1")
        tmux.enter(".mvcc t")
        try tmux.waitFor("own write")
        tmux.enter("COMMIT;")
        try tmux.waitFor("COMMIT")
        tmux.enter(".raft")
        try tmux.waitFor("n1's own view")
        tmux.enter(".kill n1")
        try tmux.waitFor(".kill drives the cluster inside this process")
        tmux.enter(".quit")
        try tmux.waitUntil("the shell's prompt after .quit") { $0.split(separator: "\n").last == "$" }
    }

    private func portIsFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

struct Tmux {
    let socket: String
    let home: String

    static var available: Bool { which("tmux") != nil }

    /// The binary under test: `CUTAWAY_BIN`, or the debug build of this package.
    static var binary: String {
        if let override = ProcessInfo.processInfo.environment["CUTAWAY_BIN"] { return override }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/cutaway").path
    }

    /// Fails clearly when the binary has not been built (`make test` builds it first).
    static func requireBinary() throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            Issue.record("no cutaway binary at \(binary): run swift build first, or set CUTAWAY_BIN")
            throw TimeoutError()
        }
    }

    /// Starts `command` (the binary itself by default, with `arguments` on its command line) in a
    /// fresh pane of `width` × `height` (the 80 × 24 of a default terminal, or roomier), once
    /// `prompt` shows.
    static func start(width: Int = 100, height: Int = 40, arguments: String = "", command: String? = nil,
                      prompt: String = "cutaway(n1)>") throws -> Tmux {
        try requireBinary()
        let id = "cutaway-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let home = NSTemporaryDirectory() + id
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let tmux = Tmux(socket: id, home: home)
        tmux.detached(["new-session", "-d", "-x", String(width), "-y", String(height), "env", "-i", "HOME=\(home)", "TERM=xterm",
                  "PATH=/usr/bin:/bin", "PS1=$ ", "bash", "--norc", "--noprofile"])
        do {
            try tmux.waitUntil("the shell's prompt") { $0.hasPrefix("$") }
            tmux.enter((command ?? binary) + (arguments.isEmpty ? "" : " " + arguments))
            try tmux.waitFor(prompt, timeout: 30)
        } catch {
            tmux.stop()
            throw error
        }
        return tmux
    }

    func stop() {
        run(["kill-server"])
        try? FileManager.default.removeItem(atPath: home)
    }

    /// Types `text` literally. tmux reads an argument ending in `;` as its command separator,
    /// even with `-l`, so that one is escaped.
    func type(_ text: String) {
        run(["send-keys", "-t", "0", "-l", text.hasSuffix(";") ? text.dropLast() + "\\;" : text])
    }

    /// Types `text` and presses Enter.
    func enter(_ text: String) {
        type(text)
        press("Enter")
    }

    /// Presses a named key (`Enter`, `Up`, `Tab`, `C-c`).
    func press(_ key: String) { run(["send-keys", "-t", "0", key]) }

    func screen() -> String { run(["capture-pane", "-p", "-t", "0"]) }

    /// Polls the screen until it contains `text` (capture-pane drops trailing spaces: a prompt
    /// waiting for input reads `cutaway>`), or fails after `timeout` seconds.
    func waitFor(_ text: String, timeout: Double = 10) throws {
        try waitUntil(text.debugDescription, timeout: timeout) { $0.contains(text) }
    }

    /// Waits until the last line shows an empty prompt: libedit reads again, so keys pressed
    /// now are edited by it rather than echoed by the terminal (a race on a busy machine).
    func waitForPrompt(_ prompt: String = "cutaway(n1)>") throws {
        try waitUntil("an empty prompt") { screen in
            screen.split(separator: "\n").last { !$0.isEmpty }.map { $0.hasSuffix(prompt) } ?? false
        }
    }

    /// Polls the screen until `condition` holds, or fails after `timeout` seconds.
    func waitUntil(_ what: String, timeout: Double = 10, _ condition: (String) -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(screen()) { return }
            usleep(20_000)
        }
        Issue.record("timed out waiting for \(what); the screen:\n\(screen())")
        throw TimeoutError()
    }

    struct TimeoutError: Error {}

    /// Runs a tmux command whose server may outlive it: its output goes to /dev/null, since a
    /// pipe would be inherited and held open by the server (a reader would then wait forever).
    func detached(_ arguments: [String]) {
        _ = shell(arguments, redirect: " </dev/null >/dev/null 2>&1")
    }

    /// Runs a tmux command and returns its output.
    @discardableResult
    func run(_ arguments: [String]) -> String { shell(arguments, redirect: " </dev/null 2>/dev/null") }

    /// Runs tmux through popen (Foundation's Process can hang waiting for children off the
    /// main thread on Linux), quoting every argument for the shell.
    private func shell(_ arguments: [String], redirect: String) -> String {
        let quoted = (["tmux", "-L", socket] + arguments)
            .map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        guard let pipe = popen(quoted + redirect, "r") else { return "" }
        var output = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, pipe)
            if n <= 0 { break }
            output += buffer[0..<n]
        }
        pclose(pipe)
        return String(decoding: output, as: UTF8.self)
    }

    static func which(_ name: String) -> String? {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: dir + "/" + name) {
            return dir + "/" + name
        }
        return nil
    }
}
