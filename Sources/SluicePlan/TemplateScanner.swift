#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import SluiceBasics

/// Splits a templated string (`run`, an `env` value, `foreach`) into literal
/// text and `{{ ... }}` references, keeping the offset of every reference and
/// of every path segment in it (Unicode scalars into the string), so the
/// checker can underline exactly `params.horizn` rather than the whole `run`.
///
/// A reference is a dotted path of names (`params.a.b`, `task.output`,
/// `item`, `run.id`); a segment made of digits indexes a list
/// (`params.tickers.0`). `{{ "{{" }}` writes literal text (the Jinja idiom
/// Airflow users know), for commands that need braces themselves.
public struct TemplateScanner {
    /// One piece of a scanned string.
    public enum Piece: Equatable, Sendable {
        case text(String)
        case reference(ScannedReference)
    }

    public struct Result: Equatable, Sendable {
        public var pieces: [Piece]
        public var errors: [LiteralError]

        public var references: [ScannedReference] {
            pieces.compactMap { if case .reference(let r) = $0 { r } else { nil } }
        }
    }

    /// Scans `text`. Never fails: malformed references become errors and
    /// their text is kept as literal text so later pieces still line up.
    public static func scan(_ text: String) -> Result {
        ScanText.with(text) { scan($0) }
    }

    private static func scan(_ scalars: ScanText) -> Result {
        var pieces: [Piece] = []
        var errors: [LiteralError] = []
        // Literal text is the source between references, except where
        // `{{ "..." }}` stands for its quoted text: it is kept as the start
        // of the source run not yet copied, plus whatever came before it.
        var literal = ""
        var runStart = 0
        func flushLiteral(upTo end: Int) {
            literal += scalars.slice(runStart, end)
            if !literal.isEmpty { pieces.append(.text(literal)); literal = "" }
        }
        forEachExpression(scalars, errors: &errors) { start, end, expression in
            switch expression {
            case .literalText(let value):
                literal += scalars.slice(runStart, start)
                literal += value
            case .path(let reference):
                flushLiteral(upTo: start)
                pieces.append(.reference(reference))
            }
            runStart = end
        }
        flushLiteral(upTo: scalars.count)
        return Result(pieces: pieces, errors: errors)
    }

    /// Scans `text` into a `ScannedTemplate`. Never fails: malformed references
    /// become errors and their text stays literal text.
    public static func scanTemplate(_ text: String) -> ScannedTemplate {
        var text = text
        if let common = text.withUTF8(plainTemplate) { return common }
        return scanTemplateInGeneral(text)
    }

    /// Every form of text, every error: what `scanTemplate` falls back to.
    public static func scanTemplateInGeneral(_ text: String) -> ScannedTemplate {
        ScanText.with(text) { scanTemplate($0) }
    }

    /// `scanPlainReferences`' common case with the literal text around the
    /// references: in ASCII text without `{{ "..." }}`, the source between them.
    private static func plainTemplate(_ bytes: UnsafeBufferPointer<UInt8>) -> ScannedTemplate? {
        guard let references = scanPlainReferences(bytes) else { return nil }
        var texts: [String] = []
        texts.reserveCapacity(references.count + 1)
        var start = 0
        for reference in references {
            texts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<reference.offset]), as: UTF8.self))
            start = reference.offset + reference.length
        }
        texts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
        return ScannedTemplate(texts: texts, references: references, errors: [])
    }

    private static func scanTemplate(_ scalars: ScanText) -> ScannedTemplate {
        var texts: [String] = []
        var references: [ScannedReference] = []
        var errors: [LiteralError] = []
        var literal = ""
        var runStart = 0
        forEachExpression(scalars, errors: &errors) { start, end, expression in
            literal += scalars.slice(runStart, start)
            switch expression {
            case .literalText(let value):
                literal += value
            case .path(let reference):
                texts.append(literal)
                literal = ""
                references.append(reference)
            }
            runStart = end
        }
        literal += scalars.slice(runStart, scalars.count)
        texts.append(literal)
        return ScannedTemplate(texts: texts, references: references, errors: errors)
    }

    /// The common case, read straight from the bytes: ASCII text whose every
    /// `{{` opens a well-formed dotted path (`{{ task.output }}`), which is
    /// nearly every command of every spec. Nil for anything else (other
    /// text, a quote, an error of any kind), which the general scanner then
    /// reads; where this answers, it answers exactly as the general one does.
    /// Every command of a spec is scanned, and this takes about a quarter of
    /// the instructions.
    static func scanPlainReferences(_ bytes: UnsafeBufferPointer<UInt8>) -> [ScannedReference]? {
        var references: [ScannedReference] = []
        let plain = forEachPlainReference(bytes) { reference in
            if references.isEmpty, let base = bytes.baseAddress {
                references.reserveCapacity(Self.opensAtMost(base + reference.offset, bytes.count - reference.offset))
            }
            references.append(reference)
        }
        return plain ? references : nil
    }

    /// `scanPlainReferences` without an array: calls `body` with each
    /// reference in order and returns true when the text is the common case.
    /// When it is not, it returns false, possibly after calling `body` for
    /// the references before the first thing it does not read, which the
    /// caller then drops. In ASCII text a reference's offset and length are
    /// byte offsets too, so the literal text around the references is the
    /// bytes between their spans.
    public static func forEachPlainReference(_ bytes: UnsafeBufferPointer<UInt8>,
                                             _ body: (ScannedReference) -> Void) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        // In ASCII, byte offsets are scalar offsets.
        guard ScanText.isASCII(bytes) else { return false }
        var i = 0
        while i < count {
            guard let hit = memchr(base + i, Int32(UInt8(ascii: "{")), count - i) else { break }
            i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            guard i + 1 < count, base[i + 1] == UInt8(ascii: "{") else {
                i += 1
                continue
            }
            // The closing braces, on this line, with no quote before them
            // (quotes take the general path); the dots on the way size the segments.
            var close = i + 2, dots = 0
            while true {
                guard close + 1 < count else { return false }
                let byte = base[close]
                if byte == UInt8(ascii: "}"), base[close + 1] == UInt8(ascii: "}") { break }
                if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") { return false }
                if byte == UInt8(ascii: ".") { dots += 1 }
                close += 1
            }
            var start = i + 2, end = close
            while start < end, base[start] == UInt8(ascii: " ") || base[start] == UInt8(ascii: "\t") { start += 1 }
            while end > start, base[end - 1] == UInt8(ascii: " ") || base[end - 1] == UInt8(ascii: "\t") { end -= 1 }
            guard start < end else { return false }
            var segments: [ScannedReference.Segment] = []
            segments.reserveCapacity(dots + 1)
            var at = start
            while true {
                let segmentStart = at
                while at < end, isNameByte(base[at]) { at += 1 }
                guard at > segmentStart else { return false }
                let name = String(decoding: UnsafeBufferPointer(start: base + segmentStart, count: at - segmentStart), as: UTF8.self)
                segments.append(.init(name: name, offset: segmentStart, length: at - segmentStart))
                if at == end { break }
                guard base[at] == UInt8(ascii: ".") else { return false }
                at += 1
            }
            body(ScannedReference(segments: segments, offset: i, length: close + 2 - i))
            i = close + 2
        }
        return true
    }

    /// How many `{{` the bytes hold (overlapping ones too): at least as many as the references.
    private static func opensAtMost(_ start: UnsafePointer<UInt8>, _ count: Int) -> Int {
        var found = 0, i = 0
        while i + 1 < count, let hit = memchr(start + i, Int32(UInt8(ascii: "{")), count - i - 1) {
            i = start.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
            if start[i] == UInt8(ascii: "{") { found += 1 }
        }
        return found
    }

    /// `isNameScalar` for one ASCII byte.
    private static func isNameByte(_ byte: UInt8) -> Bool {
        IdentifierRule.mayFollow(byte, in: .task)
    }

    /// Calls `body` with the span (`{{` to `}}`) and meaning of every
    /// well-formed `{{ ... }}` in order; malformed ones go to `errors`, and
    /// their text counts as literal text.
    private static func forEachExpression(_ scalars: ScanText, errors: inout [LiteralError],
                                          _ body: (_ start: Int, _ end: Int, Expression) -> Void) {
        var i = 0
        // Built at the first unclosed `{{`: from then on every `{{` finds its
        // close by lookup. Without it each unclosed `{{` scanned to the end of
        // its line, and a line of 16,000 of them took minutes.
        var closes: ClosingBraces?
        while i < scalars.count {
            i = scalars.index(ofASCII: UInt8(ascii: "{"), from: i)
            guard i < scalars.count else { break }
            guard scalars[safe: i + 1] == "{" else {
                i += 1
                continue
            }
            let close: Int?
            if let closes {
                close = closes.close(from: i + 2)
            } else {
                close = closingBraces(scalars, from: i + 2)
                if close == nil { closes = ClosingBraces(scalars) }
            }
            guard let close else {
                errors.append(LiteralError(message: "\"{{\" is never closed by \"}}\"", offset: i, length: 2))
                i += 2
                continue
            }
            switch parseExpression(scalars, from: i + 2, to: close, whole: (i, close + 2)) {
            case .success(let expression): body(i, close + 2, expression)
            case .failure(let error): errors.append(error)
            }
            i = close + 2
        }
    }

    /// Where the `}}` closing an expression whose text starts at `from`
    /// lies: a `{{` or `}}` inside a string literal does not count, and
    /// outside one the expression ends at the line.
    static func closingBraces(_ scalars: ScanText, from: Int) -> Int? {
        var j = from, quote: Unicode.Scalar? = nil
        while j < scalars.count {
            let s = scalars[safe: j]
            if let q = quote {
                if s == q { quote = nil }
            } else if s == "\"" || s == "'" {
                quote = s
            } else if s == "}", scalars[safe: j + 1] == "}" {
                return j
            } else if s == "\n" {
                return nil
            }
            j += 1
        }
        return nil
    }

    /// `closingBraces(from:)` for every start at once, in one pass from the
    /// end: linear in the text, however many `{{` are left open.
    struct ClosingBraces {
        /// The close for a scan starting at each position outside quotes; -1 for none.
        private var closeFrom: [Int]

        init(_ scalars: ScanText) {
            let count = scalars.count
            var closeFrom = [Int](repeating: -1, count: count + 2)
            // The next `"` / `'` at or after the position being filled in.
            var nextDouble = -1, nextSingle = -1
            var p = count - 1
            while p >= 0 {
                let s = scalars[safe: p]
                if s == "\"" {
                    // A string literal runs to the next quote of its kind; the scan goes on after it.
                    closeFrom[p] = nextDouble >= 0 ? closeFrom[nextDouble + 1] : -1
                    nextDouble = p
                } else if s == "'" {
                    closeFrom[p] = nextSingle >= 0 ? closeFrom[nextSingle + 1] : -1
                    nextSingle = p
                } else if s == "}", scalars[safe: p + 1] == "}" {
                    closeFrom[p] = p
                } else if s == "\n" {
                    closeFrom[p] = -1
                } else {
                    closeFrom[p] = closeFrom[p + 1]
                }
                p -= 1
            }
            self.closeFrom = closeFrom
        }

        func close(from start: Int) -> Int? {
            guard start >= 0, start < closeFrom.count, closeFrom[start] >= 0 else { return nil }
            return closeFrom[start]
        }
    }

    /// Scans a bare reference (`foreach: params.tickers`), also accepting it
    /// wrapped in `{{ }}`. Returns nil with an error when it is not exactly one path.
    public static func scanBareReference(_ text: String) -> Swift.Result<ScannedReference, LiteralError> {
        ScanText.with(text) { scanBareReference($0) }
    }

    private static func scanBareReference(_ scalars: ScanText) -> Swift.Result<ScannedReference, LiteralError> {
        let (start, end) = scalars.trimmedBounds()
        if scalars[safe: start] == "{" && scalars[safe: start + 1] == "{" {
            let result = scan(scalars)
            if let error = result.errors.first { return .failure(error) }
            guard result.pieces.count == 1, case .reference(let reference) = result.pieces[0] else {
                return .failure(LiteralError(message: "expected exactly one reference", offset: start, length: end - start))
            }
            return .success(reference)
        }
        switch parseExpression(scalars, from: start, to: end, whole: (start, end)) {
        case .success(.path(let reference)): return .success(reference)
        case .success(.literalText):
            return .failure(LiteralError(message: "expected a reference such as params.items or task.output", offset: start, length: end - start))
        case .failure(let error): return .failure(error)
        }
    }

    private enum Expression {
        case path(ScannedReference)
        case literalText(String)
    }

    /// Parses the text between `from` and `to`; `whole` is the span to report
    /// for the reference as a whole (with its braces, when it has them).
    private static func parseExpression(_ s: ScanText, from: Int, to: Int, whole: (start: Int, end: Int)) -> Swift.Result<Expression, LiteralError> {
        var start = from, end = to
        while start < end, let c = s[safe: start], c == " " || c == "\t" { start += 1 }
        while end > start, let c = s[safe: end - 1], c == " " || c == "\t" { end -= 1 }
        guard start < end else {
            return .failure(LiteralError(message: "empty reference \"{{ }}\"", offset: whole.start, length: whole.end - whole.start))
        }
        if let q = s[safe: start], q == "\"" || q == "'" {
            guard end - start >= 2, s[safe: end - 1] == q else {
                return .failure(LiteralError(message: "unterminated string in reference", offset: start, length: end - start))
            }
            return .success(.literalText(s.slice(start + 1, end - 1)))
        }
        // One allocation: a path has one segment more than it has dots.
        var dots = 0
        for k in start..<end where s[safe: k] == "." { dots += 1 }
        var segments: [ScannedReference.Segment] = []
        segments.reserveCapacity(dots + 1)
        var i = start
        while true {
            let segmentStart = i
            while i < end, let c = s[safe: i], isNameScalar(c) { i += 1 }
            guard i > segmentStart else {
                let found = s[safe: i].map { String(Character($0)).literalQuoted } ?? "the end"
                let what = segments.isEmpty ? "a name" : "a name after \".\""
                return .failure(LiteralError(message: "expected \(what) in reference, found \(found)", offset: i, length: i < end ? 1 : 0))
            }
            segments.append(.init(name: s.slice(segmentStart, i), offset: segmentStart, length: i - segmentStart))
            if i == end { break }
            guard s[safe: i] == "." else {
                let c = s[safe: i]
                let message: String
                switch c {
                case "|": message = "filters (\"|\") are not supported in references; references name a value, the command transforms it"
                case "[": message = "index with a dot: params.list.0, not params.list[0]"
                case " ", "\t":
                    var next = i
                    while next < end, let c = s[safe: next], c == " " || c == "\t" { next += 1 }
                    message = s[safe: next] == "|"
                        ? "filters (\"|\") are not supported in references; references name a value, the command transforms it"
                        : "a reference is one dotted path; found a space inside it"
                default: message = "unexpected \(c.map { String(Character($0)).literalQuoted } ?? "end") in reference"
                }
                return .failure(LiteralError(message: message, offset: i, length: 1))
            }
            i += 1
        }
        return .success(.path(ScannedReference(segments: segments, offset: whole.start, length: whole.end - whole.start)))
    }

    /// A reference segment names a task, an output or a param: any byte a
    /// task name may hold after its first (the widest of the name shapes).
    private static func isNameScalar(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && IdentifierRule.mayFollow(UInt8(c.value), in: .task)
    }
}

/// A `run` or `env` value scanned once for everything that reads it: its
/// references, and the literal text before, between and after them (one
/// more text than references; `{{ "{{" }}` already replaced by its text,
/// a malformed reference kept as written). Checks classify shell spots
/// from `texts`, and lowering writes the plan's template from them, so
/// no reader scans the string again or pairs two scans by order.
public struct ScannedTemplate: Equatable, Sendable {
    public var texts: [String]
    public var references: [ScannedReference]
    public var errors: [LiteralError]
}

/// A `{{ a.b.c }}` reference as written, before it is resolved.
/// The literal texts of a template kept as its value's bytes with its
/// references' spans (`TemplateScanner.forEachPlainReference`'s common case):
/// each is the bytes from where the last reference ended to where the next
/// begins, or to the end. Spans out of order or out of bounds are clamped to
/// the bytes not yet read, so no reader traps whatever the spans. Lowering
/// (as `String`s) and `unsafe-reference` (in place) read the texts this way.
public enum LiteralBytes {
    /// The literal from `read` up to `span` (nil: to the end of `count`
    /// bytes), and where the literal after it starts.
    public static func before(_ span: Range<Int>?, from read: Int, count: Int) -> (literal: Range<Int>, next: Int) {
        guard let span else { return (read..<count, count) }
        let end = Swift.min(Swift.max(span.lowerBound, read), count)
        return (read..<end, Swift.min(Swift.max(span.upperBound, end), count))
    }
}

public struct ScannedReference: Equatable, Sendable {
    public struct Segment: Equatable, Sendable {
        public var name: String
        /// Unicode scalars from the start of the scanned string.
        public var offset: Int
        public var length: Int
    }

    public var segments: [Segment]
    /// The whole `{{ ... }}` (or the bare path), in Unicode scalars.
    public var offset: Int
    public var length: Int

    /// `offset ..< offset + length`, never a trap (a negative length is an empty span).
    public var span: Range<Int> { offset..<Swift.max(offset, offset + length) }

    public var path: [String] { segments.map(\.name) }
    public var dotted: String { path.joined(separator: ".") }

    /// Offset and length covering segments `from..<to`.
    public func span(from: Int, to: Int) -> (offset: Int, length: Int) {
        guard from < to, from >= 0, to <= segments.count else { return (offset, length) }
        let first = segments[from], last = segments[to - 1]
        return (first.offset, last.offset + last.length - first.offset)
    }
}

/// `ScalarText` for the scanners that run on every command and output type
/// of a spec: the same scalars, offsets, slices and trimming, but text that
/// is all ASCII (nearly all of it), where a byte is a scalar, is read in
/// place as the string's own UTF-8; only other text is split into scalars.
/// Valid only inside `ScanText.with`, which lends the bytes.
struct ScanText {
    /// The text's bytes when it is all ASCII (borrowed from the string); empty otherwise.
    private let bytes: UnsafeBufferPointer<UInt8>
    /// The text's scalars when it is not all ASCII; empty otherwise.
    private let wide: [Unicode.Scalar]
    private let isASCII: Bool
    let count: Int

    /// Calls `body` with `text` as a `ScanText`, which must not outlive the call.
    static func with<R>(_ text: String, _ body: (ScanText) -> R) -> R {
        var text = text
        let ascii: R? = text.withUTF8 { utf8 in
            guard isASCII(utf8) else { return nil }
            return body(ScanText(bytes: utf8, wide: [], isASCII: true))
        }
        if let ascii { return ascii }
        return body(ScanText(bytes: UnsafeBufferPointer(start: nil, count: 0), wide: Array(text.unicodeScalars), isASCII: false))
    }

    /// Whether every byte is below 0x80, read eight bytes at a time.
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var k = 0
        while k + 8 <= bytes.count {
            guard UnsafeRawPointer(base + k).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 else { return false }
            k += 8
        }
        while k < bytes.count {
            guard base[k] < 0x80 else { return false }
            k += 1
        }
        return true
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, wide: [Unicode.Scalar], isASCII: Bool) {
        self.bytes = bytes
        self.wide = wide
        self.isASCII = isASCII
        count = isASCII ? bytes.count : wide.count
    }

    /// The scalar at `index`, or nil past either end.
    subscript(safe index: Int) -> Unicode.Scalar? {
        guard index >= 0 && index < count else { return nil }
        return isASCII ? Unicode.Scalar(bytes[index]) : wide[index]
    }

    /// The index of the first `byte` (an ASCII character) at or after `start`, or `count`.
    func index(ofASCII byte: UInt8, from start: Int) -> Int {
        let from = max(0, start)
        guard from < count else { return count }
        if isASCII {
            guard let base = bytes.baseAddress, let hit = memchr(base + from, Int32(byte), count - from) else { return count }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        return wide[from...].firstIndex(of: Unicode.Scalar(byte)) ?? count
    }

    /// The text of `[start, end)`, clamped to the bounds.
    func slice(_ start: Int, _ end: Int) -> String {
        let lo = max(0, min(start, count)), hi = max(lo, min(end, count))
        if isASCII {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[lo..<hi]), as: UTF8.self)
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: wide[lo..<hi])
        return String(result)
    }

    /// `[start, end)` with leading and trailing whitespace removed.
    func trimmedBounds() -> (start: Int, end: Int) {
        var start = 0, end = count
        while start < end, let s = self[safe: start], Self.isWhitespace(s) { start += 1 }
        while end > start, let s = self[safe: end - 1], Self.isWhitespace(s) { end -= 1 }
        return (start, end)
    }

    /// Unicode's White_Space property, answered without a property lookup
    /// for ASCII (where it holds for tab, line feed, vertical tab, form feed,
    /// carriage return and space).
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar.value == 0x20 || (scalar.value >= 0x09 && scalar.value <= 0x0D) }
        return scalar.properties.isWhitespace
    }

    /// Unicode's Alphabetic property, answered without a property lookup for
    /// ASCII (where it holds for the letters A-Z and a-z only).
    static func isAlphabetic(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return (scalar.value | 0x20) >= 0x61 && (scalar.value | 0x20) <= 0x7A }
        return scalar.properties.isAlphabetic
    }
}
