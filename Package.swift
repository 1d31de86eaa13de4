// swift-tools-version:6.0
import PackageDescription

// MARK: - Dependencies
//
// Each dependency is here on purpose (README: "Dependencies"):
// - swift-argument-parser: the `cutaway` and `cutaway-bench` command lines, with help text and
//   clear errors for bad flags, for free.
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
// - swift-nio: the node servers' TCP (Raft between nodes, SQL clients to a node): event loops,
//   framing and back-pressure, instead of hand-written sockets and poll loops.
//   The PostgreSQL protocol listener (PGWire) uses it the same way.
// - swift-log: the servers' log lines (role changes, connections, errors) with levels, the
//   logging API the Swift server ecosystem shares.
// - hdrhistogram-swift: `cutaway workload`'s latency percentiles (p50/p90/p99/max) with bounded
//   memory, whatever the number of transactions.
let nio = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let histogram = Target.Dependency.product(name: "Histogram", package: "hdrhistogram-swift")

// MARK: - Layers
//
// One module per layer; a module only imports the layers below it:
// Encoding ← Storage ← {SQL, Raft} ← Cluster ← Inspect ← PGWire ← Shell ← Server ← cutaway.
// (PGWire, the PostgreSQL protocol, needs only SQL sessions; the Shell serves its database
// with it, and so does a node server.)
// (Server is the network: node processes and the client that talks to them. It sits above
// Shell so a node can render the Shell's drawings for a remote REPL.)
let package = Package(
    name: "Cutaway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cutaway", targets: ["cutaway"]),
        .executable(name: "cutaway-bench", targets: ["cutaway-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
    ],
    targets: [
        .target(name: "Encoding"),
        .target(name: "Storage", dependencies: ["Encoding"]),
        .target(name: "SQL", dependencies: ["Encoding", "Storage"]),
        .target(name: "Raft", dependencies: ["Encoding", "Storage"]),
        .target(name: "Cluster", dependencies: ["Encoding", "Storage", "SQL", "Raft"]),
        .target(name: "Inspect", dependencies: ["Encoding", "Storage", "SQL", "Raft"]),
        .target(name: "PGWire", dependencies: ["Encoding", "Storage", "SQL", nio, nioPosix]),
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .target(name: "Shell", dependencies: ["Encoding", "Storage", "SQL", "Raft", "Cluster", "Inspect", "CEditLine", "PGWire"]),
        .target(name: "Server", dependencies: ["Encoding", "Storage", "SQL", "Raft", "Cluster", "Inspect", "Shell",
                                               nio, nioPosix, logging]),
        .executableTarget(name: "cutaway", dependencies: ["Shell", "SQL", "Storage", "Cluster", "Server", "PGWire", argumentParser, logging, histogram]),
        .executableTarget(name: "cutaway-bench", dependencies: ["Encoding", "Storage", "SQL", "Raft", "Cluster", argumentParser]),

        // Test support, not shipped: the golden-script harness (generic: it knows no project
        // module) and the SQL scripts' interpreter, which any test target can run on its engine.
        .target(name: "ScriptTesting", path: "Tests/ScriptTesting"),
        .target(name: "SQLScriptSupport", dependencies: ["ScriptTesting", "SQL"], path: "Tests/SQLScriptSupport"),

        .testTarget(name: "EncodingTests", dependencies: ["Encoding"]),
        .testTarget(name: "StorageTests", dependencies: ["Encoding", "Storage", "ScriptTesting"]),
        .testTarget(name: "SQLTests", dependencies: ["Encoding", "Storage", "SQL", "Inspect", "ScriptTesting", "SQLScriptSupport"]),
        .testTarget(name: "RaftTests", dependencies: ["Encoding", "Storage", "Raft", "Inspect", "ScriptTesting"]),
        .testTarget(name: "ClusterTests", dependencies: ["Encoding", "Storage", "SQL", "Raft", "Cluster", "Inspect", "Shell",
                                                          "ScriptTesting", "SQLScriptSupport"]),
        .testTarget(name: "ShellTests", dependencies: ["Encoding", "Storage", "SQL", "Cluster", "Inspect", "Shell", "ScriptTesting"]),
        .testTarget(name: "ServerTests", dependencies: ["Encoding", "Raft", "SQL", "Cluster", "Shell", "Server", "ScriptTesting",
                                                         "SQLScriptSupport", nio, nioPosix]),
        .testTarget(name: "PGWireTests", dependencies: ["Encoding", "SQL", "Cluster", "Shell", "PGWire", "ScriptTesting"],
                    exclude: ["psycopg_story.py", "check-against-postgres.sh", "pgbench.py"]),
    ],
    swiftLanguageModes: [.v6]
)
