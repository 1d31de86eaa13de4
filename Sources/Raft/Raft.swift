/// # Raft: agreeing on one log
///
/// Cutaway keeps a copy of the database on several nodes. They stay identical by agreeing on a
/// single, ordered **log of commands** and applying it in order to a deterministic
/// ``StateMachine``: same commands, same order, same state. Raft is the protocol that makes the
/// nodes agree on that log even when messages are lost and nodes crash.
///
/// ## Terms and elections
/// Time is cut into **terms** (1, 2, 3, …). Each term has at most one **leader**; every other
/// node is a **follower**. The leader sends heartbeats every few ticks. A follower that hears
/// nothing for its *election timeout* (a random number of ticks, so nodes rarely time out
/// together) becomes a **candidate**: it moves to the next term, votes for itself and asks the
/// others for their vote. Each node votes at most once per term (the vote is persisted, so a
/// restart cannot vote twice), and only for a candidate whose log is **at least as up to date**
/// as its own (higher last term, or same last term and at least as long). A candidate with votes
/// from a majority becomes leader. Two majorities always share a node, so two leaders in one
/// term are impossible; the up-to-date check means the winner holds every committed entry.
/// Any message from a higher term makes a node adopt that term and step down to follower.
///
/// ## Replication and commit
/// Clients send writes to the leader, which appends them to its log and sends `Append` messages
/// carrying the entries plus the index and term of the entry just before them (the *base*). A
/// follower accepts only if it has an entry with that index and term; otherwise it rejects and
/// the leader backs off. Because an entry is only ever accepted after its predecessor matched,
/// two logs that share an entry (index and term) are identical up to it (**log matching**).
/// A follower replaces conflicting entries it holds from older terms, never matching ones.
///
/// The leader backs off fast: a rejection carries the first index of the follower's conflicting
/// term, so one round trip skips a whole term instead of one entry. Appends are **pipelined**:
/// the leader sends new entries without waiting for earlier ones to be acknowledged.
///
/// An entry is **committed** once a majority stores it; then it can never be lost, because any
/// future leader needs a majority vote, and the up-to-date check only lets a node holding it win.
/// One subtlety (figure 8 of the Raft paper): a leader only counts replicas for entries of its
/// **own term**. An older entry on a majority may still be overwritten by a leader of a later
/// term, so it commits only indirectly, when an entry of the current term after it commits. That
/// is why a new leader immediately appends an empty entry of its term.
///
/// Committed entries are **applied** in index order. The applied index lives with the state
/// machine; after a restart the node re-applies committed entries the state machine lacks.
///
/// ## Pre-vote: rejoining without disrupting
/// A node cut off from the others keeps timing out. In plain Raft it would raise its term each
/// time and, on rejoining, force the healthy leader to step down. With **pre-vote**, a node whose
/// timer fires first asks "would you vote for me in the next term?" without changing any term.
/// Nodes that recently heard from a leader, or whose log is newer, say no. Only with a majority
/// of yeses does it start a real election, so a partitioned node cannot disrupt anyone.
///
/// ## Check-quorum: a leader that is cut off steps down
/// A leader that has not heard from a majority within an election timeout steps down, failing
/// its pending requests with a retryable error, instead of believing it still leads while the
/// majority has moved on. Followers likewise ignore vote requests while their leader is alive.
///
/// ## Linearizable reads without writing (read index)
/// A read must see every write that completed before it started. Serving it from the leader's
/// state is only safe if that node is *still* the leader. Instead of writing the read to the log,
/// the leader notes the read, sends a heartbeat round tagged with a sequence number and serves
/// the read once a majority has answered that round (proving nobody else led in the meantime)
/// and its state machine has applied everything committed, which includes an entry of its own
/// term. Followers forward client requests to the leader; requests still pending when the leader
/// changes fail with ``RaftError/leadershipLost`` so the client can retry.
///
/// ## Determinism
/// A ``RaftNode`` is a pure state machine: ``RaftNode/tick()`` and ``RaftNode/step(_:)`` return
/// the messages to send. It never reads a clock, sleeps or starts threads, and its randomness
/// comes from a seeded ``SplitMix64``. ``SimulatedCluster`` drives nodes through a simulated
/// network that drops, duplicates, delays and partitions messages, checking Raft's safety
/// properties after every step, and any run replays exactly from its seed.

/// Identifies a Raft node within a cluster.
public typealias NodeID = UInt8

/// A Raft term: a period with at most one leader. Terms start at 1; 0 means "none yet".
public typealias Term = UInt64

/// The position of an entry in the log. Indexes start at 1; 0 means "before the first entry".
public typealias LogIndex = UInt64
