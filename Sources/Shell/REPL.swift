import SQL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The interactive loop: prompt, read a line with libedit, hand it to the driver, remember it.
public struct REPL {
    let driver: ShellDriver

    public init(driver: ShellDriver) { self.driver = driver }

    /// The banner: what this is, how to get help, which lessons there are.
    public static func banner(lessons: [String], database: String) -> String {
        var text = """
            \(ShellInfo.banner)
            \(database)
            Type SQL ending in ';' (it may span lines), or .help for the commands.
            Ctrl-C drops the input or cancels a statement; Ctrl-D (or .quit) leaves.

            """
        if !lessons.isEmpty {
            text += "New here? .lessons lists the \(lessons.count) guided lessons; .lesson 1 starts the first.\n"
        }
        return text
    }

    /// Runs until `.quit` or Ctrl-D on an empty line.
    public func run() {
        let editor = LineEditor()
        let banner = Self.banner(lessons: driver.lessons.library.files, database: driver.backend.summary)
        driver.output.write(driver.style.bold(banner) + "\n")
        var typed: [String] = []        // the lines of the statement being typed, for history
        while !driver.finished {
            refreshCompletion()
            let prompt = driver.isPending ? driver.continuationPrompt : driver.prompt
            switch editor.readLine(prompt: prompt) {
            case .endOfInput:
                if driver.isPending {
                    // Ctrl-D inside a statement: leave anyway, like psql, but say what is dropped.
                    driver.output.writeError("\n(unfinished statement discarded)\n")
                }
                driver.output.write("\n")
                driver.discardPending()
                driver.finish()   // says which open transactions are rolled back
                return
            case .interrupted:
                driver.discardPending()
                typed = []
                driver.output.write("^C\n")
            case .line(let line):
                typed.append(line)
                driver.feed(line: line)
                if !driver.isPending {
                    editor.remember(typed.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }.joined(separator: " "))
                    typed = []
                }
            }
        }
        driver.finish()
    }

    /// Hands completion what the shell knows now: tables and columns may have changed.
    private func refreshCompletion() {
        var context = CompletionContext()
        context.keywords = Keywords.all
        context.tables = driver.tableNames()
        context.columns = driver.columnNames()
        context.columnsByTable = driver.columnsByTable()
        context.commands = driver.registry.names
        for command in driver.registry.all {
            context.commandArguments[command.name] = command.completions(after: [], in: driver)
        }
        context.statementPending = driver.isPending
        LineEditor.completionContext.withLock { $0 = context }
    }
}
