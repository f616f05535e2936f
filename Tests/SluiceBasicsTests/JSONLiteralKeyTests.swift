import SluiceBasics
import Testing

/// `JSONBytesWriter.key(literal:)` writes a whole key (comma, line break,
/// indentation, quoted name, colon) after one capacity check: checked here
/// against `key(_:)`, which writes the same key piece by piece, from the
/// smallest buffer (so it grows in the middle of keys), at every depth, and
/// in copies of a writer (so a key written into a shared buffer copies first).
@Suite("JSON literal keys")
struct JSONLiteralKeyTests {
    /// Nested objects `depth` deep, each with a few keys; `literal` picks how the keys are written.
    static func write(into writer: inout JSONBytesWriter, depth: Int, literal: Bool) {
        writer.beginObject()
        for round in 0..<40 {
            if literal { writer.key(literal: "name") } else { writer.key("name") }
            writer.int(Int64(round))
            if literal { writer.key(literal: "a_longer_key_than_the_buffer_has_room_for_at_first") } else {
                writer.key("a_longer_key_than_the_buffer_has_room_for_at_first")
            }
            writer.string("value \(round)")
            if depth > 0 {
                if literal { writer.key(literal: "child") } else { writer.key("child") }
                write(into: &writer, depth: depth - 1, literal: literal)
            }
        }
        writer.endObject()
    }

    @Test("literal keys write what string keys write, pretty and compact, at every depth", arguments: [true, false])
    func literalMatchesString(pretty: Bool) {
        for depth in 0..<4 {
            var literal = JSONBytesWriter(pretty: pretty)
            var string = JSONBytesWriter(pretty: pretty)
            Self.write(into: &literal, depth: depth, literal: true)
            Self.write(into: &string, depth: depth, literal: false)
            #expect(literal.bytes == string.bytes, "depth \(depth)")
            #expect(literal.depth == 0)
        }
    }

    @Test("a copy of a writer keeps its bytes when the other writes literal keys")
    func copiesDoNotShareKeys() {
        var first = JSONBytesWriter(pretty: true, reservingCapacity: 4096)
        first.beginObject()
        first.key(literal: "shared")
        first.int(1)
        var second = first
        first.key(literal: "first")
        first.null()
        second.key(literal: "second")
        second.bool(true)
        first.endObject()
        second.endObject()
        #expect(String(decoding: first.bytes, as: UTF8.self) == "{\n  \"shared\": 1,\n  \"first\": null\n}")
        #expect(String(decoding: second.bytes, as: UTF8.self) == "{\n  \"shared\": 1,\n  \"second\": true\n}")
    }
}
