// Shell — placeholder; the REPL lands with issue 5.
import CEditLine

/// The interactive front end of Cutaway.
public enum ShellInfo {
    /// The banner shown above the first prompt.
    public static let banner = "Cutaway — a distributed SQL database with the covers off"
}
