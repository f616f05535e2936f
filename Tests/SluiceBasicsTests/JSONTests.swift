import Testing
@testable import SluiceBasics

@Suite("JSON")
struct JSONTests {
    @Test(arguments: [
        "null", "true", "false", "0", "-12", "9223372036854775807", "1.5", "1e-05", "0.1", "\"a\\\"b\\\\c\\n\\u0001\"",
        "[]", "{}", "[1,2.0,\"x\",null]", "{\"b\":1,\"a\":{\"z\":[true]}}", "\"üñí 😀\"",
    ])
    func compactRoundTrips(text: String) throws {
        let value = try JSON.parse(text)
        #expect(value.compact() == text)
        #expect(try JSON.parse(value.pretty()) == value)
    }

    /// Integers are written digit by digit into the byte buffer: the same text as `String(i)`.
    @Test(arguments: [Int64.min, Int64.min + 1, -1_000_000, -10, -9, -1, 0, 1, 9, 10, 99, 100, 1_234_567_890, Int64.max])
    func integersPrintAsTheirDecimalText(value: Int64) {
        #expect(JSON.int(value).compact() == String(value))
        #expect(JSON.int(value).pretty() == String(value) + "\n")
        #expect(JSON.int(value).compactUTF8() == Array(String(value).utf8))
    }

    /// `compact()` spells scalars without the writer: the same bytes the writer writes for them.
    @Test(arguments: [JSON.null, .bool(true), .bool(false), .int(0), .int(-7), .int(Int64.min), .int(Int64.max), .double(2.5), .string("a\"\u{1}")])
    func aScalarsCompactTextIsTheWritersBytes(value: JSON) {
        #expect(Array(value.compact().utf8) == value.compactUTF8())
    }

    /// The byte writers give the text writers' bytes, nested containers and empty ones included.
    @Test func prettyAndCompactBytesMatchTheirText() {
        let value = JSON.object([
            ("a", .array([.int(1), .object([("b", .null), ("c", .array([]))]), .object([])])),
            ("d", .string("x")),
        ])
        let expected = """
            {
              "a": [
                1,
                {
                  "b": null,
                  "c": []
                },
                {}
              ],
              "d": "x"
            }

            """
        #expect(value.pretty() == expected)
        #expect(value.prettyUTF8() == Array(expected.utf8))
        #expect(value.compactUTF8() == Array(#"{"a":[1,{"b":null,"c":[]},{}],"d":"x"}"#.utf8))
    }

    /// Indentation is copied from a run of spaces as deep as 32 levels and
    /// built beyond it: both give two spaces a level, every level to 40.
    @Test func prettyIndentsEveryLevelTwoSpaces() {
        var value = JSON.object([("leaf", .string("q\"uote"))])
        for level in 0..<40 { value = level.isMultiple(of: 2) ? .array([value]) : .object([("k", value)]) }
        var expected = ""
        func write(_ value: JSON, depth: Int) {
            let pad = String(repeating: " ", count: 2 * depth)
            switch value {
            case .array(let items):
                expected += "[\n"
                for item in items { expected += pad + "  "; write(item, depth: depth + 1) }
                expected += pad + "]"
            case .object(let members):
                expected += "{\n"
                for (key, member) in members { expected += pad + "  \"\(key)\": "; write(member, depth: depth + 1) }
                expected += pad + "}"
            default:
                expected += value.compact()
            }
            if depth > 0 { expected += "\n" }
        }
        write(value, depth: 0)
        expected += "\n"
        #expect(value.pretty() == expected)
        #expect(expected.contains("\n" + String(repeating: " ", count: 82) + "\"leaf\": \"q\\\"uote\""))
    }

    @Test func keepsMemberOrderAndNumberKinds() throws {
        let value = try JSON.parse(#"{"z": 1, "a": 1.0, "m": -0.5}"#)
        #expect(value.objectValue?.map(\.0) == ["z", "a", "m"])
        #expect(value["z"] == .int(1))
        #expect(value["a"] == .double(1))
        #expect(value.compact() == #"{"z":1,"a":1.0,"m":-0.5}"#)
    }

    /// A whole document sent as one string (the language server's didChange):
    /// each escape once copied everything decoded before it, so a 1.1 MB text
    /// of 100,000 lines took seconds; decoding must stay linear.
    @Test func aLongStringWithManyEscapesDecodesInLinearTime() throws {
        let line = "0123456789"
        let body = String(repeating: line + "\\n", count: 100_000)
        let clock = ContinuousClock()
        var parsed: JSON?
        let elapsed = try clock.measure { parsed = try JSON.parse("\"" + body + "\"") }
        #expect(parsed?.stringValue == String(repeating: line + "\n", count: 100_000))
        #expect(elapsed < .seconds(2), "decoding took \(elapsed)")
    }

    @Test func surrogatePairs() throws {
        #expect(try JSON.parse(#""\ud83d\ude00""#) == .string("😀"))
    }

    @Test(arguments: ["", "[1,]", "{\"a\"}", "01", "1.", "tru", "\"abc", "[1] x", "\"\\ud800\"", "{\"a\":1,}", "\"\u{01}\""])
    func rejectsInvalid(text: String) {
        #expect(throws: JSONParseError.self) { try JSON.parse(text) }
    }

    @Test func boundsNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSON.parse(deep) }
    }

    @Test func prettyLayout() {
        let value = JSON.object([("a", .array([.int(1), .object([])])), ("b", .array([]))])
        #expect(value.pretty() == "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}\n")
    }
}

/// A number JSON cannot hold as its kind is an error, never a silent null or float.
@Suite("JSON numbers keep their kind")
struct JSONNumberRangeTests {
    @Test(arguments: ["1e999", "-1e999", "[1e999]", "{\"x\": 2e308}", "12345678901234567890", "-9223372036854775809", "[1, 99999999999999999999]"])
    func outOfRangeNumbersAreErrors(text: String) {
        #expect(throws: JSONParseError.self) { try JSON.parse(text) }
        do { _ = try JSON.parse(text) } catch {
            #expect(error.message.contains("out of range"), "\(error)")
        }
    }

    @Test func theEdgesStillParse() throws {
        #expect(try JSON.parse("9223372036854775807") == .int(.max))
        #expect(try JSON.parse("-9223372036854775808") == .int(.min))
        #expect(try JSON.parse("1.7976931348623157e308") == .double(.greatestFiniteMagnitude))
        #expect(try JSON.parse("1e-999") == .double(0))
        #expect(try JSON.parse("12345678901234567890.0") == .double(12345678901234567890.0))
    }
}
