import Inspect
import Raft
import Testing

/// The `.raft` drawing stays readable: 80 columns for up to 7 nodes, long logs elided in the
/// middle while divergent rows stay visible.
@Suite struct DrawingTests {
    @Test func sevenNodesWithALongDivergentLogFitEightyColumns() throws {
        let cluster = try SimulatedCluster(nodes: 7, seed: 11)
        cluster.recordEvents = false
        try cluster.campaign(1)
        try cluster.stabilize()
        for i in 1...40 { try cluster.propose(1, "put some-rather-long-key-\(i)=a-rather-long-value-\(i)") }
        try cluster.stabilize()
        try cluster.partition([[1, 2, 3]])
        for i in 1...3 { try cluster.propose(1, "put doomed=\(i)") }
        try cluster.stabilize()

        let drawing = RaftDrawing.draw(cluster.snapshot())
        let lines = drawing.split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines { #expect(line.count <= 80, "too wide: \(line)") }
        #expect(drawing.contains("⋮  ("), "the long agreed middle is elided")
        #expect(drawing.contains("put doomed=3"), "the divergent tail stays visible")
        #expect(lines.count < 40)

        let trace = RaftDrawing.trace(cluster.snapshot().trace)
        #expect(!trace.isEmpty && trace.count <= 100)
        #expect(trace.contains { $0.hasSuffix("⨯ partition") })
        for line in trace { #expect(line.count <= 80) }
    }
}
