import Foundation
@testable import Storage


/// A fresh directory under the system temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let url: URL
    var path: String { url.path }

    init(_ label: String = "storage") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("cutaway-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The engines the shared behaviour suite runs against.
enum EngineKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case memory
    /// The memory engine without its point-get hash index, as the SQL engine uses it.
    case memoryTreeOnly = "memory-tree-only"
    case bitcask

    var description: String { rawValue }

    /// A new, empty engine; `directory` holds its files (if it has any).
    func make(in directory: TemporaryDirectory) throws -> any StorageEngine {
        switch self {
        case .memory: return MemoryEngine()
        case .memoryTreeOnly: return MemoryEngine(pointIndex: false)
        // Without fsync, so the suite stays fast; durability has its own tests.
        case .bitcask: return try BitCask(directory: directory.path + "/db", sync: .never)
        }
    }
}

/// Bytes from a string, to keep test keys readable.
func b(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Readable keys of a cursor's output.
func keys(_ pairs: [KeyValue]) -> [String] { pairs.map { String(decoding: $0.key, as: UTF8.self) } }
