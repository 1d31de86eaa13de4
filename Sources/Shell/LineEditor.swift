import CEditLine
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Line editing with libedit: arrow keys, history kept in `~/.cutaway_history`, tab completion,
/// and Ctrl-C that abandons the line instead of killing the process.
///
/// libedit calls back into Swift through C function pointers, which cannot capture anything, so
/// what completion needs (keywords, table names, …) is kept in a process-wide `Mutex` that the
/// REPL refreshes before each line.
final class LineEditor {
    /// What `readLine` saw.
    enum Input {
        case line(String)
        /// Ctrl-C: the line was abandoned.
        case interrupted
        /// Ctrl-D on an empty line, or the end of input.
        case endOfInput
    }

    private let historyPath: String?
    private static let historyLimit: Int32 = 1000

    init() {
        setlocale(LC_CTYPE, "")          // without it libedit drops non-ASCII input
        historyPath = getenv("HOME").map { String(cString: $0) + "/.cutaway_history" }
        cutaway_rl_setup { text, start, _ in LineEditor.complete(text, start) }
        using_history()
        stifle_history(Self.historyLimit)
        if let historyPath { _ = read_history(historyPath) }
        _ = cutaway_on_sigint { _ in LineEditor.interrupted.store(true, ordering: .relaxed) }
    }

    /// Set by the SIGINT handler; an atomic store is async-signal-safe.
    static let interrupted = Atomic<Bool>(false)

    /// Reads one line, showing `prompt`.
    func readLine(prompt: String) -> Input {
        Self.interrupted.store(false, ordering: .relaxed)
        guard let raw = readline(prompt) else {
            return Self.interrupted.load(ordering: .relaxed) ? .interrupted : .endOfInput
        }
        defer { free(raw) }
        if Self.interrupted.load(ordering: .relaxed) { return .interrupted }
        return .line(String(cString: raw))
    }

    /// Remembers one complete statement or command (a multi-line statement as one line).
    func remember(_ entry: String) {
        guard !entry.isEmpty else { return }
        _ = add_history(entry)
        if let historyPath { _ = write_history(historyPath) }
    }

    // MARK: Completion

    /// What completion offers, refreshed by the REPL before each line.
    static let completionContext = Mutex(CompletionContext())

    /// The C completion function: candidates for the word at `start` of libedit's line buffer.
    private static func complete(_ text: UnsafePointer<CChar>?, _ start: Int32)
        -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        cutaway_rl_completion_over()
        guard let text, let buffer = cutaway_rl_line_buffer() else { return nil }
        let word = String(cString: text)
        let line = String(cString: buffer)
        let before = String(decoding: Array(line.utf8.prefix(Int(max(0, start)))), as: UTF8.self)
        let candidates = completionContext.withLock { Completer.candidates(before: before, word: word, in: $0) }
        return cArray(matches: candidates)
    }

    /// The readline match list: the common prefix first, then every candidate, then NULL; all
    /// malloc'd, since libedit frees them.
    private static func cArray(matches: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        guard let first = matches.first else { return nil }
        var common = first
        for match in matches.dropFirst() {
            while !match.hasPrefix(common) { common.removeLast() }
        }
        let entries = matches.count == 1 ? [first] : [common] + matches
        guard let array = malloc(MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * (entries.count + 1))?
            .bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: entries.count + 1) else { return nil }
        for (i, entry) in entries.enumerated() { array[i] = strdup(entry) }
        array[entries.count] = nil
        return array
    }
}
