import Storage
import Testing

@Suite struct KeyRangeTests {
    @Test func prefixEndIncrementsTheLastByteBelow0xFF() {
        #expect(KeyRange.prefixEnd([0x01, 0x02]) == [0x01, 0x03])
        #expect(KeyRange.prefixEnd([0x01, 0xFF]) == [0x02])
        #expect(KeyRange.prefixEnd([0xFF, 0xFF]) == nil)
    }

    @Test func prefixRangeContainsExactlyThePrefixedKeys() {
        let range = KeyRange(prefix: [0x05])
        #expect(range.contains([0x05]))
        #expect(range.contains([0x05, 0xFF, 0xFF]))
        #expect(!range.contains([0x04, 0xFF]))
        #expect(!range.contains([0x06]))
    }
}
