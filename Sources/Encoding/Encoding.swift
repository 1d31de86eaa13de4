// Encoding — placeholder; the module's teaching doc comment and code land with issue 2.
/// The version of Cutaway's on-disk encodings.
public enum EncodingFormat {
    /// Bumped whenever a stored byte layout changes.
    public static let version = 1
}
