// # Server: Cutaway over the network
//
// The Raft and Cluster modules run whole clusters inside one process, with ticks and a
// simulated network. This module puts each node in a process of its own (`cutaway serve`):
// the same `RaftNode` and `SQLStateMachine`, now driven by a real clock (`NodeRuntime`), with
// Raft messages crossing TCP (`PeerTransport`, `PeerWire`) and SQL clients connecting over a
// small framed protocol (`ClientWire`, `ClientConnection`). A session lives on the node the
// client connects to, and its reads and writes are forwarded to the leader exactly as in the
// embedded cluster. `RemoteBackend` is the other end: the REPL and `cutaway workload` on a
// node server instead of an in-process cluster.
//
// Only this runtime reads the wall clock: time in Raft is still ticks, and a tick is now
// 10 ms of real time. Everything a node receives between two of its turns is handed to it as
// one batch, which is what makes one fsync cover many transactions (group commit).
//
// ## Failures the tests found
// - A node that restarts must not reuse request ids: a leader may still answer a request of
//   its previous life (`NodeRuntime.sequence`).
// - kill -9 can leave the SQL database with half an entry applied; only a cleanly shut-down
//   database is trusted, any other is rebuilt from the Raft log
//   (`NodeRuntime.discardUncleanDatabase`).
