import Raft
import Testing

@Test func nodeIDsFitOneByte() {
    #expect(NodeID.max == 255)
}
