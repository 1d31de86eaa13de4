import Foundation
import SQL

/// Shared helpers for SQL tests.
enum TestSupport {
    /// The engine scenario tests run on: the real one, LocalEngine on MVCC in memory.
    static func makeEngine() throws -> any Engine {
        try LocalEngine.memory()
    }
}
