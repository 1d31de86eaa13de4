#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a storage operation failed: each case names the file and, where it matters, the offset.
public enum StorageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A system call failed (`operation` such as "open" or "fsync", `errno` and its text).
    case io(operation: String, path: String, errno: Int32, message: String)
    /// A log record before the end of the file failed its checksum or is malformed; valid
    /// records follow it, so it cannot be a torn write from a crash.
    case corruptRecord(path: String, offset: UInt64, cause: String)
    /// A file is shorter than the key directory says (changed behind the engine's back).
    case shortRead(path: String, offset: UInt64, expected: Int, got: Int)
    /// Another process (or another open engine in this one) holds the data directory's lock.
    case directoryInUse(directory: String)
    /// A key or value longer than the log format can record.
    case tooLarge(what: String, size: Int, limit: Int)
    /// The engine was closed.
    case closed(path: String)

    public var description: String {
        switch self {
        case .io(let operation, let path, let errno, let message):
            return "\(operation) failed for \(path): \(message) (errno \(errno))"
        case .corruptRecord(let path, let offset, let cause):
            return "\(path) is corrupt at offset \(offset): \(cause); valid records follow, so this is not a torn write and the file is left untouched"
        case .shortRead(let path, let offset, let expected, let got):
            return "\(path): expected \(expected) bytes at offset \(offset) but read \(got) (was the file changed by something else?)"
        case .directoryInUse(let directory):
            return "data directory \(directory) is in use by another process (or is already open in this one)"
        case .tooLarge(let what, let size, let limit):
            return "\(what) of \(size) bytes is too large (the limit is \(limit) bytes)"
        case .closed(let path):
            return "\(path) is closed"
        }
    }

    /// The error for a failed system call, reading `errno` now.
    static func lastError(_ operation: String, _ path: String) -> StorageError {
        let code = errno
        return .io(operation: operation, path: path, errno: code, message: String(cString: strerror(code)))
    }
}
