/// A duration as written in a spec: a number and a unit (`500ms`, `30s`, `5m`,
/// `2h`, `1d`), a decimal (`1.5h`, as long as it is a whole number of
/// milliseconds) or a compound with units from largest to smallest, each once
/// (`1h30m`). Zero is accepted (`0s`): whether zero makes sense is the
/// caller's decision (a zero `retry_delay` does, a zero `timeout` does not).
/// Leading and trailing whitespace is tolerated; inner whitespace is not.
public struct DurationLiteral: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// The longest duration a spec or a plan may give (365d): longer is
    /// surely a slip, and every deadline derived from it (in nanoseconds on
    /// a monotonic clock) stays far inside Int64.
    public static let maximum = DurationLiteral(milliseconds: 365 * 86_400_000)

    /// The duration in seconds, for APIs that take `TimeInterval`.
    public var seconds: Double { Double(milliseconds) / 1000 }

    /// The canonical spelling, largest unit first: `1h30m`, `500ms`, `0s`.
    public var description: String {
        guard milliseconds != 0 else { return "0s" }
        var rest = milliseconds.magnitude
        var out = milliseconds < 0 ? "-" : ""
        for unit in DurationUnit.allCases.reversed() where rest >= unit.magnitude {
            out += "\(rest / unit.magnitude)\(unit.rawValue)"
            rest %= unit.magnitude
        }
        return out
    }

    public static func < (lhs: DurationLiteral, rhs: DurationLiteral) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }

    /// Parses `text`; never traps, whatever the input (huge numbers report
    /// "too large" instead of overflowing).
    public static func parse(_ text: String) -> Result<DurationLiteral, LiteralError> {
        if let simple = simple(text) { return .success(simple) }
        return parseScalars(text)
    }

    /// The full parser, scalar by scalar, with an error for every wrong shape.
    static func parseScalars(_ text: String) -> Result<DurationLiteral, LiteralError> {
        var parser = DurationParser(text)
        do {
            return .success(DurationLiteral(milliseconds: try parser.parse()))
        } catch {
            return .failure(error)
        }
    }
}

extension DurationLiteral {
    /// The common spelling, up to nine ASCII digits and one unit (`30s`,
    /// `500ms`), read straight from the bytes; nil for anything else, which
    /// the full parser reads (the same value, or the error). Specs give one
    /// duration per task or two, and the scalar-by-scalar parser cost about
    /// 18,000 instructions each: a third of lowering a 10,000-task spec.
    static func simple(_ text: String) -> DurationLiteral? {
        let utf8 = text.utf8
        var index = utf8.startIndex
        var digits: Int64 = 0
        var count = 0
        while index != utf8.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(utf8[index]) {
            guard count < 9 else { return nil }
            digits = digits * 10 + Int64(utf8[index] - UInt8(ascii: "0"))
            count += 1
            index = utf8.index(after: index)
        }
        guard count > 0, index != utf8.endIndex else { return nil }
        let letter = utf8[index]
        index = utf8.index(after: index)
        let unit: DurationUnit
        if index == utf8.endIndex {
            switch letter {
            case UInt8(ascii: "s"): unit = .s
            case UInt8(ascii: "m"): unit = .m
            case UInt8(ascii: "h"): unit = .h
            case UInt8(ascii: "d"): unit = .d
            default: return nil
            }
        } else if letter == UInt8(ascii: "m"), utf8[index] == UInt8(ascii: "s"), utf8.index(after: index) == utf8.endIndex {
            unit = .ms
        } else {
            return nil
        }
        let milliseconds = digits * unit.milliseconds
        guard milliseconds <= maximum.milliseconds else { return nil }
        return DurationLiteral(milliseconds: milliseconds)
    }
}

/// The units a duration may use, smallest first (the order compounds must descend).
enum DurationUnit: String, CaseIterable {
    case ms, s, m, h, d

    var milliseconds: Int64 {
        switch self {
        case .ms: 1
        case .s: 1_000
        case .m: 60_000
        case .h: 3_600_000
        case .d: 86_400_000
        }
    }

    var magnitude: UInt64 { UInt64(milliseconds) }

    var rank: Int { DurationUnit.allCases.firstIndex(of: self) ?? 0 }

    /// The unit a spelled-out or mis-cased word most likely means (`seconds` →
    /// `s`), used only to make the example in an error message fit the input.
    static func guess(_ word: String) -> DurationUnit? {
        switch word.lowercased() {
        case "ms", "msec", "msecs", "millis", "millisecond", "milliseconds": .ms
        case "s", "sec", "secs", "second", "seconds": .s
        case "m", "min", "mins", "minute", "minutes": .m
        case "h", "hr", "hrs", "hour", "hours": .h
        case "d", "day", "days": .d
        default: nil
        }
    }
}

/// One `number unit` piece of a duration, with where it sits in the text.
private struct DurationComponent {
    var start: Int
    var integerDigits: String
    var fractionDigits: String
    var numberEnd: Int
    var unit: DurationUnit
}

/// A recursive-descent scanner over the literal's scalars. Every error
/// carries the scalar offset and length of the part that is wrong.
private struct DurationParser {
    let text: ScalarText
    let shown: String
    let end: Int
    var position: Int

    init(_ raw: String) {
        text = ScalarText(raw)
        let bounds = text.trimmedBounds()
        position = bounds.start
        end = bounds.end
        shown = text.slice(bounds.start, bounds.end)
    }

    mutating func parse() throws(LiteralError) -> Int64 {
        guard position < end else { throw shapeError(at: position, length: 0) }
        let start = position
        var total: Int64 = 0
        var previous: DurationUnit?
        while position < end {
            let component = try parseComponent()
            if let previous, component.unit.rank >= previous.rank {
                throw fail("units must go from largest to smallest, each at most once (e.g. 1h30m)",
                           at: component.numberEnd, length: position - component.numberEnd)
            }
            let (sum, overflow) = total.addingReportingOverflow(try value(of: component))
            guard !overflow else { throw tooLarge(from: component.start) }
            total = sum
            previous = component.unit
        }
        guard total <= DurationLiteral.maximum.milliseconds else {
            throw fail("durations are at most \(DurationLiteral.maximum)", at: start, length: end - start)
        }
        return total
    }

    private mutating func parseComponent() throws(LiteralError) -> DurationComponent {
        let start = position
        if text[safe: position] == "-" {
            throw fail("a duration cannot be negative", at: position, length: 1)
        }
        let integer = scanDigits()
        guard !integer.isEmpty else {
            let junkEnd = scan(while: { !isDigit($0) })
            throw shapeError(at: start, length: junkEnd - start, word: text.slice(start, junkEnd))
        }
        var fraction = ""
        if text[safe: position] == "." {
            position += 1
            fraction = scanDigits()
            if fraction.isEmpty { throw fail("expected digits after the decimal point", at: position - 1, length: 1) }
        }
        let numberEnd = position
        let unit = try parseUnit(number: text.slice(start, numberEnd))
        return DurationComponent(start: start, integerDigits: integer, fractionDigits: fraction,
                                 numberEnd: numberEnd, unit: unit)
    }

    /// The unit after a number: letters, with no space before them.
    private mutating func parseUnit(number: String) throws(LiteralError) -> DurationUnit {
        let spaceStart = position
        let spaceEnd = scan(while: { $0.properties.isWhitespace })
        let unitEnd = scan(while: { $0.properties.isAlphabetic })
        let word = text.slice(spaceEnd, unitEnd)
        if word.isEmpty, spaceEnd >= end {
            throw fail("\(number) needs a unit: ms, s, m, h or d (e.g. \(number)s)",
                       at: spaceStart - number.unicodeScalars.count, length: number.unicodeScalars.count)
        }
        guard !word.isEmpty else { throw shapeError(at: spaceEnd, length: 1, number: number) }
        guard let unit = DurationUnit(rawValue: word) else {
            throw shapeError(at: spaceEnd, length: unitEnd - spaceEnd, number: number, word: word)
        }
        if spaceEnd > spaceStart {
            throw fail("expected no space between the number and the unit (e.g. \(number)\(unit.rawValue))",
                       at: spaceStart, length: spaceEnd - spaceStart)
        }
        return unit
    }

    /// Milliseconds of one component, exact: the fraction must come out whole.
    private func value(of component: DurationComponent) throws(LiteralError) -> Int64 {
        let unit = component.unit.milliseconds
        guard let integer = Self.parseInt(component.integerDigits) else { throw tooLarge(from: component.start) }
        let (whole, overflow) = integer.multipliedReportingOverflow(by: unit)
        guard !overflow else { throw tooLarge(from: component.start) }
        let fraction = try fractionMilliseconds(component, unit: unit)
        let (sum, sumOverflow) = whole.addingReportingOverflow(fraction)
        guard !sumOverflow else { throw tooLarge(from: component.start) }
        return sum
    }

    /// `0.fraction × unit` in milliseconds. With trailing zeros dropped, more
    /// than 10 fraction digits can never give whole milliseconds (no unit has
    /// more than 2^10 × 5^5 in it), which also keeps the product inside Int64.
    private func fractionMilliseconds(_ component: DurationComponent, unit: Int64) throws(LiteralError) -> Int64 {
        var digits = Substring(component.fractionDigits)
        while digits.last == "0" { digits = digits.dropLast() }
        guard !digits.isEmpty else { return 0 }
        let scale = (0..<digits.count).reduce(Int64(1)) { acc, _ in acc &* 10 }
        guard digits.count <= 10, let numerator = Self.parseInt(String(digits)),
              (numerator * unit) % scale == 0 else {
            let length = position - component.start
            let literal = text.slice(component.start, position)
            throw fail("\(literal) is not a whole number of milliseconds", at: component.start, length: length)
        }
        return numerator * unit / scale
    }

    private static func parseInt(_ digits: String) -> Int64? {
        var result: Int64 = 0
        for scalar in digits.unicodeScalars {
            let (shifted, o1) = result.multipliedReportingOverflow(by: 10)
            let (next, o2) = shifted.addingReportingOverflow(Int64(scalar.value) - 48)
            if o1 || o2 { return nil }
            result = next
        }
        return result
    }

    private mutating func scanDigits() -> String {
        let start = position
        return text.slice(start, scan(while: isDigit))
    }

    /// Advances past scalars satisfying `predicate` (within the trimmed text)
    /// and returns the new position.
    private mutating func scan(while predicate: (Unicode.Scalar) -> Bool) -> Int {
        while position < end, let scalar = text[safe: position], predicate(scalar) { position += 1 }
        return position
    }

    private func tooLarge(from start: Int) -> LiteralError {
        fail("the value is too large", at: start, length: end - start)
    }

    /// The catch-all "this is not number+unit" error, with an example built
    /// from what the user wrote (`30 seconds` → `30s`) when possible.
    private func shapeError(at offset: Int, length: Int, number: String? = nil, word: String? = nil) -> LiteralError {
        let unit = word.flatMap(DurationUnit.guess) ?? .s
        let example = (number.flatMap { $0.contains(".") ? nil : $0 } ?? "30") + unit.rawValue
        return fail("expected a number followed by ms, s, m, h or d (e.g. \(example))", at: offset, length: length)
    }

    private func fail(_ detail: String, at offset: Int, length: Int) -> LiteralError {
        LiteralError(message: "\(shown.literalQuoted) is not a duration: \(detail)", offset: offset, length: length)
    }
}
