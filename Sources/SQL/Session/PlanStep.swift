/// One step of `.explain steps`: the plan after an optimizer pass (or "Initial").
public struct PlanStep: Sendable {
    public var pass: String
    public var plan: Plan
    /// Whether this pass changed the plan.
    public var changed: Bool
    /// The plan drawn, with lines that differ from the previous step marked `*`.
    public var drawing: String
    /// Lines of the previous step's drawing that this one no longer has: what the pass removed.
    public var removed: [String] = []
    /// Why the pass exists, in one line ("" for the initial plan).
    public var why = ""

    public init(pass: String, plan: Plan, changed: Bool, drawing: String) {
        self.pass = pass
        self.plan = plan
        self.changed = changed
        self.drawing = drawing
    }

    /// The lines of `previous` that `drawing` does not have (as many times as they are gone).
    static func removed(from previous: String, in drawing: String) -> [String] {
        var now: [Substring: Int] = [:]
        for line in drawing.split(separator: "\n") { now[line, default: 0] += 1 }
        return previous.split(separator: "\n").compactMap { line -> String? in
            if let n = now[line], n > 0 {
                now[line] = n - 1
                return nil
            }
            return String(line)
        }
    }

    /// Prefixes lines that are new since `previous` with "* ", the others with "  ".
    static func mark(_ drawing: String, previous: String?) -> String {
        let lines = drawing.split(separator: "\n", omittingEmptySubsequences: false)
        guard let previous else { return lines.map { "  \($0)" }.joined(separator: "\n") }
        var old: [Substring: Int] = [:]
        for line in previous.split(separator: "\n", omittingEmptySubsequences: false) { old[line, default: 0] += 1 }
        return lines.map { line -> String in
            if let n = old[line], n > 0 {
                old[line] = n - 1
                return "  \(line)"
            }
            return "* \(line)"
        }.joined(separator: "\n")
    }
}
