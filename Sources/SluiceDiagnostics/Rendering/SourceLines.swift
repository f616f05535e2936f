/// A file's text split into lines once, so rendering many diagnostics in one
/// file never re-scans it. Lines break where libyaml breaks them (`\n`, `\r\n`,
/// `\r`, NEL, LS, PS), so line numbers agree with the front end's marks.
///
/// Lines are found on the UTF-8 bytes and only a line a diagnostic shows is
/// decoded into scalars: decoding a whole 2 MB spec to render a few
/// thousand warnings cost more than rendering them.
struct SourceLines {
    private let bytes: [UInt8]
    /// Each line's bytes, without its line break.
    private var lines: [Range<Int>] = []
    /// The line decoded last: diagnostics come sorted, so the many on one
    /// (long) line decode it once, not once each.
    private var decoded: (number: Int, scalars: [Unicode.Scalar])?

    init(_ text: String) {
        bytes = Array(text.utf8)
        var start = 0, index = 0
        let count = bytes.count
        while index < count {
            guard let length = breakLength(at: index) else { index += 1; continue }
            lines.append(start..<index)
            index += length
            start = index
        }
        lines.append(start..<count)
    }

    /// The scalars of 1-based line `number`, without its line break; nil
    /// when the file has no such line.
    mutating func line(_ number: Int) -> ArraySlice<Unicode.Scalar>? {
        guard number >= 1, number <= lines.count else { return nil }
        if let decoded, decoded.number == number { return decoded.scalars[...] }
        let scalars = Array(String(decoding: bytes[lines[number - 1]], as: UTF8.self).unicodeScalars)
        decoded = (number, scalars)
        return scalars[...]
    }

    /// The length in bytes of the line break at `index`, if one starts
    /// there: `\n`, `\r\n` (one break, not two), `\r`, and in UTF-8 NEL
    /// (C2 85), LS (E2 80 A8) and PS (E2 80 A9). In valid UTF-8 these bytes
    /// start no other character.
    private func breakLength(at index: Int) -> Int? {
        let count = bytes.count
        switch bytes[index] {
        case 0x0A:
            return 1
        case 0x0D:
            return index + 1 < count && bytes[index + 1] == 0x0A ? 2 : 1
        case 0xC2:
            return index + 1 < count && bytes[index + 1] == 0x85 ? 2 : nil
        case 0xE2:
            guard index + 2 < count, bytes[index + 1] == 0x80, bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9 else { return nil }
            return 3
        default:
            return nil
        }
    }
}

/// Per-file line caches for one rendering pass: each file's text is fetched
/// and split at most once, however many diagnostics point into it.
struct SourceCache {
    private var files: [String: SourceLines?] = [:]

    mutating func line(_ number: Int, of file: String, source: (String) -> String?) -> ArraySlice<Unicode.Scalar>? {
        let cached = files[file]
        guard var lines = cached ?? source(file).map(SourceLines.init) else {
            files[file] = .some(nil)
            return nil
        }
        let line = lines.line(number)
        files[file] = .some(lines)
        return line
    }
}

/// How text looks in a terminal: display widths and neutralised control
/// characters. Widths approximate `wcwidth`: marks and format characters take
/// no cell, East Asian wide/fullwidth characters and emoji take two.
enum TerminalText {
    /// What to print for a scalar. Control characters and bidi overrides
    /// become U+FFFD: printing them raw could move the cursor, inject
    /// escape sequences or reorder the line ("Trojan Source").
    static func visible(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        isUnsafe(scalar) ? "\u{FFFD}" : scalar
    }

    /// `text` with unsafe scalars replaced; newlines and tabs kept.
    static func sanitized(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isUnsafe($0) && $0 != "\n" && $0 != "\t" }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            out.append(scalar == "\n" || scalar == "\t" ? scalar : visible(scalar))
        }
        return String(out)
    }

    static func width(_ scalar: Unicode.Scalar) -> Int {
        // ASCII (nearly every character of a spec) without a property lookup:
        // every ASCII character takes one cell (controls are shown as U+FFFD).
        if scalar.isASCII { return 1 }
        if isUnsafe(scalar) { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        return isWide(scalar) ? 2 : 1
    }

    private static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        // The ASCII controls are C0 and DEL; no other ASCII character is unsafe.
        if scalar.isASCII { return scalar.value < 0x20 || scalar.value == 0x7F }
        switch scalar.value {
        case 0x200E, 0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return scalar.properties.generalCategory == .control
        }
    }

    private static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.isEmojiPresentation { return true }
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
