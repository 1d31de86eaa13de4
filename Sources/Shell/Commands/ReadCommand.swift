import Foundation

/// `.read FILE`: runs a file of statements and dot-commands, line by line, as if piped in.
struct ReadCommand: DotCommand {
    let name = "read"
    let arguments = "FILE"
    let summary = "run the statements and commands in a file"
    static let maxDepth = 8

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        guard !arguments.raw.isEmpty else { throw usageError("expected a file name") }
        guard shell.readDepth < Self.maxDepth else { throw ShellError(".read files nest more than \(Self.maxDepth) deep") }
        let text = try readTextFile(arguments.raw)
        // The `.read` line is recorded; its lines are not, or a replay would run them twice.
        let recorder = shell.recorder
        shell.recorder = nil
        shell.readDepth += 1
        defer {
            shell.readDepth -= 1
            shell.recorder = recorder
        }
        // Errors name the file's own lines (`lesson.sql, line 33: …`), as piped input does.
        let path = arguments.raw
        shell.feed(text: text.hasSuffix("\n") ? String(text.dropLast()) : text, from: InputSource(name: path))
        // A last statement without its `;` runs, as at the end of piped input.
        if shell.isPending && !shell.finished { shell.runStatement(shell.pending) }
        shell.discardPending()
    }
}

/// The text of a file, or an error naming it.
func readTextFile(_ path: String) throws(ShellError) -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ShellError("cannot read '\(path)': " + (FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file"))
    }
    return String(decoding: data, as: UTF8.self)
}
