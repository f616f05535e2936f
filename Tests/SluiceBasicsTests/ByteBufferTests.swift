@testable import SluiceBasics
import Testing

/// `ByteBuffer`, the byte sink behind `JSONBytesWriter`: every way of
/// appending checked against an array built the ordinary way, across growth,
/// exact-capacity boundaries, appends larger than the buffer, and copies.
@Suite("Byte buffer")
struct ByteBufferTests {
    @Test("many small appends from the smallest capacity grow it and keep every byte in order")
    func growthKeepsOrder() {
        var buffer = ByteBuffer()
        var expected: [UInt8] = []
        for i in 0..<10_000 {
            let byte = UInt8(truncatingIfNeeded: i &* 31)
            buffer.append(byte)
            expected.append(byte)
            if i % 7 == 0 {
                buffer.append("ab")
                expected += Array("ab".utf8)
            }
        }
        #expect(buffer.count == expected.count)
        #expect(buffer.array == expected)
    }

    @Test("filling the capacity exactly, then one byte more", arguments: [1, 63, 64, 65, 100])
    func exactCapacityBoundary(capacity: Int) {
        var buffer = ByteBuffer(reservingCapacity: capacity)
        let fill = [UInt8](repeating: UInt8(ascii: "x"), count: max(capacity, 64))
        fill.withUnsafeBufferPointer { buffer.append($0) }
        #expect(buffer.array == fill)
        buffer.append(UInt8(ascii: "y"))
        #expect(buffer.array == fill + [UInt8(ascii: "y")])
    }

    /// `plan -o` writes a large plan with direct I/O straight from this
    /// storage, which needs page-aligned memory (else `AtomicFile` copies it).
    @Test("a buffer of 1 MiB or more starts on a page boundary, reserved so or grown into it")
    func largeStorageIsPageAligned() {
        func address(_ buffer: ByteBuffer) -> Int { buffer.withBytes { Int(bitPattern: $0.baseAddress) } }
        var reserved = ByteBuffer(reservingCapacity: 1 << 20)
        reserved.append("x")
        #expect(address(reserved) % 4096 == 0)
        var grown = ByteBuffer()
        let chunk = [UInt8](repeating: UInt8(ascii: "g"), count: 100_000)
        for _ in 0..<30 { chunk.withUnsafeBufferPointer { grown.append($0) } }
        #expect(address(grown) % 4096 == 0)
        #expect(grown.array == Array(repeating: UInt8(ascii: "g"), count: 3_000_000))
    }

    @Test("an append larger than twice the capacity lands whole")
    func largeAppend() {
        var buffer = ByteBuffer()
        buffer.append("head:")
        let large = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0) }
        large.withUnsafeBufferPointer { buffer.append($0) }
        buffer.append(repeating: UInt8(ascii: " "), count: 300)
        #expect(buffer.array == Array("head:".utf8) + large + [UInt8](repeating: UInt8(ascii: " "), count: 300))
    }

    @Test("empty appends and non-positive repeats add nothing")
    func emptyAppends() {
        var buffer = ByteBuffer()
        buffer.append("")
        buffer.appendUTF8("")
        [UInt8]().withUnsafeBufferPointer { buffer.append($0) }
        buffer.append(repeating: UInt8(ascii: " "), count: 0)
        buffer.append(repeating: UInt8(ascii: " "), count: -3)
        #expect(buffer.count == 0)
        #expect(buffer.array == [])
    }

    @Test("a string's UTF-8, non-ASCII and long, is copied whole")
    func stringUTF8() {
        var buffer = ByteBuffer()
        let texts = ["é 🚀 日本", String(repeating: "ü", count: 5_000), "tail"]
        for text in texts { buffer.appendUTF8(text) }
        #expect(buffer.array == Array(texts.joined().utf8))
    }

    @Test("a copy shares nothing it can see: appends to either leave the other as it was")
    func copyOnWrite() {
        var first = ByteBuffer(reservingCapacity: 1024)
        first.append("shared")
        var second = first
        first.append(" first")
        second.append(" second")
        #expect(first.array == Array("shared first".utf8))
        #expect(second.array == Array("shared second".utf8))
        let snapshot = second
        second.append(repeating: UInt8(ascii: "!"), count: 2_000)
        #expect(snapshot.array == Array("shared second".utf8))
        #expect(second.count == 13 + 2_000)
    }

    @Test("removing every byte keeps the storage it owns, and a shared one's capacity rather than doubling it")
    func removeAll() {
        var buffer = ByteBuffer(reservingCapacity: 1 << 12)
        let bytes = (0..<3_000).map { UInt8(truncatingIfNeeded: $0) }
        bytes.withUnsafeBufferPointer { buffer.append($0) }
        let storage = buffer.withBytes { $0.baseAddress }
        buffer.removeAll()
        #expect(buffer.count == 0 && buffer.capacity == 1 << 12)
        #expect(buffer.withBytes { $0.baseAddress } == storage)
        bytes.withUnsafeBufferPointer { buffer.append($0) }
        let copy = buffer
        buffer.removeAll()
        // The copy keeps the shared storage and its bytes; this value has new storage of the same size.
        #expect(copy.array == bytes)
        #expect(buffer.count == 0 && buffer.capacity == 1 << 12)
        #expect(buffer.withBytes { $0.baseAddress } != storage)
        buffer.append("again")
        #expect(buffer.array == Array("again".utf8) && copy.array == bytes)
    }

    @Test("removing a prefix keeps the rest in order, leaves a copy as it was, and clamps the count")
    func removeFirst() {
        var buffer = ByteBuffer(reservingCapacity: 64)
        let bytes = (0..<100).map { UInt8($0) }
        bytes.withUnsafeBufferPointer { buffer.append($0) }
        let copy = buffer
        buffer.removeFirst(30)
        #expect(buffer.array == Array(bytes[30...]))
        #expect(copy.array == bytes)
        buffer.removeFirst(0)
        buffer.removeFirst(-5)
        #expect(buffer.array == Array(bytes[30...]))
        buffer.append(UInt8(200))
        #expect(buffer.array == Array(bytes[30...]) + [200])
        buffer.removeFirst(1_000)
        #expect(buffer.count == 0)
        buffer.append("again")
        #expect(buffer.array == Array("again".utf8))
    }

    @Test("a JSON writer emptied piece by piece writes the same text", arguments: [1, 5, 64])
    func jsonWriterInPieces(pieceSize: Int) {
        func write(_ writer: inout JSONBytesWriter, pieces: inout [UInt8], emptying: Bool) {
            writer.beginObject()
            for index in 0..<20 {
                writer.key("k\(index)")
                writer.beginArray()
                writer.int(Int64(index))
                writer.string("v\(index)")
                writer.endArray()
                if emptying { writer.emitWholePieces(of: pieceSize) { pieces.append(contentsOf: $0) } }
            }
            writer.endObject()
        }
        var whole = JSONBytesWriter(pretty: true)
        var unused: [UInt8] = []
        write(&whole, pieces: &unused, emptying: false)
        var streamed = JSONBytesWriter(pretty: true)
        var pieces: [UInt8] = []
        write(&streamed, pieces: &pieces, emptying: true)
        streamed.withBytes { pieces.append(contentsOf: $0) }
        #expect(pieces == whole.bytes)
        #expect(pieces.count > pieceSize)
    }

    @Test("decimal digits read as String(value) does", arguments: [
        Int64.min, Int64.min + 1, -1_000_000_007, -10, -9, -1, 0, 1, 9, 10, 99, 100, 1_234_567_890, Int64.max,
    ])
    func decimal(value: Int64) {
        var buffer = ByteBuffer()
        buffer.append("[")
        buffer.appendDecimal(value)
        buffer.append("]")
        #expect(buffer.array == Array("[\(value)]".utf8))
    }

    @Test("decimal digits appended to an array read as String(value) does", arguments: [
        Int64.min, Int64.min + 1, -1_000_000_007, -10, -9, -1, 0, 1, 9, 10, 99, 100, 1_234_567_890, Int64.max,
    ])
    func arrayDecimal(value: Int64) {
        var bytes = Array("[".utf8)
        bytes.appendDecimal(value)
        bytes.append(UInt8(ascii: "]"))
        #expect(bytes == Array("[\(value)]".utf8))
    }

    @Test("decimals across a growth boundary keep their digits in order")
    func decimalsAcrossGrowth() {
        var buffer = ByteBuffer()
        var expected: [UInt8] = []
        for value in stride(from: Int64(-5_000), through: 5_000, by: 37) {
            buffer.appendDecimal(value)
            buffer.append(UInt8(ascii: ","))
            expected += Array("\(value),".utf8)
        }
        #expect(buffer.array == expected)
    }

    @Test("JSONString writes the same bytes into a ByteBuffer as into an array")
    func jsonStringAgrees() {
        for (text, _) in JSONStringTests.table + [(String(repeating: "a\"b", count: 100), "")] {
            var array: [UInt8] = []
            JSONString.write(text, to: &array)
            var buffer = ByteBuffer()
            JSONString.write(text, to: &buffer)
            #expect(buffer.array == array, "\(text.debugDescription)")
        }
    }
}
