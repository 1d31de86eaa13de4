#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the Shell writes: results to one stream, errors and notices to another.
public protocol OutputSink: AnyObject {
    /// Writes result text (stdout), at once: a reader of the pipe sees it immediately.
    func write(_ text: String)
    /// Writes an error or notice (stderr).
    func writeError(_ text: String)
}

/// The process's stdout and stderr, written with `write(2)`: unbuffered, so every result is
/// flushed the moment it is complete (the json contract needs that).
public final class StandardOutput: OutputSink {
    public init() {}

    public func write(_ text: String) { Self.write(text, to: 1) }
    public func writeError(_ text: String) { Self.write(text, to: 2) }

    static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)
        var offset = 0
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            while offset < buffer.count {
                #if canImport(Glibc)
                let n = Glibc.write(fd, base + offset, buffer.count - offset)
                #else
                let n = Darwin.write(fd, base + offset, buffer.count - offset)
                #endif
                if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return }
            }
        }
    }
}

/// Collects everything written, both streams interleaved in order (golden tests).
public final class CapturedOutput: OutputSink {
    public private(set) var text = ""
    public init() {}
    public func write(_ text: String) { self.text += text }
    public func writeError(_ text: String) { self.text += text }
}

/// Throws everything away.
final class DiscardedOutput: OutputSink {
    func write(_ text: String) {}
    func writeError(_ text: String) {}
}

/// ANSI colours, applied only when the output is a terminal and NO_COLOR is not set.
public struct TextStyle: Sendable {
    /// Whether escapes are written at all.
    public var enabled: Bool

    public init(enabled: Bool) { self.enabled = enabled }

    /// Colours for a terminal on `fd`, honouring https://no-color.org.
    public static func forTerminal(fd: Int32 = 1) -> TextStyle {
        let noColor = getenv("NO_COLOR").map { $0.pointee != 0 } ?? false
        return TextStyle(enabled: isatty(fd) == 1 && !noColor)
    }

    public func red(_ s: String) -> String { wrap(s, "31") }
    public func dim(_ s: String) -> String { wrap(s, "2") }
    public func bold(_ s: String) -> String { wrap(s, "1") }
    public func green(_ s: String) -> String { wrap(s, "32") }

    private func wrap(_ s: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s
    }
}
