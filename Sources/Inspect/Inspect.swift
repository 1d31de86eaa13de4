// Inspect — pure renderers from snapshot values to text; drawings land with their layers.
/// Drawing helpers shared by every renderer.
public enum Drawing {
    /// The terminal width drawings fit when none is given.
    public static let defaultWidth = 80
}
