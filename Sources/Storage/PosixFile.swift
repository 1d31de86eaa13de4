#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The C library's open, close and rename, named apart from PosixFile's own methods.
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func systemClose(_ descriptor: Int32) -> Int32 { close(descriptor) }
private func systemRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }

/// A thin wrapper over a POSIX file descriptor: every call is the system call itself (no
/// hidden buffering, explicit fsync), and every failure becomes a `StorageError` naming the file.
final class PosixFile {
    let path: String
    private(set) var descriptor: Int32

    /// Opens `path` with `flags` (O_CREAT files get mode 0644).
    init(path: String, flags: Int32) throws {
        self.path = path
        descriptor = systemOpen(path, flags | O_CLOEXEC, 0o644)
        if descriptor < 0 { throw StorageError.lastError("open", path) }
    }

    deinit { if descriptor >= 0 { _ = systemClose(descriptor) } }

    /// Closes the descriptor (once; later calls do nothing).
    func close() {
        if descriptor >= 0 { _ = systemClose(descriptor) }
        descriptor = -1
    }

    /// The file's size in bytes.
    func size() throws -> UInt64 {
        var info = stat()
        if fstat(descriptor, &info) != 0 { throw StorageError.lastError("fstat", path) }
        return UInt64(info.st_size)
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    func read(count: Int, at offset: UInt64) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { buffer throws in
            try read(into: buffer, at: offset)
        }
        if got < count { bytes.removeSubrange(got...) }
        return bytes
    }

    /// Fills `buffer` from `offset`, looping over short reads; returns the bytes read (fewer
    /// than `buffer.count` only at the end of the file).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int {
        var done = 0
        while done < buffer.count {
            let result = pread(descriptor, buffer.baseAddress?.advanced(by: done), buffer.count - done, off_t(offset) + off_t(done))
            if result < 0 {
                if errno == EINTR { continue }
                throw StorageError.lastError("pread", path)
            }
            if result == 0 { break }
            done += result
        }
        return done
    }

    /// Writes all of `bytes` at `offset`, looping over short writes.
    func write(_ bytes: [UInt8], at offset: UInt64) throws {
        try bytes.withUnsafeBytes { buffer throws in
            var done = 0
            while done < buffer.count {
                let result = pwrite(descriptor, buffer.baseAddress?.advanced(by: done), buffer.count - done, off_t(offset) + off_t(done))
                if result < 0 {
                    if errno == EINTR { continue }
                    throw StorageError.lastError("pwrite", path)
                }
                done += result
            }
        }
    }

    /// Waits until the file's data is on stable storage.
    func sync() throws {
        while fsync(descriptor) != 0 {
            if errno != EINTR { throw StorageError.lastError("fsync", path) }
        }
    }

    /// Cuts the file to `size` bytes.
    func truncate(to size: UInt64) throws {
        if ftruncate(descriptor, off_t(size)) != 0 { throw StorageError.lastError("ftruncate", path) }
    }

    /// Takes an exclusive advisory lock without waiting; false if someone else holds it.
    /// (`flock` locks belong to the open file description, so a second open of the same file
    /// in this process conflicts too.)
    func tryLockExclusively() throws -> Bool {
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
        if errno == EWOULDBLOCK { return false }
        throw StorageError.lastError("flock", path)
    }
}

/// File-system operations on paths.
enum FileSystem {
    /// Whether something exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Creates `path` and any missing parents (like `mkdir -p`).
    static func createDirectory(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0, errno != EEXIST { throw StorageError.lastError("mkdir", current) }
        }
    }

    /// Removes the file at `path`; false if there was none.
    @discardableResult
    static func remove(_ path: String) throws -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw StorageError.lastError("unlink", path)
    }

    /// Atomically replaces `to` with `from`.
    static func rename(_ from: String, to: String) throws {
        if systemRename(from, to) != 0 { throw StorageError.lastError("rename", "\(from) → \(to)") }
    }

    /// Makes the directory's entries (such as a rename inside it) durable.
    static func syncDirectory(_ path: String) throws {
        let directory = try PosixFile(path: path, flags: O_RDONLY | O_DIRECTORY)
        try directory.sync()
    }
}
