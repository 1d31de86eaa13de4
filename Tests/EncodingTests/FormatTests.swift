import Encoding
import Testing

@Test func encodingFormatVersionIsPositive() {
    #expect(EncodingFormat.version >= 1)
}
