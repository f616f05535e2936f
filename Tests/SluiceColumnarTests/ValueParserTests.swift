import Foundation
@testable import SluiceColumnar
import SluiceTestSupport
import Testing

/// Every text convention of ingest, value by value.
struct ValueParserTests {
    private func parse<T>(_ text: String, _ parser: (UnsafeBufferPointer<UInt8>) -> T?) -> T? {
        Array(text.utf8).withUnsafeBufferPointer { parser($0) }
    }

    @Test(arguments: [
        ("0", Int64(0)), ("42", 42), ("-42", -42), ("+7", 7), ("007", 7),
        ("9223372036854775807", .max), ("-9223372036854775808", .min),
    ])
    func int64Accepts(_ text: String, _ expected: Int64) {
        #expect(parse(text, ValueParser.int64) == expected)
    }

    @Test(arguments: ["", "-", "+", " 1", "1 ", "1.0", "1e3", "0x10", "9223372036854775808", "-9223372036854775809", "１"])
    func int64Refuses(_ text: String) {
        #expect(parse(text, ValueParser.int64) == nil)
    }

    @Test(arguments: [
        ("1.5", 1.5), ("-0.0", -0.0), ("1e300", 1e300), ("2.5E-3", 0.0025), ("5e-324", 5e-324),
        ("10", 10), (".5", 0.5), ("5.", 5), ("inf", .infinity), ("-Infinity", -.infinity), ("+INF", .infinity),
        ("0.1", 0.1), ("1.7976931348623157e308", .greatestFiniteMagnitude),
    ])
    func float64Accepts(_ text: String, _ expected: Double) {
        #expect(parse(text, ValueParser.float64)?.bitPattern == expected.bitPattern)
    }

    @Test func float64ReadsNaN() {
        #expect(parse("NaN", ValueParser.float64)?.isNaN == true)
        #expect(parse("nan", ValueParser.float64)?.isNaN == true)
    }

    @Test(arguments: ["", ".", "-", "e5", "1e", "1.2.3", " 1", "1 ", "0x1p3", "infinite", "1,5", "nanx"])
    func float64Refuses(_ text: String) {
        #expect(parse(text, ValueParser.float64) == nil)
    }

    @Test(arguments: [("true", true), ("false", false), ("TRUE", true), ("False", false), ("1", true), ("0", false)])
    func boolAccepts(_ text: String, _ expected: Bool) {
        #expect(parse(text, ValueParser.bool) == expected)
    }

    @Test(arguments: ["", "yes", "no", "t", "f", "2", "01", "truee", " true"])
    func boolRefuses(_ text: String) {
        #expect(parse(text, ValueParser.bool) == nil)
    }

    @Test(arguments: [
        ("1970-01-01", Int32(0)), ("1970-01-02", 1), ("1969-12-31", -1), ("2000-02-29", 11_016),
        ("2024-12-31", 20_088), ("0001-01-01", -719_162), ("+10000-01-01", 2_932_897), ("-0001-01-01", -719_893),
    ])
    func dateAccepts(_ text: String, _ expected: Int32) {
        #expect(parse(text, ValueParser.date) == expected)
    }

    @Test(arguments: ["", "2024-1-01", "2024-01-1", "2023-02-29", "2024-13-01", "2024-00-10", "2024-01-32",
                      "2024/01/01", "2024-01-01T00:00:00", " 2024-01-01", "20240101"])
    func dateRefuses(_ text: String) {
        #expect(parse(text, ValueParser.date) == nil)
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("1970-01-01T00:00:01Z", 1_000_000),
        ("1970-01-01T00:00:00.000001Z", 1),
        ("1970-01-01T00:00:00.5Z", 500_000),
        ("1970-01-01T00:00:00.123456000Z", 123_456),
        ("1970-01-01 00:00:00", 0),                       // naive: taken as UTC
        ("1970-01-01T01:00:00+01:00", 0),                 // offset converted to UTC
        ("1970-01-01T00:00:00-0130", 5_400_000_000),
        ("1970-01-01T00:00:00+05", -18_000_000_000),
        ("1970-01-01T10:30", 37_800_000_000),
        ("1970-01-01", 0),
        ("1969-12-31T23:59:59.999999Z", -1),
        ("2024-02-29T12:00:00,25z", 1_709_208_000_250_000),
    ])
    func timestampAccepts(_ text: String, _ expected: Int64) {
        #expect(parse(text, ValueParser.timestamp) == expected)
    }

    @Test(arguments: ["", "2024-01-01T", "2024-01-01T24:00:00", "2024-01-01T12:60", "2024-01-01T12:00:60",
                      "2024-01-01T12:00:00.1234567Z", "2024-01-01T12:00:00+25:00", "2024-01-01T12:00:00 UTC",
                      "2024-01-01T12:00:00.Z", "12:00:00", "300000-01-01T00:00:00Z"])
    func timestampRefuses(_ text: String) {
        #expect(parse(text, ValueParser.timestamp) == nil)
    }

    @Test(arguments: [Int64(0), -1, 1, 86_399_999_999, -86_400_000_001, 1_709_208_000_250_000, Int64.max, Int64.min])
    func timestampTextRoundTrips(_ micros: Int64) {
        let text = ValueFormatter.timestamp(microseconds: micros)
        #expect(parse(text, ValueParser.timestamp) == micros, "\(text)")
    }

    @Test(arguments: [Int32(0), -1, 1, 20_088, -719_162, -719_893, 2_932_897, Int32.max, Int32.min])
    func dateTextRoundTrips(_ days: Int32) {
        let text = ValueFormatter.date(days: Int64(days))
        #expect(parse(text, ValueParser.date) == days, "\(text)")
    }

    @Test func floatTextRoundTripsBitExactly() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let value = Double(bitPattern: generator.next())
            guard !value.isNaN else { continue }
            let text = ValueFormatter.float(value)
            #expect(parse(text, ValueParser.float64)?.bitPattern == value.bitPattern, "\(text)")
        }
    }

    @Test(arguments: [
        ([UInt8]("héllo ✓ 😀".utf8), true), ([0xC3, 0x28], false), ([0xE2, 0x82], false), ([0xC0, 0xAF], false),
        ([0xED, 0xA0, 0x80], false), ([0xF4, 0x90, 0x80, 0x80], false), ([0xFF], false), ([0xF0, 0x9F, 0x98, 0x80], true),
    ])
    func utf8Validation(_ bytes: [UInt8], _ valid: Bool) {
        #expect(bytes.withUnsafeBufferPointer(UTF8Validation.isValid) == valid)
    }

    /// The fast path must agree bit for bit with strtod wherever it answers.
    @Test func fastFloatPathAgreesWithStrtod() {
        var generator = SeededGenerator(seed: 77)
        var answered = 0
        for _ in 0..<20_000 {
            let digits = String(UInt64.random(in: 0...UInt64.max, using: &generator) >> UInt64.random(in: 0...63, using: &generator))
            let point = Int.random(in: 0...digits.count, using: &generator)
            var text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            if Bool.random(using: &generator) { text = "-" + text }
            if Bool.random(using: &generator) { text += "e\(Int.random(in: -30...30, using: &generator))" }
            let bytes = Array(text.utf8)
            let fast = bytes.withUnsafeBufferPointer(FastFloatParser.parse)
            let slow = strtod(text, nil)
            if let fast {
                answered += 1
                #expect(fast.bitPattern == slow.bitPattern, "\(text)")
            }
        }
        #expect(answered > 5_000)
    }
}
