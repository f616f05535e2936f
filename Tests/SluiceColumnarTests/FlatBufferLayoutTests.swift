import Testing
@testable import SluiceColumnar

/// The writer reproduces the worked example of shared/arrow/FACTS.md §6.
struct FlatBufferLayoutTests {
    private func workedExample() throws -> [UInt8] {
        let schema = TableSchema([("x", .int64), ("s", .string)])
        let batch = try RecordBatch(schema: schema, rows: [
            [.int64(1), .string("a")], [.null, .string("")], [.int64(3), .string("ccc")],
        ])
        let sink = InMemoryByteSink()
        let writer = try ArrowWriter(sink: sink, schema: schema)
        try writer.write(batch)
        try writer.finish()
        return sink.bytes
    }

    @Test func workedExampleHasTheDocumentedSizeAndOffsets() throws {
        let bytes = try workedExample()
        #expect(bytes.count == 730)
        #expect(Array(bytes[0..<8]) == Array("ARROW1".utf8) + [0, 0])
        #expect(Array(bytes[0x08..<0x10]) == [0xFF, 0xFF, 0xFF, 0xFF, 0xC8, 0, 0, 0])
        #expect(Array(bytes[0xD8..<0xE0]) == [0xFF, 0xFF, 0xFF, 0xFF, 0xC8, 0, 0, 0])
        #expect(Array(bytes[0x1A8..<0x1B0]) == [0x05, 0, 0, 0, 0, 0, 0, 0])  // validity 101b
        #expect(Array(bytes[0x1E0..<0x1E8]) == [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])  // EOS
        #expect(Array(bytes[0x2B8..<0x2D0]) == [0xD8, 0, 0, 0, 0, 0, 0, 0, 0xD0, 0, 0, 0, 0, 0, 0, 0, 0x38, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[0x2D0..<0x2D4]) == [0xE8, 0, 0, 0])  // footer length 232
    }

    @Test func schemaMessageMatchesTheDumpByteForByte() throws {
        let bytes = try workedExample()
        // [fb+4] Message vtable and [fb+40] Schema vtable, from the dump.
        #expect(Array(bytes[0x14..<0x20]) == [0x0C, 0, 0x17, 0, 0x14, 0, 0x16, 0, 0x10, 0, 0x08, 0])
        #expect(Array(bytes[0x38..<0x40]) == [0x08, 0, 0x0A, 0, 0x08, 0, 0x04, 0])
        #expect(Array(bytes[0x58..<0x68]) == [0x10, 0, 0x12, 0, 0x04, 0, 0x10, 0, 0x11, 0, 0x08, 0, 0, 0, 0x0C, 0])
    }
}
