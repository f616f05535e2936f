import Foundation
import SluiceDiagnostics

/// One `# sluice: ignore[a, b]` comment found in a spec's text.
struct SuppressionComment: Sendable {
    /// One rule id as written between the brackets, with its span (for the
    /// warning when it silences nothing).
    struct Entry: Sendable {
        var id: String
        var range: SourceRange
    }

    var line: Int
    /// The line whose diagnostics it silences: its own line for a trailing
    /// comment; for a comment alone on its line, the next line that is not
    /// blank and not a comment (nil when the file ends first).
    var target: Int?
    var entries: [Entry]
}

/// What scanning a spec's text found: the well-formed comments, and a
/// warning for each `# sluice:` comment that is not a suppression.
struct SuppressionScan: Sendable {
    var comments: [SuppressionComment] = []
    var malformed: [Diagnostic] = []
}

/// Finds suppression comments by scanning the text, since comments never
/// reach the YAML tree. Only `#` bytes are visited (found with `memchr`,
/// which the C library vectorises), and only those followed by `sluice:` are
/// read further, so a spec without suppressions costs a few microseconds per
/// megabyte: the lint benchmark does not notice.
///
/// The scan does not know YAML's structure, so a marker inside a block
/// scalar counts too. That is deliberate: a diagnostic inside a `run: |`
/// block can only be silenced from a line of that block.
enum SuppressionScanner {
    static let marker = Array("sluice:".utf8)

    static func scan(_ text: String, file: String) -> SuppressionScan {
        var text = text
        return text.withUTF8 { bytes in
            var scan = SuppressionScan()
            var lines = LineCounter(bytes)
            var from = 0
            while let hash = nextHash(in: bytes, from: from) {
                from = hash + 1
                guard let listStart = directive(at: hash, in: bytes) else { continue }
                let line = lines.line(containing: hash)
                parse(line: line, hash: hash, listStart: listStart, bytes: bytes, lines: &lines, file: file, into: &scan)
                from = max(from, line.end)
            }
            return scan
        }
    }

    private static func nextHash(in bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let base = bytes.baseAddress, from < bytes.count,
              let hit = memchr(base + from, Int32(UInt8(ascii: "#")), bytes.count - from) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    /// Where the text after `#`, blanks and `sluice:` starts, if the `#` at
    /// `hash` opens a directive (`# sluice:`, `#sluice:`).
    private static func directive(at hash: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = hash + 1
        while i < bytes.count, isBlank(bytes[i]) { i += 1 }
        guard bytes.count - i >= marker.count else { return nil }
        for (k, byte) in marker.enumerated() where bytes[i + k] != byte { return nil }
        return i + marker.count
    }

    /// Reads one directive. A `#` inside a word (`a#sluice:`) does not start
    /// a YAML comment, so it is not a directive and is left alone.
    private static func parse(line: LineCounter.Line, hash: Int, listStart: Int, bytes: UnsafeBufferPointer<UInt8>,
                              lines: inout LineCounter, file: String, into scan: inout SuppressionScan) {
        guard hash == line.start || isBlank(bytes[hash - 1]) else { return }
        let alone = (line.start..<hash).allSatisfy { isBlank(bytes[$0]) }
        let location = { (offset: Int) in SourceLocation(line: line.number, column: line.column(of: offset, in: bytes), offset: offset) }
        switch parseList(bytes, from: listStart, to: line.contentEnd(in: bytes)) {
        case .failure(let problem):
            scan.malformed.append(Diagnostic(
                file: file, range: SourceRange(start: location(hash), end: location(line.contentEnd(in: bytes))),
                rule: .unusedSuppression, message: "malformed suppression comment: \(problem)",
                help: "write \"# sluice: ignore[rule-id]\", several ids separated by commas"))
        case .success(let ids):
            let entries = ids.map { SuppressionComment.Entry(id: $0.id, range: SourceRange(start: location($0.start), end: location($0.end))) }
            let target = alone ? lines.nextCodeLine(after: line, in: bytes) : line.number
            scan.comments.append(SuppressionComment(line: line.number, target: target, entries: entries))
        }
    }

    /// `ignore[a, b]` after the marker, then only blanks: the ids with their byte spans.
    private static func parseList(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int)
        -> Result<[(id: String, start: Int, end: Int)], ListProblem> {
        var i = start
        while i < end, isBlank(bytes[i]) { i += 1 }
        let keyword = Array("ignore[".utf8)
        guard end - i >= keyword.count, Array(bytes[i..<(i + keyword.count)]) == keyword else {
            return .failure(ListProblem("expected \"ignore[\" after \"sluice:\""))
        }
        i += keyword.count
        guard let close = (i..<end).first(where: { bytes[$0] == UInt8(ascii: "]") }) else {
            return .failure(ListProblem("\"[\" is never closed by \"]\""))
        }
        guard (close + 1..<end).allSatisfy({ isBlank(bytes[$0]) }) else {
            return .failure(ListProblem("unexpected text after \"]\""))
        }
        var ids: [(id: String, start: Int, end: Int)] = []
        var itemStart = i
        for j in i...close where j == close || bytes[j] == UInt8(ascii: ",") {
            var s = itemStart, e = j
            while s < e, isBlank(bytes[s]) { s += 1 }
            while e > s, isBlank(bytes[e - 1]) { e -= 1 }
            if s == e { return .failure(ListProblem("empty rule id in the list")) }
            ids.append((String(decoding: UnsafeBufferPointer(rebasing: bytes[s..<e]), as: UTF8.self), s, e))
            itemStart = j + 1
        }
        return .success(ids)
    }

    /// Why a `# sluice:` comment is not a suppression, worded for the warning.
    struct ListProblem: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
}

/// Line numbers for byte offsets, counted forward only as far as a hit
/// needs (hits come in increasing order).
struct LineCounter {
    struct Line {
        var number: Int
        var start: Int
        /// Just past the line's last byte, before its `\n`.
        var end: Int

        /// The end without a trailing `\r` and blanks.
        func contentEnd(in bytes: UnsafeBufferPointer<UInt8>) -> Int {
            var e = end
            while e > start, bytes[e - 1] == UInt8(ascii: "\r") || SuppressionScanner.isBlank(bytes[e - 1]) { e -= 1 }
            return e
        }

        /// The 1-based column of a byte offset in Unicode scalars, as libyaml counts.
        func column(of offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
            // A scalar starts at every byte that is not a UTF-8 continuation byte.
            (start..<offset).count { bytes[$0] & 0xC0 != 0x80 } + 1
        }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var scanned = 0
    private var number = 1
    private var lineStart = 0
    /// The last `nextCodeLine` answer and the line it was asked after. A run
    /// of comment lines (100,000 suppressions in a row) shares one answer,
    /// so finding it costs one walk, not one walk per comment.
    private var lastNextCode: (after: Int, found: Int?)?

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The line holding `offset`; offsets must not decrease between calls.
    mutating func line(containing offset: Int) -> Line {
        while scanned < offset {
            if bytes[scanned] == UInt8(ascii: "\n") {
                number += 1
                lineStart = scanned + 1
            }
            scanned += 1
        }
        return Line(number: number, start: lineStart, end: Self.end(of: lineStart, in: bytes))
    }

    /// The number of the first line after `line` that is neither blank nor a
    /// comment. Lines are asked for in increasing order; an earlier answer
    /// that lies beyond `line` is still the answer.
    mutating func nextCodeLine(after line: Line, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if let last = lastNextCode, last.after <= line.number, (last.found ?? .max) > line.number { return last.found }
        let found = searchNextCodeLine(after: line, in: bytes)
        lastNextCode = (line.number, found)
        return found
    }

    private func searchNextCodeLine(after line: Line, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var number = line.number, start = line.end + 1
        while start < bytes.count {
            number += 1
            let end = Self.end(of: start, in: bytes)
            var first = start
            while first < end, SuppressionScanner.isBlank(bytes[first]) || bytes[first] == UInt8(ascii: "\r") { first += 1 }
            if first < end, bytes[first] != UInt8(ascii: "#") { return number }
            start = end + 1
        }
        return nil
    }

    private static func end(of start: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        return end
    }
}
