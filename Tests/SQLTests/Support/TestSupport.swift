import Foundation
import SQL

/// Shared helpers for SQL tests.
enum TestSupport {
    /// The engine scenario tests run on: the real one, LocalEngine on MVCC in memory.
    static func makeEngine() throws -> any Engine {
        try LocalEngine.memory()
    }

    /// Replaces durations like "0.12 ms" with "…" so EXPLAIN ANALYZE output is stable.
    static func maskTimes(_ line: String) -> String {
        var result = line
        while let range = result.range(of: #"[0-9.]+ (ms|s)\b"#, options: .regularExpression) {
            result.replaceSubrange(range, with: "T")
        }
        return result
    }
}
