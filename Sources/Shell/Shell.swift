/// # Shell: the REPL a learner talks to
///
/// Everything a user types goes through here. The Shell is deliberately thin: it decides *what*
/// a line is and *where* it goes, and leaves the work to the layers below.
///
/// 1. **Lines become statements.** SQL may span lines, and several statements may share one. The
///    Shell appends each line to a pending buffer and asks the splitter for complete statements:
///    those ending in a `;` that is not inside a string, a quoted identifier or a comment. What
///    is left over waits for the next line (the REPL shows the continuation prompt `cutaway-> `).
/// 2. **A line starting with `.` is a dot-command** — but only when no statement is pending, so a
///    `.5` inside a multi-line statement stays SQL. Commands are small types in a registry
///    (`CommandRegistry`); see `Commands/DotCommand.swift`.
/// 3. **Statements run in a session.** A session owns at most one open transaction. `.session
///    NAME` switches between named sessions over the same database, which is how two concurrent
///    transactions — and their anomalies — can be shown from one keyboard.
/// 4. **Results are rendered** in the current output mode (table, line, csv or json) by the pure
///    renderers in `Inspect`.
///
/// 5. **Lessons walk a learner through it all.** `.lesson N` replaces the database with the
///    fresh one a lesson asks for, shows one step at a time, and checks each step after every
///    statement against facts (rows, tables, MVCC visibility, leaders, logs), never against
///    drawings; see `Lessons/Lesson.swift`.
///
/// The same `ShellDriver` serves the interactive `REPL` (libedit line editing, history,
/// completion, Ctrl-C) and scripts piped into `cutaway`, where nothing but results and errors
/// is printed. It talks to the database only through `ShellBackend` and `ShellSession`, so the
/// cluster can later slot a Raft-backed database underneath without changing the Shell.

/// The interactive front end of Cutaway.
public enum ShellInfo {
    /// The banner shown above the first prompt.
    public static let banner = "Cutaway — a distributed SQL database with the covers off"
}
