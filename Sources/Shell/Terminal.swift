#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Facts about the terminal the Shell runs in.
public enum Terminal {
    /// Whether stdin is a terminal (then the REPL edits lines; otherwise input is a script).
    public static var stdinIsTerminal: Bool { isatty(0) == 1 }

    /// The terminal's width in columns, if stdout is a terminal that reports one.
    public static func columns() -> Int? {
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}

/// Writes what the user types to a file, one line per input line, so `cutaway < FILE` replays
/// the session (`.record`).
final class Recorder {
    let path: String
    private let file: UnsafeMutablePointer<FILE>

    init(path: String) throws(ShellError) {
        guard let file = fopen(path, "w") else {
            throw ShellError("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.file = file
    }

    deinit { fclose(file) }

    func record(_ line: String) {
        fputs(line + "\n", file)
        fflush(file)
    }
}
