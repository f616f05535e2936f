/// A syntax problem in CSV text, at the record starting on `line`.
struct CSVSyntaxError: Error {
    let line: Int
    let problem: String
}

/// One field of a record: where its bytes are and whether it was quoted.
struct CSVFieldSpan {
    var start: Int
    var end: Int
    var quoted: Bool
    var hasDoubledQuotes: Bool
}

/// One complete record, valid only inside the callback that receives it.
struct CSVRecord {
    /// 1-based line of the record's first byte.
    let line: Int
    let bytes: UnsafeMutableBufferPointer<UInt8>
    let spans: [CSVFieldSpan]

    var fieldCount: Int { spans.count }

    func field(_ index: Int) -> (text: UnsafeBufferPointer<UInt8>, quoted: Bool) {
        let span = spans[index]
        return (UnsafeBufferPointer(rebasing: bytes[span.start..<span.end]), span.quoted)
    }
}

/// An RFC 4180 tokenizer: comma separator, `"` quoting with `""` escapes,
/// quoted commas and newlines, LF or CRLF record ends, a leading UTF-8 BOM
/// skipped. A quote inside an unquoted field, or text after a closing quote,
/// is an error. A lone CR inside an unquoted field is data.
struct CSVTokenizer {
    private var spans: [CSVFieldSpan] = []
    private var line = 1
    private var sawStart = false

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// Calls `body` with every record of `input`, the header first, and
    /// `endOfWindow` before the bytes those records point into move on (also
    /// before a syntax error is thrown, so earlier rows are handled first).
    mutating func forEachRecord(
        in input: ChunkedInput,
        _ body: (CSVRecord) throws -> Void,
        endOfWindow: () throws -> Void = {}
    ) throws {
        try input.forEachWindow { window, atEnd in
            var consumed = skipByteOrderMark(window, atEnd: atEnd)
            do {
                while consumed < window.count {
                    guard case let .record(end, newlines) = try scanRecord(window, from: consumed, atEnd: atEnd) else { break }
                    removeDoubledQuotes(window)
                    try body(CSVRecord(line: line, bytes: window, spans: spans))
                    line += newlines
                    consumed = end
                }
            } catch let error as CSVSyntaxError {
                try endOfWindow()
                throw error
            }
            try endOfWindow()
            return consumed
        }
    }

    private enum ScanResult {
        case record(end: Int, newlines: Int)
        case needMoreInput
    }

    private mutating func skipByteOrderMark(_ window: UnsafeMutableBufferPointer<UInt8>, atEnd: Bool) -> Int {
        guard !sawStart else { return 0 }
        guard window.count >= 3 || atEnd else { return 0 }
        sawStart = true
        return window.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    private mutating func scanRecord(_ bytes: UnsafeMutableBufferPointer<UInt8>, from start: Int, atEnd: Bool) throws -> ScanResult {
        spans.removeAll(keepingCapacity: true)
        var index = start
        var newlines = 0
        while true {
            let fieldResult = bytes[safe: index] == Self.quote
                ? try scanQuoted(bytes, from: index, atEnd: atEnd, newlines: &newlines)
                : try scanUnquoted(bytes, from: index, atEnd: atEnd)
            guard let afterField = fieldResult else { return .needMoreInput }
            index = afterField
            guard index < bytes.count else { return .record(end: index, newlines: newlines) }
            switch bytes[index] {
            case Self.comma:
                index += 1
            case Self.lineFeed:
                return .record(end: index + 1, newlines: newlines + 1)
            case Self.carriageReturn where bytes[safe: index + 1] == Self.lineFeed:
                return .record(end: index + 2, newlines: newlines + 1)
            case Self.carriageReturn where index + 1 == bytes.count:
                if !atEnd { return .needMoreInput }
                return .record(end: index + 1, newlines: newlines)
            default:
                throw CSVSyntaxError(line: line + newlines, problem: "unexpected text after a closing quote")
            }
        }
    }

    /// Scans `"..."`; returns the index after the closing quote, or nil if
    /// the window ends first.
    private mutating func scanQuoted(
        _ bytes: UnsafeMutableBufferPointer<UInt8>, from start: Int, atEnd: Bool, newlines: inout Int
    ) throws -> Int? {
        var index = start + 1
        var doubled = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == Self.quote {
                guard index + 1 < bytes.count || atEnd else { return nil }
                if bytes[safe: index + 1] == Self.quote {
                    doubled = true
                    index += 2
                    continue
                }
                spans.append(CSVFieldSpan(start: start + 1, end: index, quoted: true, hasDoubledQuotes: doubled))
                return index + 1
            }
            if byte == Self.lineFeed { newlines += 1 }
            index += 1
        }
        if atEnd { throw CSVSyntaxError(line: line, problem: "a quoted field is never closed") }
        return nil
    }

    /// Scans up to the next comma or record end; nil if the window ends first.
    private mutating func scanUnquoted(_ bytes: UnsafeMutableBufferPointer<UInt8>, from start: Int, atEnd: Bool) throws -> Int? {
        var index = start
        scan: while index < bytes.count {
            switch bytes[index] {
            case Self.comma, Self.lineFeed:
                break scan
            case Self.carriageReturn:
                if index + 1 == bytes.count { if atEnd { break scan } else { return nil } }
                if bytes[index + 1] == Self.lineFeed { break scan }
            case Self.quote:
                throw CSVSyntaxError(line: line, problem: "a quote inside an unquoted field (quote the whole field and double the quote)")
            default:
                break
            }
            index += 1
        }
        if index == bytes.count && !atEnd { return nil }
        spans.append(CSVFieldSpan(start: start, end: index, quoted: false, hasDoubledQuotes: false))
        return index
    }

    /// Turns `""` into `"` in place; the record is complete, so its bytes
    /// will not be scanned again.
    private mutating func removeDoubledQuotes(_ bytes: UnsafeMutableBufferPointer<UInt8>) {
        for spanIndex in spans.indices where spans[spanIndex].hasDoubledQuotes {
            var read = spans[spanIndex].start
            var write = read
            while read < spans[spanIndex].end {
                bytes[write] = bytes[read]
                read += bytes[read] == Self.quote ? 2 : 1
                write += 1
            }
            spans[spanIndex].end = write
        }
    }
}

extension UnsafeMutableBufferPointer where Element == UInt8 {
    /// The byte at `index`, or nil past the end.
    subscript(safe index: Int) -> UInt8? {
        index >= 0 && index < count ? self[index] : nil
    }
}
