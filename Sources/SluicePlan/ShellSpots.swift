/// Where a `{{ }}` reference sits in a `run` command (a `/bin/sh -c` script),
/// judged from the literal text around it. Sluice substitutes a value only
/// into a spot of a small allow-list whose quoting it models exactly; every
/// other spot is `unsafe`, which lint reports (`unsafe-reference`) and the
/// executor refuses, so no value is ever read as shell code.
///
/// The allow-list, each spot with every enclosing construct a `$( )` or
/// `( )` (or the top level):
/// - `word`: outside quotes (a plain word, an assignment's value);
/// - `singleQuoted`, `doubleQuoted`: inside `'…'` or `"…"`;
/// - `comment`: after `#`;
/// - `arithmetic`: inside `$(( ))` (and bash's `(( ))`, `let`, `[[ ]]`,
///   `declare -i`), for an integer value only.
///
/// Everything else is unsafe: backquotes (the shell strips a level of
/// backslashes before parsing them), here-document bodies (a value equal to
/// the delimiter ends them), `${…}`, arithmetic for anything but an integer,
/// a reference glued to a `$` or a backslash, the arguments of `eval` and
/// `sh -c`, a variable name for `read`, `unset`, `printf -v`, `declare`,
/// `local` or `export` (bash evaluates its subscript), anything after a
/// construct this scanner does not follow (a
/// `case` pattern inside parentheses, `$'…'`, quotes inside `$(( ))`), and
/// every reference of a command whose quoting does not balance.
public enum ShellSpot: Equatable, Sendable {
    case word
    case singleQuoted
    case doubleQuoted
    case comment
    /// Arithmetic: inside `$(( ))`, or bash's `(( ))`, `let`, `[[ ]]` and
    /// `declare -i`. The shell evaluates the text as an expression, where
    /// quotes protect nothing (dash runs a `$( )` in it, bash the commands in
    /// an array subscript), so only an integer may go there.
    case arithmetic
    /// Not on the allow-list; the text says where it is, for messages.
    case unsafe(String)

    public var isUnsafe: Bool { if case .unsafe = self { true } else { false } }
}

public enum ShellSpots {
    /// The spot of each reference of a command made of `texts` with one
    /// reference between each two (so `texts.count - 1` references).
    public static func classify(_ texts: [String]) -> [ShellSpot] {
        var classifier = Classifier()
        return classifier.classify(texts)
    }

    /// `classify` of a command given as its UTF-8 bytes and the byte spans
    /// of its references in order (each `{{ ... }}` whole): the literal
    /// texts are the bytes before, between and after the spans, read in
    /// place rather than copied into `String`s. A span out of order or out
    /// of bounds is clamped to the bytes not yet read.
    public static func classify(_ command: UnsafeBufferPointer<UInt8>, around spans: UnsafeBufferPointer<Range<Int>>) -> [ShellSpot] {
        var classifier = Classifier()
        return classifier.classify(command, around: spans)
    }

    /// Classifies command after command with one scanner, reset between
    /// them rather than made anew (a check over every `run` of a spec).
    public struct Classifier {
        private var scanner = ShellScanner()
        private var used = false

        public init() {}

        /// `ShellSpots.classify(_:)`.
        public mutating func classify(_ texts: [String]) -> [ShellSpot] {
            classify(references: texts.count - 1) { scanner, literal in scanner.feed(texts[literal]) }
        }

        /// `ShellSpots.classify(_:around:)`.
        public mutating func classify(_ command: UnsafeBufferPointer<UInt8>, around spans: UnsafeBufferPointer<Range<Int>>) -> [ShellSpot] {
            var read = 0
            return classify(references: spans.count) { scanner, literal in
                let text = LiteralBytes.before(literal < spans.count ? spans[literal] : nil, from: read, count: command.count)
                scanner.feed(bytes: UnsafeBufferPointer(rebasing: command[text.literal]))
                read = text.next
            }
        }

        /// The spot of each of `references` references, `feed` giving the
        /// scanner the literal text before each of them (literal 0 ...) and
        /// then the text after the last (literal `references`).
        private mutating func classify(references: Int, feed: (inout ShellScanner, _ literal: Int) -> Void) -> [ShellSpot] {
            guard references > 0 else { return [] }
            if used { scanner.reset() }
            used = true
            var spots: [ShellSpot] = []
            spots.reserveCapacity(references)
            for literal in 0...references {
                feed(&scanner, literal)
                guard literal < references else { break }
                spots.append(scanner.spot)
                scanner.valueInserted()
            }
            if let open = scanner.finish() {
                let reason = "in a command whose quoting does not balance (it ends \(open))"
                spots = spots.map { $0.isUnsafe ? $0 : .unsafe(reason) }
            }
            return spots
        }
    }

    /// The literal texts around the references of `template`, for `classify`.
    public static func texts(of template: Template) -> [String] {
        var texts = [""]
        for segment in template.segments {
            switch segment {
            case .text(let text): texts[texts.count - 1] += text
            case .reference: texts.append("")
            }
        }
        return texts
    }
}

/// A small POSIX sh lexer that follows quoting, command substitution,
/// arithmetic, comments and here-documents through the literal text of a
/// `run`, far enough to say which `ShellSpot` a reference falls in. Where it
/// meets something it does not follow, it stops judging (`lost`): every
/// later spot is unsafe.
///
/// It reads UTF-8 bytes, as the shell does: every character it tells apart
/// is ASCII, and no byte of a multi-byte character is (they are all 0x80 or
/// above), so no character is split or mistaken for another. Words and
/// here-document lines are kept as bytes and compared byte for byte, as sh
/// compares them.
struct ShellScanner {
    private enum Frame: Equatable {
        /// Outside quotes: the top level, or inside `$( )` (`substitution`);
        /// `depth` counts the `( )` open inside it.
        case plain(depth: Int, substitution: Bool)
        case double
        case backtick
        case hereDocument(delimiter: [UInt8], expanding: Bool, stripTabs: Bool)
        case arithmetic(depth: Int)
        case brace(depth: Int)
    }

    /// The simple command being read in a `plain` or `backtick` frame,
    /// word by word: enough to see `eval`, `sh -c` and `case`.
    private struct Command {
        /// The program was read: the first word that is not an assignment
        /// or a reserved word (literal text or not).
        var hasProgram = false
        /// The command (or one around it) hands its arguments to a shell again.
        var evaluates = false
        /// bash evaluates the arguments as arithmetic: `let`, `[[ ]]`, `declare -i`.
        var integerOnly = false
        /// The arguments name variables, whose subscripts bash evaluates:
        /// `read`, `unset`, `printf -v` …
        var namesVariables = false
        /// `declare`, `local`, `export` …: an argument without `=` is a name.
        var declares = false
        /// `evaluates` of the command around this one, when it was opened.
        var inherited = false
        /// The current word's unquoted literal characters, as UTF-8 (its
        /// buffer is kept from word to word).
        var word: [UInt8] = []
        /// The word holds nothing but unquoted literal characters.
        var wordIsLiteral = true
        var inWord = false
        /// Bytes of the current word were left out of `word`, as it cannot
        /// be `case`: once the program is read and is none of the listed
        /// names, a later word's bytes are only ever asked whether they are
        /// `case`, which a word longer than four bytes or starting with
        /// another byte is not. Keeping every argument's bytes was a tenth
        /// of `unsafe-reference` on a large spec.
        private var wordIsNotCase = false

        static let prefixes: Set<String> = ["if", "then", "else", "elif", "do", "while", "until", "!", "{", "time",
                                            "command", "exec", "builtin", "nohup", "env"]
        static let shells: Set<String> = ["sh", "bash", "dash", "ksh", "zsh", "ash", "mksh", "yash", "busybox"]
        static let arithmetic: Set<String> = ["let", "[["]
        static let naming: Set<String> = ["read", "unset", "mapfile", "readarray", "getopts"]
        static let declaring: Set<String> = ["declare", "typeset", "local", "export", "readonly"]

        init(inherited: Bool = false) { self.inherited = inherited }

        /// A top-level command whose word goes into `word` (empty, its capacity reused).
        init(word: [UInt8]) { self.word = word }

        /// What the program's name says about its options, found once when
        /// the program is read rather than at every later word: it is a
        /// shell (`-c` makes its arguments code), declares (`-i` makes them
        /// integers), or is `printf` (`-v` names a variable).
        private var programIsShell = false, programDeclares = false, programIsPrintf = false

        /// The current word is the literal text `case`.
        var wordIsCase: Bool {
            inWord && wordIsLiteral && !wordIsNotCase && word.count == 4 && word.elementsEqual("case".utf8)
        }

        /// Literal bytes of the current word, kept in `word` while anything may read them.
        mutating func appendToWord(_ bytes: UnsafeBufferPointer<UInt8>) {
            let onlyCaseIsAsked = hasProgram && !programIsShell && !programDeclares && !programIsPrintf
            if onlyCaseIsAsked && (wordIsNotCase || word.count + bytes.count > 4 || (word.first ?? bytes.first) != UInt8(ascii: "c")) {
                wordIsNotCase = true
            } else {
                word.append(contentsOf: bytes)
            }
        }

        /// The current word ends.
        mutating func endWord() {
            defer {
                if !word.isEmpty { word.removeAll(keepingCapacity: true) }
                wordIsLiteral = true
                wordIsNotCase = false
                inWord = false
            }
            guard inWord else { return }
            let dash = UInt8(ascii: "-")
            if hasProgram {
                let option = wordIsLiteral && word.first == dash && word.dropFirst().first != dash
                // `sh -c`, `bash -ec`: an option cluster holding c makes the rest code.
                if programIsShell, option, word.contains(UInt8(ascii: "c")) { evaluates = true }
                if programDeclares, option, word.contains(UInt8(ascii: "i")) { integerOnly = true }
                if programIsPrintf, wordIsLiteral, word.elementsEqual("-v".utf8) { namesVariables = true }
            } else if !word.contains(UInt8(ascii: "=")) {
                if wordIsLiteral, Self.mayBeListed(word[...]), Self.prefixes.contains(String(decoding: word, as: UTF8.self)) { return }
                hasProgram = true
                // A program that is not literal text is none of the listed names. The name is
                // made a `String` (for the sets) only when its shape may be listed: most are not.
                let nameBytes = wordIsLiteral ? Self.commandName(word) : []
                guard Self.mayBeListed(nameBytes) else { return }
                let name = String(decoding: nameBytes, as: UTF8.self)
                programIsShell = Self.shells.contains(name)
                programDeclares = Self.declaring.contains(name)
                programIsPrintf = name == "printf"
                evaluates = name == "eval"
                integerOnly = Self.arithmetic.contains(name)
                namesVariables = Self.naming.contains(name)
                declares = programDeclares
            }
        }

        /// Whether `name` (UTF-8) may be one of the names above (or `printf`,
        /// `eval`): false when no listed name has its length and first byte.
        /// Nearly every program (`python3`, `cp`) is told apart so, without
        /// making a `String` of it and hashing it into five sets, which was a
        /// fifth of this check on a large spec; a name that passes is looked
        /// up in the sets.
        static func mayBeListed(_ name: ArraySlice<UInt8>) -> Bool {
            // "" is in no set; a shape the table does not cover goes to the sets.
            guard let first = name.first else { return false }
            guard name.count < shapeLengths, first < 128 else { return true }
            return listedShapes[name.count * 128 + Int(first)]
        }

        /// The table covers names shorter than this, starting with an ASCII byte.
        private static let shapeLengths = 16

        /// By length × 128 + first byte: whether a listed name has that shape.
        /// Made from the sets themselves, so the two cannot disagree.
        private static let listedShapes: [Bool] = {
            var shapes = [Bool](repeating: false, count: shapeLengths * 128)
            for name in prefixes.union(shells).union(arithmetic).union(naming).union(declaring).union(["printf", "eval"]) {
                let utf8 = name.utf8
                guard let first = utf8.first, utf8.count < shapeLengths, first < 128 else { continue }
                shapes[utf8.count * 128 + Int(first)] = true
            }
            return shapes
        }()

        /// The last part of a program's path, `/usr/bin/env` → `env`: the
        /// last piece between slashes that is not empty (the whole word when
        /// there is none). Most words hold no slash and are their own name.
        static func commandName(_ word: [UInt8]) -> ArraySlice<UInt8> {
            let slash = UInt8(ascii: "/")
            guard let end = word.lastIndex(where: { $0 != slash }) else { return word[...] }
            let start = word[..<end].lastIndex(of: slash).map { $0 + 1 } ?? word.startIndex
            return word[start...end]
        }

        mutating func endCommand() {
            endWord()
            hasProgram = false
            programIsShell = false
            programDeclares = false
            programIsPrintf = false
            evaluates = false
            integerOnly = false
            namesVariables = false
            declares = false
        }
    }

    // No field has a default value: `init()` sets every one, and `reset`
    // must set every one too (`ShellSpotsClassifierTests` compares reset scanners with new ones).
    private var stack: [Frame]
    /// How many frames of each kind `stack` holds, so a spot is judged
    /// without walking it.
    private var backticks: Int, hereDocuments: Int, braces: Int, arithmetics: Int
    /// One per `plain` or `backtick` frame in `stack`, innermost last.
    private var commands: [Command]
    private var inSingle: Bool
    private var inComment: Bool
    private var escaped: Bool
    private var atWordStart: Bool
    /// The last character read was an unescaped `$` outside single quotes.
    private var afterDollar: Bool
    private var pending: [Frame]
    /// The current here-document line so far, to spot the closing delimiter.
    private var line: [UInt8]
    private var lineHasValue: Bool
    /// Why the scanner stopped following the text; from there on no spot is safe.
    private(set) var lost: String?

    init() {
        stack = [.plain(depth: 0, substitution: false)]
        backticks = 0
        hereDocuments = 0
        braces = 0
        arithmetics = 0
        commands = [Command()]
        inSingle = false
        inComment = false
        escaped = false
        atWordStart = true
        afterDollar = false
        pending = []
        line = []
        lineHasValue = false
        lost = nil
    }

    /// Back to the state of a new scanner, for the next command, keeping
    /// its arrays' storage (and the top-level word buffer) rather than
    /// freeing them and allocating new ones: `unsafe-reference` scans every
    /// `run` of a spec, and a new scanner's allocations and their release
    /// were about a sixth of it.
    mutating func reset() {
        // Each array emptied only when it is not already as new: after a
        // command whose quoting balanced (nearly all), the stack holds the
        // top-level frame alone and one command is open.
        if stack.count != 1 || stack[0] != .plain(depth: 0, substitution: false) {
            stack.removeAll(keepingCapacity: true)
            stack.append(.plain(depth: 0, substitution: false))
        }
        backticks = 0
        hereDocuments = 0
        braces = 0
        arithmetics = 0
        var word: [UInt8] = []
        if !commands.isEmpty { swap(&word, &commands[0].word) }
        word.removeAll(keepingCapacity: true)
        if commands.count != 1 {
            commands.removeAll(keepingCapacity: true)
            commands.append(Command(word: word))
        } else {
            commands[0] = Command(word: word)
        }
        inSingle = false
        inComment = false
        escaped = false
        atWordStart = true
        afterDollar = false
        if !pending.isEmpty { pending.removeAll(keepingCapacity: true) }
        if !line.isEmpty { line.removeAll(keepingCapacity: true) }
        lineHasValue = false
        lost = nil
    }

    var spot: ShellSpot {
        if let lost { return .unsafe(lost) }
        if escaped { return .unsafe("right after a backslash, which would escape the value's first character") }
        if afterDollar { return .unsafe("right after a \"$\", which would read the value's first character as an expansion") }
        if backticks > 0 {
            return .unsafe("inside `…` command substitution, where the shell removes a level of backslashes before parsing the value")
        }
        if hereDocuments > 0 { return .unsafe("in a here-document body, which a value holding the delimiter line would end early") }
        if braces > 0 { return .unsafe("inside ${…}") }
        if arithmetics > 0 { return .arithmetic }
        // A comment is never evaluated, whatever command it follows.
        if inComment { return .comment }
        if let command = commands.last {
            if command.evaluates || command.inherited {
                return .unsafe("in a command that evaluates its arguments as shell code again (eval, sh -c)")
            }
            if command.namesVariables {
                return .unsafe("in a command whose arguments name variables (read, unset, printf -v …), where bash evaluates a subscript")
            }
            if command.integerOnly { return .arithmetic }
            if command.declares, !command.word.contains(UInt8(ascii: "=")) {
                return .unsafe("as a variable name in declare, local or export, where bash evaluates a subscript")
            }
        }
        if inSingle { return .singleQuoted }
        if case .double? = stack.last { return .doubleQuoted }
        return .word
    }

    /// A value went in at the current spot.
    mutating func valueInserted() {
        atWordStart = false
        lineHasValue = true
        afterDollar = false
        if !inSingle, !inComment, case .plain? = stack.last, !commands.isEmpty {
            commands[commands.count - 1].inWord = true
            commands[commands.count - 1].wordIsLiteral = false
        }
    }

    /// The end of the command: nil when everything opened was closed, else
    /// where the text was left (for a message).
    mutating func finish() -> String? {
        feed("\n")
        if let lost { return lost }
        if inSingle { return "inside '…'" }
        if escaped { return "with a backslash" }
        if !pending.isEmpty { return "before a here-document's body" }
        guard stack.count == 1, case .plain(0, false)? = stack.last else {
            switch stack.last {
            case .double?: return "inside \"…\""
            case .backtick?: return "inside `…`"
            case .hereDocument?: return "inside a here-document"
            case .arithmetic?: return "inside $(( ))"
            case .brace?: return "inside ${…}"
            default: return "inside ( )"
            }
        }
        return nil
    }

    mutating func feed(_ text: String) {
        var text = text
        text.withUTF8 { feed(bytes: $0) }
    }

    mutating func feed(bytes: UnsafeBufferPointer<UInt8>) {
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            let next: UInt8? = i + 1 < bytes.count ? bytes[i + 1] : nil
            i += 1
            let wasAfterDollar = afterDollar
            afterDollar = false
            if c == UInt8(ascii: "\n") {
                newline()
                continue
            }
            // Only a here-document body's line is ever compared (with its
            // delimiter, in `newline`), and here-documents open only at a line
            // break: outside one the line need not be kept.
            if hereDocuments > 0 { line.append(c) }
            if escaped { escaped = false; continue }
            if inSingle { if c == UInt8(ascii: "'") { inSingle = false }; continue }
            if inComment { continue }
            if Self.isWordByte(c), case .plain? = stack.last {
                i = plainWord(from: i - 1, bytes)
                continue
            }
            switch stack.last {
            case .double?:
                switch c {
                case UInt8(ascii: "\\"): escaped = true
                case UInt8(ascii: "\""): pop()
                case UInt8(ascii: "`"): push(.backtick)
                case UInt8(ascii: "$"): i = dollar(next, bytes, i)
                default: break
                }
            case .arithmetic(let depth)?:
                switch c {
                case UInt8(ascii: "("): stack[stack.count - 1] = .arithmetic(depth: depth + 1)
                case UInt8(ascii: ")"):
                    if depth > 0 {
                        stack[stack.count - 1] = .arithmetic(depth: depth - 1)
                    } else {
                        pop()
                        if next == UInt8(ascii: ")") { i += 1 }
                    }
                case UInt8(ascii: "$"): i = dollar(next, bytes, i)
                case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "`"):
                    lose("after a quote, backslash or backquote inside $(( )), which this check does not follow")
                default: break
                }
            case .brace(let depth)?:
                switch c {
                case UInt8(ascii: "{"): stack[stack.count - 1] = .brace(depth: depth + 1)
                case UInt8(ascii: "}"): if depth > 0 { stack[stack.count - 1] = .brace(depth: depth - 1) } else { pop() }
                case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "`"), UInt8(ascii: "$"):
                    lose("after a quote, backslash or expansion inside ${…}, which this check does not follow")
                default: break
                }
            case .hereDocument(_, let expanding, _)?:
                guard expanding else { break }
                switch c {
                case UInt8(ascii: "\\"): escaped = true
                case UInt8(ascii: "`"): push(.backtick)
                case UInt8(ascii: "$"): i = dollar(next, bytes, i)
                default: break
                }
            default:
                i = plain(c, next, bytes, i, afterDollar: wasAfterDollar)
            }
        }
    }

    private mutating func lose(_ why: String) {
        if lost == nil { lost = why }
    }

    private mutating func push(_ frame: Frame) {
        stack.append(frame)
        switch frame {
        case .plain, .backtick:
            let around = commands.last.map { $0.evaluates || $0.inherited } ?? false
            commands.append(Command(inherited: around))
            if case .backtick = frame { backticks += 1 }
        case .hereDocument: hereDocuments += 1
        case .brace: braces += 1
        case .arithmetic: arithmetics += 1
        case .double: break
        }
    }

    private mutating func pop() {
        guard stack.count > 1, let frame = stack.popLast() else { return }
        switch frame {
        case .plain, .backtick:
            if commands.count > 1 { commands.removeLast() }
            if case .backtick = frame { backticks -= 1 }
        case .hereDocument: hereDocuments -= 1
        case .brace: braces -= 1
        case .arithmetic: arithmetics -= 1
        case .double: break
        }
    }

    /// The end of a line: closes a comment, ends a here-document on its
    /// delimiter line, or starts the here-documents the line announced.
    private mutating func newline() {
        let finished = line
        let hadValue = lineHasValue
        line = []
        lineHasValue = false
        if escaped { escaped = false; return }
        if inSingle { return }
        if inComment {
            inComment = false
            atWordStart = true
            endCommand()
            startPendingHereDocument()
            return
        }
        switch stack.last {
        case .hereDocument(let delimiter, _, let stripTabs)?:
            let candidate = stripTabs ? finished.drop { $0 == UInt8(ascii: "\t") } : finished[...]
            if !hadValue && candidate.elementsEqual(delimiter) {
                pop()
                // The line after the body starts a command, like any line.
                atWordStart = true
                startPendingHereDocument()
            }
        case .double?, .backtick?, .arithmetic?, .brace?:
            break
        default:
            atWordStart = true
            endCommand()
            startPendingHereDocument()
        }
    }

    private mutating func endCommand() {
        guard !commands.isEmpty else { return }
        noteWordEnd()
        commands[commands.count - 1].endCommand()
    }

    /// The current word ends; `case` inside parentheses makes the scanner
    /// lose track, since a pattern's `)` does not close anything.
    private mutating func noteWordEnd() {
        guard !commands.isEmpty else { return }
        let endsCase = commands[commands.count - 1].wordIsCase
        commands[commands.count - 1].endWord()
        if endsCase, isNested {
            lose("after a case pattern inside $( ) or ( ), whose \")\" this check does not follow")
        }
    }

    private var isNested: Bool {
        stack.count > 1 || stack.last != .plain(depth: 0, substitution: false)
    }

    /// Whether `c` outside quotes is always part of a plain word, whatever
    /// comes before it: not a separator, operator, quote, escape, expansion,
    /// line break or `#` (a comment at a word's start).
    private static func isWordByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "\n"), UInt8(ascii: ";"), UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "("),
             UInt8(ascii: ")"), UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "<"), UInt8(ascii: ">"),
             UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "$"),
             UInt8(ascii: "#"):
            return false
        default:
            return true
        }
    }

    /// The run of word bytes (`isWordByte`) starting at `start` in a `plain`
    /// frame, taken at once: what `plain` does for each of them (the word
    /// goes on, nothing opens or closes), without a call and a switch per
    /// byte, which made this the costliest loop of `unsafe-reference`.
    /// Returns the index after the run.
    private mutating func plainWord(from start: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var end = start + 1
        while end < bytes.count, Self.isWordByte(bytes[end]) { end += 1 }
        let run = UnsafeBufferPointer(rebasing: bytes[start..<end])
        // `feed` kept the run's first byte in the here-document line already.
        if hereDocuments > 0 { line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[(start + 1)..<end])) }
        atWordStart = false
        afterDollar = false
        if !commands.isEmpty {
            commands[commands.count - 1].inWord = true
            commands[commands.count - 1].appendToWord(run)
        }
        return end
    }

    /// One character outside quotes; returns the index to go on from.
    private mutating func plain(_ c: UInt8, _ next: UInt8?, _ bytes: UnsafeBufferPointer<UInt8>, _ i: Int,
                                afterDollar wasAfterDollar: Bool) -> Int {
        let wasWordStart = atWordStart
        let separates: Bool, endsCommand: Bool
        switch c {
        case UInt8(ascii: ";"), UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "("), UInt8(ascii: ")"):
            (separates, endsCommand) = (true, true)
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "<"), UInt8(ascii: ">"):
            (separates, endsCommand) = (true, false)
        default: (separates, endsCommand) = (false, false)
        }
        atWordStart = separates
        if separates {
            if endsCommand { endCommand() } else { noteWordEnd() }
        } else if !commands.isEmpty {
            commands[commands.count - 1].inWord = true
            switch c {
            case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "$"):
                commands[commands.count - 1].wordIsLiteral = false
            default:
                commands[commands.count - 1].word.append(c)
            }
        }
        switch c {
        case UInt8(ascii: "\\"): escaped = true
        case UInt8(ascii: "'"):
            if wasAfterDollar { lose("after $'…' quoting, which this check does not follow") }
            inSingle = true
        case UInt8(ascii: "\""): push(.double)
        case UInt8(ascii: "`"):
            if case .backtick? = stack.last { pop() } else { push(.backtick) }
        case UInt8(ascii: "#") where wasWordStart: inComment = true
        case UInt8(ascii: "$"):
            return dollar(next, bytes, i)
        case UInt8(ascii: "("):
            if next == UInt8(ascii: "("), wasWordStart {
                // bash's `(( ))` arithmetic command (in dash, two subshells): judged as arithmetic.
                push(.arithmetic(depth: 0))
                return i + 1
            }
            if case .plain(let depth, let substitution)? = stack.last { stack[stack.count - 1] = .plain(depth: depth + 1, substitution: substitution) }
        case UInt8(ascii: ")"):
            if case .plain(let depth, let substitution)? = stack.last {
                if depth > 0 { stack[stack.count - 1] = .plain(depth: depth - 1, substitution: substitution) } else if substitution { pop() }
            }
        case UInt8(ascii: "<") where next == UInt8(ascii: "<"):
            return hereDocumentOperator(bytes, i + 1)
        default: break
        }
        return i
    }

    /// After `$`: `$(` opens a command substitution, `$((` arithmetic, `${` a
    /// parameter expansion; anything else is remembered for the next character.
    private mutating func dollar(_ next: UInt8?, _ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        switch next {
        case UInt8(ascii: "(")?:
            if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "(") {
                push(.arithmetic(depth: 0))
                if hereDocuments > 0 { line.append(contentsOf: "((".utf8) }
                return i + 2
            }
            push(.plain(depth: 0, substitution: true))
        case UInt8(ascii: "{")?:
            push(.brace(depth: 0))
        case UInt8(ascii: "[")?:
            lose("after bash's $[ ] arithmetic, which this check does not follow")
            return i
        default:
            afterDollar = true
            return i
        }
        if hereDocuments > 0 { line.append(next ?? UInt8(ascii: " ")) }
        return i + 1
    }

    /// After `<<`: reads `-`, blanks and the delimiter word, quoted or not.
    private mutating func hereDocumentOperator(_ s: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var i = start
        guard i >= s.count || s[i] != UInt8(ascii: "<") else { return i + 1 }
        var stripTabs = false
        if i < s.count, s[i] == UInt8(ascii: "-") { stripTabs = true; i += 1 }
        while i < s.count, s[i] == UInt8(ascii: " ") || s[i] == UInt8(ascii: "\t") { i += 1 }
        var word: [UInt8] = []
        var quoted = false
        var quote: UInt8? = nil
        while i < s.count {
            let c = s[i]
            if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
            } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                quote = c
                quoted = true
            } else if c == UInt8(ascii: "\\") {
                quoted = true
                if i + 1 < s.count { i += 1; word.append(s[i]) }
            } else if Self.endsDelimiter(c) {
                break
            } else if c == UInt8(ascii: "$") || c == UInt8(ascii: "`") {
                lose("after a here-document delimiter with an expansion in it, which this check does not follow")
                word.append(c)
            } else {
                word.append(c)
            }
            i += 1
        }
        // A delimiter that is a reference, or ends the text, cannot be read.
        if word.isEmpty || i >= s.count || quote != nil {
            lose("after a here-document whose delimiter is not literal text")
        }
        pending.append(.hereDocument(delimiter: word, expanding: !quoted, stripTabs: stripTabs))
        atWordStart = false
        if !commands.isEmpty { commands[commands.count - 1].inWord = false }
        return i
    }

    /// A blank, a line break or an operator character ends an unquoted here-document delimiter.
    private static func endsDelimiter(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: ";"), UInt8(ascii: "&"),
             UInt8(ascii: "|"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"):
            return true
        default:
            return false
        }
    }

    private mutating func startPendingHereDocument() {
        guard !pending.isEmpty else { return }
        push(pending.removeFirst())
    }
}

extension Reference {
    /// The reference as a spec writes it: `{{ params.a.b }}`, `{{ task.output }}`.
    public var written: String {
        let path: String
        switch self {
        case .param(let keys): path = (["params"] + keys).joined(separator: ".")
        case .output(let output): path = output.dotted
        case .item: path = "item"
        case .itemField(let fields): path = (["item"] + fields).joined(separator: ".")
        case .index: path = "index"
        case .runID: path = "run.id"
        case .runDate: path = "run.date"
        }
        return "{{ \(path) }}"
    }
}
