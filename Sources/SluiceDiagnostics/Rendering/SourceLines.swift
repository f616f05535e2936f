/// A file's text split into lines once, so rendering many diagnostics in one
/// file never re-scans it. Lines break where libyaml breaks them (`\n`, `\r\n`,
/// `\r`, NEL, LS, PS), so line numbers agree with the front end's marks.
struct SourceLines {
    /// The file's scalars, held once: a line is handed out as a slice, so a
    /// long line with thousands of diagnostics is not copied for each.
    private let scalars: [Unicode.Scalar]
    private var lines: [Range<Int>] = []

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
        var start = 0, index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let next = index + 1
            guard Self.isBreak(scalar) else { index = next; continue }
            lines.append(start..<index)
            // `\r\n` is one break, not two.
            if scalar == "\r", next < scalars.count, scalars[next] == "\n" {
                index = next + 1
            } else {
                index = next
            }
            start = index
        }
        lines.append(start..<scalars.count)
    }

    /// The scalars of 1-based line `number`, without its line break; nil
    /// when the file has no such line.
    func line(_ number: Int) -> ArraySlice<Unicode.Scalar>? {
        guard number >= 1, number <= lines.count else { return nil }
        return scalars[lines[number - 1]]
    }

    private static func isBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }
}

/// Per-file line caches for one rendering pass: each file's text is fetched
/// and split at most once, however many diagnostics point into it.
struct SourceCache {
    private var files: [String: SourceLines?] = [:]

    mutating func line(_ number: Int, of file: String, source: (String) -> String?) -> ArraySlice<Unicode.Scalar>? {
        if let cached = files[file] { return cached?.line(number) }
        let lines = source(file).map(SourceLines.init)
        files[file] = .some(lines)
        return lines?.line(number)
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
