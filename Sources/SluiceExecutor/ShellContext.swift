import SluicePlan

/// Where in the shell's grammar a `{{ }}` reference sits, so its value can be
/// quoted for that spot. A single-quoted word is safe outside quotes, but
/// inside `"…"` or an unquoted here-document its quotes are literal and a
/// `$(…)` in the value would run; each spot gets the quoting that keeps the
/// value data there.
enum ShellContext: Equatable {
    /// Outside quotes (also inside `$(…)` and `(…)`).
    case plain
    /// Inside old-style `` `…` `` command substitution, where the shell
    /// removes one level of backslashes and ends at the first unescaped backquote.
    case backquoted
    case singleQuoted
    case doubleQuoted
    /// A here-document body; `expanding` when its delimiter was unquoted.
    case hereDocument(delimiter: String, expanding: Bool)
    case comment
    /// Inside `${…}` (or after a here-document operator whose delimiter is
    /// itself a reference): the quoting rules there are too tangled to judge,
    /// so no value goes in.
    case unknown
}

/// A small POSIX sh lexer that follows quoting, command substitution,
/// comments and here-documents through the literal text of a `run`, just
/// far enough to say which `ShellContext` a reference falls in.
struct ShellScanner {
    private enum Frame: Equatable {
        case plain(depth: Int, substitution: Bool)
        case double
        case backtick
        case hereDocument(delimiter: String, expanding: Bool, stripTabs: Bool)
        case arithmetic(depth: Int)
        case brace(depth: Int)
    }

    private var stack: [Frame] = [.plain(depth: 0, substitution: false)]
    private var inSingle = false
    private var inComment = false
    private var escaped = false
    private var atWordStart = true
    private var pending: [Frame] = []
    /// The current here-document line so far, to spot the closing delimiter.
    private var line = ""
    private var lineHasValue = false
    /// A here-document whose delimiter could not be read (a reference in it):
    /// from there on no value is safe to insert.
    private(set) var confused = false

    var context: ShellContext {
        if confused { return .unknown }
        if inSingle { return .singleQuoted }
        if inComment { return .comment }
        switch stack.last {
        case .brace?: return .unknown
        case .backtick?: return .backquoted
        case .double?: return .doubleQuoted
        case .hereDocument(let delimiter, let expanding, _)?: return .hereDocument(delimiter: delimiter, expanding: expanding)
        default: return .plain
        }
    }

    /// A value went in at the current spot.
    mutating func valueInserted() {
        atWordStart = false
        lineHasValue = true
    }

    mutating func feed(_ text: String) {
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            let next: Unicode.Scalar? = i + 1 < scalars.count ? scalars[i + 1] : nil
            i += 1
            if c == "\n" {
                newline()
                continue
            }
            line.unicodeScalars.append(c)
            if escaped { escaped = false; continue }
            if inSingle { if c == "'" { inSingle = false }; continue }
            if inComment { continue }
            switch stack.last {
            case .double?:
                switch c {
                case "\\": escaped = true
                case "\"": stack.removeLast()
                case "`": stack.append(.backtick)
                case "$": i = dollar(next, scalars, i)
                default: break
                }
            case .arithmetic(let depth)?:
                switch c {
                case "(": stack[stack.count - 1] = .arithmetic(depth: depth + 1)
                case ")":
                    if depth > 0 {
                        stack[stack.count - 1] = .arithmetic(depth: depth - 1)
                    } else {
                        stack.removeLast()
                        if next == ")" { i += 1 }
                    }
                default: break
                }
            case .brace(let depth)?:
                switch c {
                case "{": stack[stack.count - 1] = .brace(depth: depth + 1)
                case "}": if depth > 0 { stack[stack.count - 1] = .brace(depth: depth - 1) } else { stack.removeLast() }
                default: break
                }
            case .hereDocument(_, let expanding, _)?:
                guard expanding else { break }
                switch c {
                case "\\": escaped = true
                case "`": stack.append(.backtick)
                case "$": i = dollar(next, scalars, i)
                default: break
                }
            default:
                i = plain(c, next, scalars, i)
            }
        }
    }

    /// The end of a line: closes a comment, ends a here-document on its
    /// delimiter line, or starts the here-documents the line announced.
    private mutating func newline() {
        let finished = line
        let hadValue = lineHasValue
        line = ""
        lineHasValue = false
        if escaped { escaped = false; return }
        if inSingle { return }
        if inComment {
            inComment = false
            atWordStart = true
            startPendingHereDocument()
            return
        }
        switch stack.last {
        case .hereDocument(let delimiter, _, let stripTabs)?:
            let candidate = stripTabs ? String(finished.drop { $0 == "\t" }) : finished
            if !hadValue && candidate == delimiter {
                stack.removeLast()
                startPendingHereDocument()
            }
        case .double?, .backtick?:
            break
        default:
            atWordStart = true
            startPendingHereDocument()
        }
    }

    /// One character outside quotes; returns the index to go on from.
    private mutating func plain(_ c: Unicode.Scalar, _ next: Unicode.Scalar?, _ scalars: [Unicode.Scalar], _ i: Int) -> Int {
        let wasWordStart = atWordStart
        atWordStart = c == " " || c == "\t" || c == "\n" || ";&|()<>".unicodeScalars.contains(c)
        switch c {
        case "\\": escaped = true
        case "'": inSingle = true
        case "\"": stack.append(.double)
        case "`":
            if case .backtick? = stack.last { stack.removeLast() } else { stack.append(.backtick) }
        case "#" where wasWordStart: inComment = true
        case "$":
            return dollar(next, scalars, i)
        case "(":
            if case .plain(let depth, let substitution)? = stack.last { stack[stack.count - 1] = .plain(depth: depth + 1, substitution: substitution) }
        case ")":
            if case .plain(let depth, let substitution)? = stack.last {
                if depth > 0 { stack[stack.count - 1] = .plain(depth: depth - 1, substitution: substitution) } else if substitution { stack.removeLast() }
            }
        case "<" where next == "<":
            return hereDocumentOperator(scalars, i + 1)
        default: break
        }
        return i
    }

    /// After `$`: `$(` opens a command substitution, `$((` arithmetic, `${` a parameter expansion.
    private mutating func dollar(_ next: Unicode.Scalar?, _ scalars: [Unicode.Scalar], _ i: Int) -> Int {
        switch next {
        case "("?:
            if i + 1 < scalars.count, scalars[i + 1] == "(" {
                stack.append(.arithmetic(depth: 0))
                line.unicodeScalars.append(contentsOf: "((".unicodeScalars)
                return i + 2
            }
            stack.append(.plain(depth: 0, substitution: true))
        case "{"?:
            stack.append(.brace(depth: 0))
        default:
            return i
        }
        line.unicodeScalars.append(next ?? " ")
        return i + 1
    }

    /// After `<<`: reads `-`, blanks and the delimiter word, quoted or not.
    private mutating func hereDocumentOperator(_ s: [Unicode.Scalar], _ start: Int) -> Int {
        var i = start
        guard i >= s.count || s[i] != "<" else { return i + 1 }
        var stripTabs = false
        if i < s.count, s[i] == "-" { stripTabs = true; i += 1 }
        while i < s.count, s[i] == " " || s[i] == "\t" { i += 1 }
        guard i < s.count else {
            // The delimiter is a reference (or missing): nothing after this can be judged.
            confused = true
            pending.append(.hereDocument(delimiter: "", expanding: true, stripTabs: false))
            return i
        }
        var word = ""
        var quoted = false
        var quote: Unicode.Scalar? = nil
        while i < s.count {
            let c = s[i]
            if let q = quote {
                if c == q { quote = nil } else { word.unicodeScalars.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c
                quoted = true
            } else if c == "\\" {
                quoted = true
                if i + 1 < s.count { i += 1; word.unicodeScalars.append(s[i]) }
            } else if c == " " || c == "\t" || c == "\n" || ";&|()<>".unicodeScalars.contains(c) {
                break
            } else {
                word.unicodeScalars.append(c)
            }
            i += 1
        }
        if word.isEmpty { confused = true }
        pending.append(.hereDocument(delimiter: word, expanding: !quoted, stripTabs: stripTabs))
        atWordStart = false
        return i
    }

    private mutating func startPendingHereDocument() {
        guard !pending.isEmpty else { return }
        stack.append(pending.removeFirst())
    }
}

extension ValueRendering {
    /// A value's text for a spot in a command, quoted for that spot.
    static func render(_ value: JSON, type: ValueType?, in context: ShellContext) throws(RenderError) -> String {
        switch context {
        case .plain:
            return shellWords(value, type: type)
        case .backquoted:
            return escape(shellWords(value, type: type), special: "\\$`")
        case .singleQuoted:
            // Close the quotes, add the quoted words, reopen: 'a '"'"'b'… stays one string.
            return "'" + shellWords(value, type: type) + "'"
        case .doubleQuoted:
            return escape(texts(value, type: type).joined(separator: " "), special: "\\$`\"")
        case .hereDocument(let delimiter, let expanding):
            let text = texts(value, type: type).joined(separator: " ")
            if text.contains("\n"), !delimiter.isEmpty, text.contains(delimiter) {
                throw RenderError("a substituted value holds the here-document delimiter \"\(delimiter)\" on a line of its own")
            }
            return expanding ? escape(text, special: "\\$`") : text
        case .comment:
            return shellWords(value, type: type).replacingOccurrences(of: "\n", with: " ")
        case .unknown:
            throw RenderError("a reference inside ${...} (or in a here-document delimiter) cannot be quoted safely; pass it through a variable or an argument instead")
        }
    }

    /// The plain text of each word a value stands for (one, or one per list item).
    private static func texts(_ value: JSON, type: ValueType?) -> [String] {
        if case .json? = type { return [value.compact()] }
        if let items = value.arrayValue {
            if case .list(let element)? = type, case .json = element { return items.map { $0.compact() } }
            return items.map(plainText)
        }
        return [plainText(value)]
    }

    private static func escape(_ text: String, special: String) -> String {
        var out = String.UnicodeScalarView()
        let specials = Set(special.unicodeScalars)
        for scalar in text.unicodeScalars {
            if specials.contains(scalar) { out.append("\\") }
            out.append(scalar)
        }
        return String(out)
    }
}

