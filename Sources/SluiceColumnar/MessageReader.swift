/// Reads encapsulated IPC messages (marker, size, flatbuffer, body) from a
/// file, checking every length against the bytes that are really there.
struct MessageReader {
    let file: ReadOnlyFile

    /// A decoded message, or nil at the end-of-stream marker. `limit` is
    /// where the messages region ends (the footer start, or the file end).
    /// With `readingBody: false` the body is skipped (returned empty).
    func message(at offset: Int, limit: Int, readingBody: Bool = true) throws -> (header: MessageHeader, body: [UInt8], end: Int)? {
        let (flatbufferStart, metadataSize) = try prefix(at: offset, limit: limit)
        guard metadataSize > 0 else { return nil }
        let flatbuffer = try file.read(offset: flatbufferStart, count: metadataSize)
        let (header, bodyLength) = try ArrowMetadataDecoder.message(flatbuffer)
        let bodyStart = flatbufferStart + metadataSize
        guard bodyLength <= limit - bodyStart else { throw CorruptData("a record batch body runs past the data (truncated?)") }
        let body = readingBody ? try file.read(offset: bodyStart, count: bodyLength) : []
        return (header, body, bodyStart + bodyLength)
    }

    /// Where the flatbuffer starts and its padded size (0 = end of stream).
    /// Before format 0.15 there was no `FF FF FF FF` marker; both are read.
    private func prefix(at offset: Int, limit: Int) throws -> (start: Int, size: Int) {
        guard offset <= limit - 4 else { throw CorruptData("the file ends inside a message header (truncated?)") }
        let first = try ByteView(bytes: file.read(offset: offset, count: 4)).load(UInt32.self, at: 0)
        var start = offset + 4
        var size = Int(Int32(bitPattern: first))
        if first == ArrowWriter.continuationMarker {
            guard offset <= limit - 8 else { throw CorruptData("the file ends inside a message header (truncated?)") }
            size = Int(try ByteView(bytes: file.read(offset: start, count: 4)).load(Int32.self, at: 0))
            start += 4
        }
        guard size >= 0, size <= limit - start else { throw CorruptData("a message's metadata runs past the data (truncated?)") }
        return (start, size)
    }
}
