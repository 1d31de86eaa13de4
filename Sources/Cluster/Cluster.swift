// # Cluster: SQL over Raft
//
// The SQL layer runs statements against an `Engine`; the Raft layer keeps a log identical on a
// majority of nodes and applies it, in order, to a `StateMachine` on every node. This module
// joins them without either knowing the other: `RaftEngine` is an `Engine` whose transactions
// turn reads into Raft reads and writes into Raft log entries, and `SQLStateMachine` is a
// `StateMachine` that applies those entries to a node's own `LocalEngine` (MVCC on memory or
// BitCask). `LocalCluster` runs N such nodes in one process over the simulator's network.
//
// ## Follow one write
//
// A session on node n1 runs `INSERT INTO t VALUES (1, 'a'), (2, 'b');` (autocommit):
//
// 1. `Session.execute` asks `RaftEngine.beginStatement()` for a transaction. It takes a
//    read-only snapshot with one linearizable read, `SQLQuery.snapshot`, and writes nothing.
// 2. Planning reads the schema (`SQLQuery.table`): `NodeClient.read` → `LocalCluster.request`
//    → `RaftNode.read` on n1. A follower forwards it to the leader; the leader confirms it
//    still leads by a heartbeat round to a majority (read index), then answers from its applied
//    state with `SQLStateMachine.read`. No log entry.
// 3. The executor calls `Transaction.insert`; `RaftTransaction` only buffers a `Mutation`.
// 4. The session commits: `RaftTransaction.commit` sends one `SQLCommand` —
//    `.autocommit(snapshot:, [insert t, 2 rows], commit: true)` with this client's id and
//    sequence number — through `RaftNode.propose`. The leader appends it to its log and sends
//    `Append` to the followers; once a majority has it on disk the entry is committed.
// 5. Every node, leader and followers alike, applies the entry in log order:
//    `SQLStateMachine.apply` begins a transaction that sees exactly what the snapshot saw
//    (`MVCC.begin(snapshot:)`: what committed since is invisible, so a concurrent change to the
//    same row is a write conflict, as on a local engine), runs `Transaction.apply` for each
//    mutation with all constraint checks, and commits. The version comes from the node's own
//    counter, which only log entries move, so it is the same on every node.
// 6. The leader's answer travels back to n1 and the statement returns `INSERT 2`.
//
// ## Costs on the log
// - An autocommitted write statement is one entry; a failed one spends its version with one
//   entry too (a local engine spends one, and both must number transactions alike).
// - In BEGIN … COMMIT, BEGIN is one entry (it takes a version, which orders the transaction
//   among the others), each write statement is one entry with all its rows, COMMIT and
//   ROLLBACK one each. Reads and read-only transactions write nothing.
//
// ## Savepoints and statement atomicity
// Savepoints never cross the log. A statement's writes stay in the client's buffer until it
// ends; a savepoint is a position in that buffer. The entry that carries them is applied all
// or nothing on every node (`SQLStateMachine` takes a savepoint in the node's own MVCC
// transaction and returns to it if any mutation fails), so a failing statement leaves the
// transaction as it was, everywhere, and its error — kind, message and position — is the
// answer every node computed alike.
//
// ## Never twice
// Each command carries its client's id and a sequence number; every node remembers each
// client's last sequence number and answer. When a leader dies with the command pending, the
// client sends the same bytes again to the new leader: if the entry had committed after all,
// the state machine answers from memory instead of applying it again, and a stale copy that
// commits later than a newer command is refused.
//
// ## Failures that are not the statement's
// A deterministic error (constraint, conflict, a type error) is the statement's answer. A
// storage failure while applying is not deterministic — another node's disk may be fine — so
// `SQLStateMachine` throws it and the node stops, loudly, rather than skip the entry and diverge.
