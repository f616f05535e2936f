import SluiceBasics

/// The manual entry of one rule, behind `sluice explain RULE` and
/// docs/rules.md: what it catches, the production failure it prevents, a
/// spec that makes it fire and the same spec fixed. A test lints every
/// example, so an entry cannot drift from what the check really does.
public struct RuleDoc: Sendable {
    /// One file of an example: most are a single spec; rules about several
    /// pipelines (a trigger, a duplicate id) need two linted together.
    public struct File: Sendable, Hashable {
        public var path: String
        public var text: String

        public init(_ path: String, _ text: String) {
            self.path = path
            self.text = text
        }
    }

    public var rule: Rule
    /// What the rule fires on. Prose; paragraphs are separated by a blank
    /// line, and line breaks inside a paragraph are only source layout.
    public var catches: String
    /// Why it matters: the concrete failure in production it prevents.
    public var why: String
    /// Specs linted together that make the rule fire (and nothing else).
    public var failing: [File]
    /// The same specs fixed: they lint with no diagnostic at all.
    public var fixed: [File]

    public init(_ rule: Rule, catches: String, why: String, failing: [File], fixed: [File]) {
        self.rule = rule
        self.catches = catches
        self.why = why
        self.failing = failing
        self.fixed = fixed
    }
}

extension RuleDoc {
    /// Every entry, in catalogue order (`Rule.allCases`). Entries are grouped
    /// in files by the part of the spec they check; a test fails when a rule
    /// has no entry or two.
    public static let catalogue: [RuleDoc] = {
        let entries = structureDocs + dependencyDocs + settingsDocs + contractDocs + branchDocs + hygieneDocs + runTimeDocs + checkDocs
        let order = Dictionary(uniqueKeysWithValues: Rule.allCases.enumerated().map { ($0.element, $0.offset) })
        return entries.sorted { (order[$0.rule] ?? .max) < (order[$1.rule] ?? .max) }
    }()

    /// The entry for `rule`, or nil when it has none yet.
    public static func doc(for rule: Rule) -> RuleDoc? {
        catalogue.first { $0.rule == rule }
    }

    /// The rule id closest to a mistyped one, for did-you-mean. Looser than
    /// `Spelling.suggestion`: ids are long, and `unused_output` or a
    /// transposition (`cylce`) should still find their rule.
    public static func suggestion(for id: String) -> String? {
        let typed = String(id.lowercased().map { $0 == "_" ? "-" : $0 })
        if let exact = Rule(rawValue: typed) { return exact.id }
        let limit = max(2, typed.count / 3)
        return Rule.allCases.map { (distance: Spelling.distance(typed, $0.id, limit: limit), id: $0.id) }
            .filter { $0.distance <= limit }
            .min { ($0.distance, $0.id) < ($1.distance, $1.id) }?.id
    }

    /// `catches` or `why` as paragraphs, each folded onto one line.
    public static func paragraphs(_ prose: String) -> [String] {
        var paragraphs: [String] = []
        var current: [Substring] = []
        for line in TextLines.split(prose) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.isEmpty {
                if !current.isEmpty { paragraphs.append(current.joined(separator: " ")) }
                current = []
            } else {
                current += words
            }
        }
        if !current.isEmpty { paragraphs.append(current.joined(separator: " ")) }
        return paragraphs
    }

    /// Greedy word wrap to `width` columns (a longer word gets its own line).
    /// A `code span` is never broken, so a command stays copyable.
    public static func wrap(_ paragraph: String, width: Int, indent: String = "") -> [String] {
        var words: [String] = []
        var openSpan = false
        for word in paragraph.split(separator: " ") {
            if openSpan, let last = words.popLast() { words.append(last + " " + word) } else { words.append(String(word)) }
            if word.count(where: { $0 == "`" }) % 2 == 1 { openSpan.toggle() }
        }
        var lines: [String] = []
        var line = ""
        for word in words {
            if !line.isEmpty, indent.count + line.count + 1 + word.count > width {
                lines.append(indent + line)
                line = ""
            }
            line += line.isEmpty ? String(word) : " " + word
        }
        if !line.isEmpty { lines.append(indent + line) }
        return lines
    }
}
