import Foundation
import Testing
@testable import SluicePlan

/// A duration literal that must fail, with exactly where and why.
struct BadLiteral: Sendable, CustomTestStringConvertible {
    var text: String
    var message: String
    var offset: Int
    var length: Int
    var testDescription: String { text.debugDescription }

    init(_ text: String, _ message: String, _ offset: Int, _ length: Int) {
        self.text = text
        self.message = message
        self.offset = offset
        self.length = length
    }
}

@Suite("DurationLiteral")
struct DurationLiteralTests {
    @Test(arguments: [
        ("500ms", 500), ("30s", 30_000), ("5m", 300_000), ("2h", 7_200_000), ("1d", 86_400_000),
        ("0s", 0), ("0ms", 0), ("007s", 7_000), ("  30s\t", 30_000),
        ("1h30m", 5_400_000), ("1d2h3m4s5ms", 93_784_005), ("2m500ms", 120_500),
        ("1.5h", 5_400_000), ("0.5s", 500), ("1.000s", 1_000), ("0.25m", 15_000),
        ("0.0000003125d", 27), ("365d", 31_536_000_000), ("8760h", 31_536_000_000),
    ] as [(String, Int64)])
    func parsesValid(text: String, milliseconds: Int64) throws {
        #expect(try DurationLiteral.parse(text).get() == DurationLiteral(milliseconds: milliseconds))
    }

    static let expectedShape = "expected a number followed by ms, s, m, h or d"

    @Test(arguments: [
        BadLiteral("30 seconds", "\"30 seconds\" is not a duration: \(expectedShape) (e.g. 30s)", 3, 7),
        BadLiteral("5 minutes", "\"5 minutes\" is not a duration: \(expectedShape) (e.g. 5m)", 2, 7),
        BadLiteral("5S", "\"5S\" is not a duration: \(expectedShape) (e.g. 5s)", 1, 1),
        BadLiteral("5x", "\"5x\" is not a duration: \(expectedShape) (e.g. 5s)", 1, 1),
        BadLiteral("5/m", "\"5/m\" is not a duration: \(expectedShape) (e.g. 5s)", 1, 1),
        BadLiteral("m", "\"m\" is not a duration: \(expectedShape) (e.g. 30m)", 0, 1),
        BadLiteral("P1D", "\"P1D\" is not a duration: \(expectedShape) (e.g. 30s)", 0, 1),
        BadLiteral("", "\"\" is not a duration: \(expectedShape) (e.g. 30s)", 0, 0),
        BadLiteral("1h 30m", "\"1h 30m\" is not a duration: \(expectedShape) (e.g. 30s)", 2, 1),
        BadLiteral("-5m", "\"-5m\" is not a duration: a duration cannot be negative", 0, 1),
        BadLiteral("5", "\"5\" is not a duration: 5 needs a unit: ms, s, m, h or d (e.g. 5s)", 0, 1),
        BadLiteral(" 1.5", "\"1.5\" is not a duration: 1.5 needs a unit: ms, s, m, h or d (e.g. 1.5s)", 1, 3),
        BadLiteral("1h30", "\"1h30\" is not a duration: 30 needs a unit: ms, s, m, h or d (e.g. 30s)", 2, 2),
        BadLiteral("5 m", "\"5 m\" is not a duration: expected no space between the number and the unit (e.g. 5m)", 1, 1),
        BadLiteral("30m1h", "\"30m1h\" is not a duration: units must go from largest to smallest, each at most once (e.g. 1h30m)", 4, 1),
        BadLiteral("1h1h", "\"1h1h\" is not a duration: units must go from largest to smallest, each at most once (e.g. 1h30m)", 3, 1),
        BadLiteral("5.s", "\"5.s\" is not a duration: expected digits after the decimal point", 1, 1),
        BadLiteral("1.0005s", "\"1.0005s\" is not a duration: 1.0005s is not a whole number of milliseconds", 0, 7),
        BadLiteral("0.00000000001d", "\"0.00000000001d\" is not a duration: 0.00000000001d is not a whole number of milliseconds", 0, 14),
        BadLiteral("99999999999999999999h", "\"99999999999999999999h\" is not a duration: the value is too large", 0, 21),
        BadLiteral("9223372036854775807s", "\"9223372036854775807s\" is not a duration: the value is too large", 0, 20),
        BadLiteral("106751991167d12h", "\"106751991167d12h\" is not a duration: the value is too large", 13, 3),
        BadLiteral("106752d", "\"106752d\" is not a duration: durations are at most 365d", 0, 7),
        BadLiteral(" 365d1ms", "\"365d1ms\" is not a duration: durations are at most 365d", 1, 7),
        BadLiteral("9223372036854775807ms", "\"9223372036854775807ms\" is not a duration: durations are at most 365d", 0, 21),
        BadLiteral("\"5\"\n", "\"\\\"5\\\"\" is not a duration: \(expectedShape) (e.g. 30s)", 0, 1),
    ])
    func rejectsInvalid(bad: BadLiteral) {
        #expect(DurationLiteral.parse(bad.text) == .failure(LiteralError(message: bad.message, offset: bad.offset, length: bad.length)))
    }

    @Test(arguments: [
        (0, "0s"), (500, "500ms"), (5_400_000, "1h30m"), (93_784_005, "1d2h3m4s5ms"), (-1_500, "-1s500ms"),
    ] as [(Int64, String)])
    func describesCanonically(milliseconds: Int64, text: String) {
        #expect(DurationLiteral(milliseconds: milliseconds).description == text)
    }

    @Test func descriptionRoundTrips() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let value = Int64.random(in: 0...DurationLiteral.maximum.milliseconds, using: &generator) >> Int64.random(in: 0...35)
            let duration = DurationLiteral(milliseconds: value)
            #expect(try DurationLiteral.parse(duration.description).get() == duration)
        }
    }

    @Test func encodesAsMilliseconds() throws {
        let data = try JSONEncoder().encode(DurationLiteral(milliseconds: 1_500))
        #expect(String(decoding: data, as: UTF8.self) == #"{"milliseconds":1500}"#)
    }

    @Test func neverTrapsOnRandomInput() {
        for text in FuzzStrings.make(count: 3_000, alphabet: Array("0123456789.-+ mshdMSx\t\u{00E9}\u{301}")) {
            guard case .failure(let error) = DurationLiteral.parse(text) else { continue }
            let count = text.unicodeScalars.count
            #expect(error.offset >= 0 && error.length >= 0 && error.offset + error.length <= count, "\(text.debugDescription)")
        }
    }
}

/// Random strings for "never crash" tests: mostly from a literal-shaped
/// alphabet (so they get deep into the parser), sometimes arbitrary scalars.
enum FuzzStrings {
    static func make(count: Int, alphabet: [Character]) -> [String] {
        (0..<count).map { index in
            let length = Int.random(in: 0...16)
            if index % 5 == 0 {
                return String(String.UnicodeScalarView((0..<length).compactMap { _ in
                    Unicode.Scalar(UInt32.random(in: 0...0x2FFFF))
                }))
            }
            return String((0..<length).compactMap { _ in alphabet.randomElement() })
        }
    }
}

@Suite("DurationLiteral's byte fast path")
struct DurationFastPathTests {
    /// Whatever the fast path reads, the full parser reads as the same value;
    /// whatever it declines (nil) is left to the full parser, errors included.
    @Test(arguments: [
        "0s", "30s", "500ms", "5m", "2h", "1d", "007s", "365d", "366d", "999999999ms", "1000000000ms",
        "999999999d", "0ms", "s", "ms", "", "5", "5 s", " 5s", "5s ", "5S", "5sec", "5mss", "1h30m", "1.5h",
        "-5s", "+5s", "5x", "٣s", "5ｓ", "05d",
    ])
    func agreesWithTheFullParser(_ text: String) {
        let full = DurationLiteral.parseScalars(text)
        if let fast = DurationLiteral.simple(text) {
            #expect(full == .success(fast), "\(text.debugDescription)")
        }
        #expect(DurationLiteral.parse(text) == full)
    }

    @Test func readsTheCommonSpellings() {
        #expect(DurationLiteral.simple("30s")?.milliseconds == 30_000)
        #expect(DurationLiteral.simple("500ms")?.milliseconds == 500)
        #expect(DurationLiteral.simple("2h")?.milliseconds == 7_200_000)
        // Beyond the maximum, or not one number and one unit: the full parser's.
        #expect(DurationLiteral.simple("366d") == nil)
        #expect(DurationLiteral.simple("1h30m") == nil)
        #expect(DurationLiteral.simple("5 s") == nil)
    }
}
