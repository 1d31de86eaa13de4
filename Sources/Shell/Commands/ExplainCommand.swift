import Inspect

/// `.explain [steps|analyze] SQL`: the plan of a statement, three ways.
struct ExplainCommand: DotCommand {
    let name = "explain"
    let arguments = "[steps|analyze] SQL"
    let summary = "draw a plan: optimized, per optimizer pass, or as run"
    let help = """
        .explain SQL          the optimized plan as a tree
        .explain steps SQL    the plan after each optimizer pass; passes that changed it are marked
        .explain analyze SQL  runs the statement: rows, time and MVCC versions per node
        """

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let first = arguments.words.first?.lowercased()
        let form = first == "steps" || first == "analyze" ? first : nil
        let sql = form.map { String(arguments.raw.dropFirst($0.count)).trimmingWhitespace() } ?? arguments.raw
        guard !sql.isEmpty else { throw usageError("expected a SQL statement") }
        do {
            switch form {
            case "steps":
                let steps = try shell.currentSession.explainSteps(sql)
                shell.show(Self.drawSteps(steps))
            case "analyze":
                shell.show(withNewline(try shell.currentSession.explain(sql, analyze: true)))
            default:
                shell.show(withNewline(try shell.currentSession.explain(sql, analyze: false)))
            }
        } catch {
            throw ShellError(error.rendered(in: sql))
        }
    }

    /// Each pass as a titled section; unchanged passes say so instead of repeating the tree.
    static func drawSteps(_ steps: [ExplainStep]) -> String {
        var out = "The plan after each optimizer pass; * marks the nodes a pass changed.\n"
        for (i, step) in steps.enumerated() {
            let mark = i == 0 ? "" : (step.changed ? " ✱ changed" : " (no change)")
            out += "── \(i + 1). \(step.pass)\(mark)\n"
            if i == 0 || step.changed { out += withNewline(step.drawing) }
        }
        return out
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] {
        words.isEmpty ? ["steps", "analyze"] : []
    }
}

func withNewline(_ text: String) -> String { text.hasSuffix("\n") || text.isEmpty ? text : text + "\n" }
