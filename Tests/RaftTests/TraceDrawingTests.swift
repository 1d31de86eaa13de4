import Foundation
import Inspect
import Raft
import Testing

/// The `.trace` sequence diagram and the `.raft` drawings for the REPL: golden output for one
/// write and one read-index round, and 80 columns for 3 to 7 nodes.
@Suite struct TraceDrawingTests {
    /// A 3-node cluster with n1 leading and everything settled, and the trace mark after it.
    func settled(nodes: Int = 3) throws -> (SimulatedCluster, Int) {
        let cluster = try SimulatedCluster(nodes: nodes, seed: 3)
        cluster.recordEvents = false
        try cluster.campaign(1)
        try cluster.stabilize()
        try cluster.tick(1)
        try cluster.stabilize()
        return (cluster, cluster.traceSequence)
    }

    @Test func aWriteThroughAFollowerAndAReadIndexRound() throws {
        let (cluster, mark) = try settled()
        try cluster.propose(2, "put x=1")
        try cluster.tick(2)
        try cluster.read(1, "get x")
        try cluster.tick(2)
        let drawing = TraceDrawing.draw(events: cluster.trace(since: mark), nodes: cluster.ids)
        #expect(drawing == """
            tick n1                        n2                        n3
              t1 │                         ● client → write put x=1  │
                 │◀─fwd write put x=1──────┤                         │
              t2 ├─Append 2@1─────────────▶│                         │
                 ├─Append 2@1──────────────┼────────────────────────▶│
              t3 ├─Heartbeat──────────────▶│                         │
                 ├─Heartbeat───────────────┼────────────────────────▶│
                 │◀─AppendOk 2─────────────┤                         │
                 │◀─AppendOk 2─────────────┼─────────────────────────┤
                 ● client → read get x     │                         │
                 ├─Heartbeat r1───────────▶│                         │
                 ├─Heartbeat r1────────────┼────────────────────────▶│
              t4 ├─reply ok @2────────────▶│                         │
                 │◀─HeartbeatOk────────────┤                         │
                 │◀─HeartbeatOk r1─────────┤                         │
                 │◀─HeartbeatOk────────────┼─────────────────────────┤
                 │◀─HeartbeatOk r1─────────┼─────────────────────────┤
              t5 ● client ← ok 1           │                         │
                 │                         ● client ← ok @2 ok       │
            """)
    }

    @Test func threeToSevenNodesFitEightyColumnsWithLostMessagesMarked() throws {
        for count in 3...7 {
            let (cluster, _) = try settled(nodes: count)
            try cluster.partition([[1, 2], Array(3...NodeID(count))])
            let mark = cluster.traceSequence
            try cluster.propose(NodeID(count), "put a-rather-long-key=with-a-rather-long-value")
            try cluster.propose(1, "put a-rather-long-key=with-a-rather-long-value")
            cluster.heal()
            cluster.faults = .init(dropRate: 0.3)
            try cluster.tick(25)
            let events = cluster.trace(since: mark)
            let drawing = TraceDrawing.draw(events: events, nodes: cluster.ids)
            let lines = drawing.split(separator: "\n")
            for line in lines { #expect(line.count <= 80, "\(count) nodes, too wide: \(line)") }
            #expect(lines.count == events.count + 1)
            #expect(drawing.contains("⨯ partition") && drawing.contains("⨯ dropped"))
            #expect(lines.dropFirst().allSatisfy { $0.contains("▶") || $0.contains("◀") || $0.contains("⨯") || $0.contains("●") })
        }
    }

    @Test func labelsShrinkToTheRoomBetweenColumns() {
        #expect(TraceDrawing.fitting(["Append 12-15@3", "App 12-15", "A12-15"], 9) == "App 12-15")
        #expect(TraceDrawing.fitting(["Append 12-15@3", "App 12-15", "A12-15"], 4) == "A12…")
        let event = TraceEvent(tick: 1, from: 1, to: 2, term: 2, kind: "Append", summary: "",
                               message: .append(baseIndex: 4, baseTerm: 2, entries: [], commitIndex: 4))
        #expect(TraceDrawing.labels(event) == ["Probe 4@2", "Probe"])
        let plain = TraceEvent(tick: 1, from: 1, to: 2, term: 2, kind: "Custom", summary: "")
        #expect(TraceDrawing.labels(plain) == ["Custom"])
    }

    @Test func aClusterWithADownAndAHaltedNode() throws {
        let disks = SimulatorTests.Disks()
        disks.failOn[3] = "13"
        let cluster = try SimulatedCluster(nodes: 3, seed: 5) { disks.open($0) }
        cluster.recordEvents = false
        try cluster.campaign(1)
        try cluster.stabilize()
        try cluster.propose(1, "20")
        try cluster.propose(1, "13")
        try cluster.stabilize()
        try cluster.crash(2)
        try cluster.propose(1, "2")
        try cluster.tick(3)
        #expect(RaftDrawing.draw(cluster.snapshot()) == """
            n1@1 leader        last=4@1 commit=3@1 applied=3 vote=n1
                next/match n2=5/3 n3=5/3
            n2 down            last=3@1 commit=1@1 vote=n1
            n3 halted          last=4@1 commit=3@1 vote=n1
                state machine failed at index 3: disk full

            index  n1  n2  n3   command  (term per node; * applied, + committed)
                1  1*  1+  1+   (empty)
                2  1*  1   1+   add 20
                3  1*  1   1+   add 13
                4  1   ·   1    add 2
            """)
        let window = try #require(cluster.status(1, entriesFrom: 2, through: 3))
        #expect(RaftDrawing.nodeLog(window).joined(separator: "\n") == """
            n1@1 leader        last=4@1 commit=3@1 applied=3 vote=n1
                next/match n2=5/3 n3=5/3
            index term     command  (* applied, + committed)
                2    1  *  add 20
                3    1  *  add 13
            """)
        let down = try #require(cluster.status(2, entriesFrom: 3))
        #expect(RaftDrawing.nodeLog(down).suffix(2) == ["index term     command  (* applied, + committed)", "    3    1     add 13"])
        #expect(cluster.status(3, entriesFrom: 9).map { RaftDrawing.nodeLog($0).last } == "(no entries in this range)")
        #expect(cluster.status(9) == nil)
    }
}
