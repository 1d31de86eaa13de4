import Cluster
import Raft
import SQL

/// How each `LessonCheck` is decided, from what the Shell, MVCC and the cluster report.
extension LessonRunner {
    /// Whether `check` holds now, and what was found (for a failing `.check`).
    func evaluate(_ check: LessonCheck, in shell: ShellDriver) -> (passed: Bool, found: String) {
        switch check {
        case let .rows(count, atLeast):
            guard let rows = stepState.lastQuery else { return (false, "no query in this step yet") }
            return (atLeast ? rows.count >= count : rows.count == count, "\(rows.count) row\(rows.count == 1 ? "" : "s")")
        case let .value(text, present):
            guard let rows = stepState.lastQuery else { return (false, "no query in this step yet") }
            let wanted = substitute(text)
            let cells = rows.flatMap { $0.map(\.displayText) }
            let shown = cells.prefix(8).joined(separator: ", ") + (cells.count > 8 ? ", …" : "")
            return (cells.contains(wanted) == present, cells.isEmpty ? "no rows" : "the values \(shown)")
        case .succeeded:
            if case .success = stepState.lastStatement { return (true, "") }
            return (false, lastStatementInWords)
        case let .failed(kind, count):
            let matching = stepState.errors.filter { error in
                kind == "\(error.kind)" || kind == String(error.kind.rawValue.split(separator: " ").first ?? "")
            }
            let found = stepState.errors.map { "\($0.kind.rawValue): \($0.message)" }
            return (matching.count >= count, found.isEmpty ? "no statement failed in this step" : found.joined(separator: "; "))
        case let .table(name, exists):
            let names = ((try? shell.currentSession.tables()) ?? []).map { $0.name.lowercased() }
            let found = names.isEmpty ? "no tables" : "the tables " + names.joined(separator: ", ")
            return (names.contains(name.lowercased()) == exists, found)
        case let .session(name):
            return (shell.currentSessionName == name, "you are in session \(shell.currentSessionName)")
        case let .transaction(open):
            let txn = shell.currentSession.openTransaction
            return ((txn != nil) == open, txn.map { "transaction \($0.version) is open" } ?? "no open transaction")
        case let .visibility(table, key, session, visible):
            return visibility(table: table, key: substitute(key), session: session, visible: visible, in: shell)
        case let .ran(command):
            return (stepState.ran.contains(command), "you have not run .\(command) in this step")
        case let .plan(pass):
            guard let sql = shell.lastExplained else { return (false, "no .explain in this session yet") }
            guard let steps = try? shell.currentSession.explainSteps(sql) else { return (false, "the statement no longer plans") }
            let changed = steps.filter(\.changed).map(\.pass)
            return (changed.contains(pass), changed.isEmpty ? "no pass changed the plan"
                                                           : "the passes that changed it: " + changed.joined(separator: ", "))
        default:
            return evaluateCluster(check, in: shell)
        }
    }

    /// The checks about Raft.
    private func evaluateCluster(_ check: LessonCheck, in shell: ShellDriver) -> (passed: Bool, found: String) {
        if case let .capture(name, fact, atStart) = check {
            if atStart { return (captures[name] != nil, "nothing to remember when the step began") }
            guard let value = capture(fact, in: shell) else { return (false, "no \(fact.rawValue) to remember now") }
            captures[name] = value
            return (true, "")
        }
        guard let backend = shell.backend as? ClusterBackend else { return (false, "this database is not a cluster") }
        let cluster = backend.localCluster
        let snapshot = cluster.snapshot()
        let leader = cluster.leader
        let leaderStatus = snapshot.nodes.first { $0.id == leader?.id }
        let leaderWords = leader.map { "n\($0.id) leads in term \($0.term)" } ?? "no node leads"
        switch check {
        case let .leader(exists):
            return ((leader != nil) == exists, leaderWords)
        case .leaderChanged:
            guard let leader else { return (false, "no node leads yet") }
            let start = stepState.leaderAtStart
            return (start.map { $0.id != leader.id || $0.term != leader.term } ?? true, leaderWords + ", as when the step began")
        case .termGrew:
            guard let leader else { return (false, "no node leads yet") }
            return (stepState.leaderAtStart.map { leader.term > $0.term } ?? true, leaderWords)
        case let .node(name, up):
            guard let id = try? backend.parseNode(substitute(name)) else { return (false, "no node \(substitute(name))") }
            let running = cluster.isRunning(id)
            return (running == up, "n\(id) is \(running ? "up" : "down")")
        case .caughtUp:
            guard let leaderStatus else { return (false, leaderWords) }
            let lagging = snapshot.nodes.filter { !$0.crashed && ($0.lastIndex != leaderStatus.lastIndex
                                                                || $0.commitIndex != leaderStatus.commitIndex) }
            let words = lagging.map { "n\($0.id) at \($0.lastIndex) (commit \($0.commitIndex))" }
            return (lagging.isEmpty, "the leader at \(leaderStatus.lastIndex), " + words.joined(separator: ", "))
        case let .behind(name):
            guard let leaderStatus else { return (false, leaderWords) }
            guard let id = try? backend.parseNode(substitute(name)),
                  let status = snapshot.nodes.first(where: { $0.id == id }) else { return (false, "no node \(substitute(name))") }
            return (status.lastIndex < leaderStatus.lastIndex,
                    "n\(id)'s log ends at \(status.lastIndex), the leader's at \(leaderStatus.lastIndex)")
        case let .reaches(name, index):
            guard let wanted = UInt64(substitute(index)) else { return (false, "no index '\(substitute(index))' to compare with") }
            guard let id = try? backend.parseNode(substitute(name)),
                  let status = snapshot.nodes.first(where: { $0.id == id }) else { return (false, "no node \(substitute(name))") }
            return (status.lastIndex >= wanted, "n\(id)'s log ends at \(status.lastIndex)")
        case let .garbage(name, percent):
            guard let id = try? backend.parseNode(substitute(name)) else { return (false, "no node \(substitute(name))") }
            guard let engine = try? cluster.database(id)?.mvcc.status().engine, engine.diskSize > 0 else {
                return (false, "n\(id) is down or keeps nothing on disk")
            }
            let share = engine.garbageSize * 100 / engine.diskSize
            return (share < percent, "\(engine.garbageSize) bytes of garbage in \(engine.diskSize) on disk (\(share)%)")
        default:
            return (false, "not a cluster check")
        }
    }

    /// Whether the newest version of a row is seen by `session`, as MVCC decides it.
    private func visibility(table: String, key: String, session: String, visible: Bool,
                            in shell: ShellDriver) -> (passed: Bool, found: String) {
        guard let viewer = shell.allSessions.first(where: { $0.name == session })?.session else {
            return (false, "no session \(session)")
        }
        guard let inspector = shell.backend.inspector,
              let tables = try? shell.currentSession.tables(),
              let found = tables.first(where: { $0.name.lowercased() == table.lowercased() }) else {
            return (false, "no table \(table)")
        }
        let chains = (try? inspector.versionChains(table: found, key: MVCCCommand.parseKey(key), viewers: [viewer], limit: 8))?.chains
        guard let chain = chains?.first(where: { $0.key.hasPrefix("row") }), let newest = chain.versions.last,
              let seen = newest.visibility.first?.isSeen else {
            return (false, "no row \(key) in \(table)")
        }
        return (seen == visible, "its newest version, v\(newest.version), is \(seen ? "visible" : "invisible") to \(session)")
    }

    /// The value a capture remembers, if there is one now.
    func capture(_ fact: LessonCheck.CaptureFact, in shell: ShellDriver) -> String? {
        let cluster = shell.backend.cluster
        switch fact {
        case .txn: return shell.currentSession.openTransaction.map { String($0.version) }
        case .leader: return cluster?.leader.map { "n\($0.id)" }
        case .follower, .follower2:
            guard let cluster else { return nil }
            let leader = cluster.leader?.id
            let followers = cluster.ids.filter { $0 != leader && cluster.isRunning($0) }
            let index = fact == .follower ? 0 : 1
            return followers.indices.contains(index) ? "n\(followers[index])" : nil
        case .value:
            return stepState.lastQuery?.first?.first?.displayText
        case .log:
            guard let cluster, let leader = cluster.leader else { return nil }
            return cluster.snapshot().nodes.first { $0.id == leader.id }.map { String($0.lastIndex) }
        }
    }

    /// The last statement of this step, in words, for a check that wanted something else.
    private var lastStatementInWords: String {
        switch stepState.lastStatement {
        case nil: "no statement run in this step yet"
        case let .failure(error)?: "the last statement failed (\(error.kind.rawValue): \(error.message))"
        case let .success(result)?:
            if case let .query(_, rows) = result { "a query result with \(rows.count) rows" }
            else { "the last statement was \(result.commandTag), not a query" }
        }
    }
}
