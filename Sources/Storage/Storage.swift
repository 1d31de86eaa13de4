/// # Storage: where Cutaway's bytes live
///
/// A **storage engine** is the bottom of a database: an ordered map from byte-string keys to
/// byte-string values, with get, set, delete and — because the keys are *ordered* — range scans.
/// It knows nothing about tables, rows or transactions. Everything above it is built by
/// choosing keys cleverly: the `Encoding` module turns `(table, primary key)` into bytes whose
/// byte order is the logical order, so "scan the table" becomes "scan every key with this
/// prefix", and MVCC appends a version number to each key so old versions sit right next to new
/// ones. The contract is the `StorageEngine` protocol in `Engine.swift`.
///
/// Cutaway has two engines:
///
/// - `MemoryEngine` keeps the map in a B-tree (`BTree.swift`) in memory, each node holding its
///   keys' and values' bytes in one buffer of its own. Fast, simple, and gone when the process
///   exits — the reference the durable engine is tested against.
/// - `BitCask` keeps the data in a file and survives crashes.
///
/// ## The BitCask idea
///
/// BitCask (the storage engine of the Riak database) is the simplest durable design that is
/// also fast. It has two parts:
///
/// 1. **A log.** Every write — a set, or a delete written as a *tombstone* — is *appended* to
///    one file. Nothing is ever overwritten in place, so a write is one sequential append, the
///    cheapest thing a disk does, and a crash can only damage the very end of the file.
///    Each record carries a CRC32 checksum, so damage is detected rather than read back as data.
/// 2. **A key directory** in memory: for every live key, where its newest value sits in the log
///    (offset and length). A read is one lookup in the directory plus one `pread` of exactly
///    the value's bytes. The directory is ordered (the same B-tree), so range scans work too.
///
/// The directory is not stored anywhere: opening the database *replays the log* from the start
/// and rebuilds it, the later record for a key replacing the earlier. The price of BitCask is
/// that every key must fit in memory; the values need not.
///
/// Because the log only grows, overwritten values and deleted keys leave **garbage** behind.
/// **Compaction** writes only the live entries to a fresh file and swaps it in for the old one.
/// It is done so that a crash at any moment leaves either the complete old log or the complete
/// new one: write the new file under a temporary name, fsync it, `rename` it over the old name
/// (atomic on POSIX file systems), then fsync the directory so the rename itself is durable.
///
/// ## Durability and fsync
///
/// `write` only hands bytes to the operating system, which keeps them in its page cache and
/// writes them to the disk later. If the *process* crashes, the OS still has them; if the
/// *machine* loses power, they are gone. Only `fsync` waits until the disk says the bytes are on
/// stable storage — and it is slow: from a few hundred to a few thousand per second, depending
/// on the disk. So a durable engine chooses (`SyncPolicy`):
///
/// - `.always`: fsync after every write. Nothing acknowledged is ever lost; one fsync per write.
/// - `.batched`: *group commit*. Writes are buffered and fsynced together every N writes or
///   bytes, and on `flush()`. One fsync pays for many writes; a power loss can lose the writes
///   since the last group, but never damages earlier ones.
/// - `.never`: the engine never fsyncs on its own (only `flush()` does): fastest, and the OS
///   decides when data reaches the disk.
///
/// After a crash, the end of the log may hold half a record (a *torn write*) or a record whose
/// bytes never all reached the disk. BitCask detects this on open by the checksum and length,
/// cuts the log back to the last good record, and reports what it cut (`BitCask.recovery`).
/// Damage *before* good records, though, is not a crash artefact but corruption: opening fails
/// with an error naming the offset, rather than silently dropping data.
public enum StorageModule {
    /// The version of the on-disk formats written by this module (the BitCask log).
    public static let formatVersion = 1
}
