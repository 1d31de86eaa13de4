import Inspect

/// `.help [NAME]`: the command list, or one command's help.
struct HelpCommand: DotCommand {
    let name = "help"
    let arguments = "[NAME]"
    let summary = "list the commands, or explain one"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        guard let wanted = arguments.words.first else {
            var text = "SQL statements end with ';' and may span lines. Commands:\n"
            let commands = shell.registry.all
            let syntax = commands.map { ".\($0.name)" + ($0.arguments.isEmpty ? "" : " " + $0.arguments) }
            let width = syntax.map(Drawing.width).max() ?? 0
            // Summaries wrap between words under their own column, within the screen.
            let room = max(20, shell.width - 1 - (width + 4))
            for (command, usage) in zip(commands, syntax) {
                for (i, line) in Drawing.wordWrap(command.summary, to: room).enumerated() {
                    text += "  " + Drawing.padRight(i == 0 ? usage : "", to: width) + "  " + line + "\n"
                }
            }
            shell.show(text + ".help NAME says more about one command.\n")
            return
        }
        guard arguments.words.count == 1 else { throw usageError("too many arguments") }
        let name = wanted.hasPrefix(".") ? String(wanted.dropFirst()) : wanted
        guard let command = shell.registry.command(named: name) else {
            var message = "no command '.\(name)'"
            if let near = suggestion(for: name, among: shell.registry.names) { message += " — did you mean .\(near)?" }
            throw ShellError(message)
        }
        var text = ".\(command.name)" + (command.arguments.isEmpty ? "" : " " + command.arguments) + "\n"
        text += "  " + command.summary + "\n"
        if !command.help.isEmpty {
            text += command.help.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n") + "\n"
        }
        shell.show(text)
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] {
        words.isEmpty ? shell.registry.names : []
    }
}

/// `.quit`: leaves the shell.
struct QuitCommand: DotCommand {
    let name = "quit"
    let arguments = ""
    let summary = "leave Cutaway (or Ctrl-D on an empty line)"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        guard arguments.words.isEmpty else { throw usageError("takes no arguments") }
        shell.quit()
    }
}

/// `.mode [table|line|csv|json]`: how results are printed.
struct ModeCommand: DotCommand {
    let name = "mode"
    let arguments = "[table|line|csv|json]"
    let summary = "show or set how results are printed"
    let help = """
        table  aligned columns with a header and a row count (the default)
        line   one 'column = value' line per column, rows apart
        csv    comma-separated values with a header (RFC 4180 quoting)
        json   one JSON object per statement, as `cutaway --format json` prints
        """

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        switch arguments.words.count {
        case 0: shell.show("mode: \(shell.mode.rawValue)\n")
        case 1:
            guard let mode = OutputMode(rawValue: arguments.words[0].lowercased()) else {
                let word = arguments.words[0]
                var problem = "unknown mode '\(word)'"
                if let near = suggestion(for: word, among: OutputMode.allCases.map(\.rawValue)) {
                    problem += " — did you mean \(near)?"
                }
                if word.hasSuffix(";") { problem += " (a dot-command ends with its line, without ';')" }
                throw usageError(problem)
            }
            shell.mode = mode
        default: throw usageError("too many arguments")
        }
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] {
        words.isEmpty ? OutputMode.allCases.map(\.rawValue) : []
    }
}

/// `.timer on|off`: print each statement's time.
struct TimerCommand: DotCommand {
    let name = "timer"
    let arguments = "on|off"
    let summary = "time each statement and command"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        guard arguments.words.count == 1 else { throw usageError("expected on or off") }
        switch arguments.words[0].lowercased() {
        case "on": shell.timer = true
        case "off": shell.timer = false
        default: throw usageError("expected on or off, found '\(arguments.words[0])'")
        }
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] {
        words.isEmpty ? ["on", "off"] : []
    }
}

/// `.record FILE` / `.record off`: save what is typed so `cutaway < FILE` replays it.
struct RecordCommand: DotCommand {
    let name = "record"
    let arguments = "FILE|off"
    let summary = "save your input; replay: cutaway < FILE"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        guard arguments.words.count == 1 else { throw usageError("expected a file name or off") }
        if arguments.words[0] == "off" {
            guard let recorder = shell.recorder else { throw ShellError("not recording") }
            shell.recorder = nil
            shell.show("stopped recording to \(recorder.path)\n")
        } else {
            shell.recorder = try Recorder(path: arguments.words[0])
            shell.show("recording to \(arguments.words[0]); .record off stops\n")
        }
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] {
        words.isEmpty ? ["off"] : []
    }
}
