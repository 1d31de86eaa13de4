/// Applying committed entries to the state machine, and what happens when it cannot.
extension RaftNode {
    /// Applies committed entries in order, answering the writes this node is waiting on.
    /// A deterministic application error answers the client and the entry counts as applied;
    /// any other error stops the node (see ``StateMachine``) instead of skipping the entry.
    func applyCommitted() throws {
        while stateMachine.appliedIndex < log.commitIndex {
            let index = stateMachine.appliedIndex + 1
            guard let entry = log.entry(at: index) else {
                throw RaftError.corrupt("committed entry \(index) is missing from the log")
            }
            let result: Result<ClientResponse, RaftError>
            do {
                result = .success(.write(index: index, result: try stateMachine.apply(index: index, command: entry.command)))
            } catch RaftError.application(let message) {
                result = .failure(.application(message))
            } catch {
                let failed = RaftError.stateMachineFailed(index: index, reason: "\(error)")
                failure = failed
                throw failed
            }
            guard stateMachine.appliedIndex == index else {
                // A state machine that does not advance would make this loop spin forever, one
                // that jumps ahead would skip entries: either way it cannot be trusted.
                let failed = RaftError.stateMachineFailed(
                    index: index, reason: "applied index is \(stateMachine.appliedIndex) after applying \(index)")
                failure = failed
                throw failed
            }
            if case .leader(let leader) = role, let pending = leader.writes.removeValue(forKey: index) {
                respond(to: pending.from, id: pending.id, result)
            }
        }
    }
}
