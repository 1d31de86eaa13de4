import SQL

/// Query plans as text: the tree EXPLAIN prints, and `.explain steps` — the plan after each
/// optimizer pass, with the lines each pass changed marked `*`:
///
///     Initial:
///       Filter: test.id = 2
///       └─ Scan: test
///     FilterPushdown:
///     * Scan: test (test.id = 2)
///     IndexLookup:
///     * KeyLookup: test (2)
///     HashJoin: unchanged
///
/// The tree itself is drawn by `Plan.drawn` in the SQL module (a session needs it for EXPLAIN
/// and cannot depend on Inspect); this is the renderer the Shell uses.
public enum PlanDrawing {
    /// The plan as a tree fitting `width` columns; with a profile, EXPLAIN ANALYZE's numbers.
    public static func draw(_ plan: Plan, width: Int = Drawing.defaultWidth, profile: Profile? = nil) -> String {
        plan.drawn(width: width, profile: profile)
    }

    /// Every optimizer step: the pass name, then its plan (or "unchanged").
    public static func drawSteps(_ steps: [PlanStep], width: Int = Drawing.defaultWidth) -> String {
        var lines: [String] = []
        for step in steps {
            if step.changed {
                lines.append("\(step.pass):")
                lines.append(contentsOf: step.drawing.split(separator: "\n", omittingEmptySubsequences: false)
                    .map { fit(String($0), width) })
            } else {
                lines.append("\(step.pass): unchanged")
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func fit(_ line: String, _ width: Int) -> String {
        guard line.count > width, width > 1 else { return line }
        return String(line.prefix(width - 1)) + "…"
    }
}
