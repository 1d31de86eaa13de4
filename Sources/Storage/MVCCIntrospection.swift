/// Read-only views of MVCC's internals for the REPL (`.mvcc`, `.keys`, `.status`): version
/// chains with visibility reasons, active transactions, and the raw engine pairs.
extension MVCC {
    /// Every version of every key starting with `prefix` (grouped by key, oldest first), each
    /// with whether `viewer` sees it and why. `viewer == nil`: the latest committed view.
    /// - Parameter limit: at most this many keys (the first ones in key order).
    /// - Complexity: O(log n + v), v = versions of the keys returned.
    public func versions(prefix: [UInt8], viewer: TransactionState?, limit: Int = .max) throws -> [KeyVersions] {
        try versionChains(rawPrefix: MVCCKey.versionPrefix(prefix), viewer: viewer, limit: limit)
    }

    /// Every version of exactly `key` (possibly none), oldest first, as seen by `viewer`.
    /// - Complexity: O(log n + v), v = versions of the key.
    public func versions(key: [UInt8], viewer: TransactionState?) throws -> KeyVersions {
        try versionChains(rawPrefix: MVCCKey.versionsOf(key), viewer: viewer, limit: 1).first
            ?? KeyVersions(key: key, versions: [])
    }

    /// The running read-write transactions, ascending by version, with their snapshots.
    public func activeTransactions() throws -> [TransactionState] {
        try withStore { store in
            try store.active.sorted().map { version in
                TransactionState(version: version, readOnly: false,
                                 active: try Self.readActiveSnapshot(store.engine, version: version))
            }
        }
    }

    /// Version counter, stored versions, active transactions and the engine's status.
    /// - Complexity: O(v), v = versions stored: they are counted, not tracked.
    public func status() throws -> MVCCStatus {
        try withStore { store in
            let next = store.nextVersion
            var status = MVCCStatus(versions: next > 0 ? next - 1 : 0, nextVersion: next,
                                    activeTransactions: store.active.sorted(), engine: try store.engine.status())
            let cursor = store.engine.scanPrefix(MVCCKey.versionPrefix([]))
            while try cursor.next() != nil { status.storedVersions += 1 }
            return status
        }
    }

    /// The storage engine's own status.
    public func engineStatus() throws -> EngineStatus {
        try locked { try $0.status() }
    }

    /// Raw access for `.keys`: the engine's own pairs whose (MVCC-encoded) key starts with
    /// `prefix`, at most `limit` of them. Decode keys with ``MVCCKey/decode(_:)``.
    /// - Complexity: O(log n + r), r = pairs returned.
    public func rawScan(prefix: [UInt8], limit: Int = .max) throws -> [KeyValue] {
        try locked { engine in
            var out: [KeyValue] = []
            let cursor = engine.scanPrefix(prefix)
            while out.count < limit, let pair = try cursor.next() { out.append(pair) }
            return out
        }
    }

    private func versionChains(rawPrefix: [UInt8], viewer: TransactionState?, limit: Int) throws -> [KeyVersions] {
        let (chains, active) = try withStore { store in
            var chains: [KeyVersions] = []
            let cursor = store.engine.scanPrefix(rawPrefix)
            while let pair = try cursor.next() {
                let stored = try Self.decodeVersion(pair)
                let info = VersionInfo(version: stored.version, value: stored.value, visibility: .writtenLater)
                if let last = chains.last, last.key == stored.key {
                    chains[chains.count - 1].versions.append(info)
                } else {
                    if chains.count >= limit { break }
                    chains.append(KeyVersions(key: stored.key, versions: [info]))
                }
            }
            return (chains, store.active)
        }
        return chains.map { Self.classify($0, viewer: viewer, active: active) }
    }

    /// Labels each version of one key. Versions the viewer could see are candidates; the newest
    /// candidate is what a read returns (`visible` or `ownWrite`), older ones are `shadowed`.
    static func classify(_ chain: KeyVersions, viewer: TransactionState?, active: Set<UInt64>) -> KeyVersions {
        var out = chain
        var newestCandidate: Int?
        for index in out.versions.indices {
            let version = out.versions[index].version
            let reason: Visibility
            if let viewer {
                if !viewer.readOnly && version == viewer.version {
                    reason = .ownWrite
                } else if viewer.active.contains(version) {
                    reason = .activeAtStart
                } else if !viewer.isVisible(version) {
                    reason = .writtenLater
                } else {
                    reason = .shadowed
                }
            } else {
                reason = active.contains(version) ? .uncommitted : .shadowed
            }
            out.versions[index].visibility = reason
            if reason == .shadowed || reason == .ownWrite { newestCandidate = index }
        }
        if let newest = newestCandidate, out.versions[newest].visibility == .shadowed {
            out.versions[newest].visibility = .visible
        }
        return out
    }
}
