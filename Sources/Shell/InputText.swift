/// Whether `text` holds nothing but whitespace and `--` comments: such a remainder is not a
/// pending statement, so a following `.command` line still counts as a dot-command.
func isBlankOrComment(_ text: String) -> Bool {
    text.split(separator: "\n").allSatisfy { line in
        let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
        return trimmed.isEmpty || trimmed.hasPrefix("--")
    }
}
