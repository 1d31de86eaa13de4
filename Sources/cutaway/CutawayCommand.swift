import ArgumentParser
import Shell

/// The `cutaway` command line.
@main
struct CutawayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cutaway",
        abstract: "A distributed SQL database with the covers off.")

    func run() throws {
        print(ShellInfo.banner)
        print("The SQL engine and REPL are being built (issues 3 and 5); nothing to run yet.")
    }
}
