import SluiceDiagnostics
import SluiceSpec

/// `secret-in-plain-text`: a credential written into the spec, where it ends
/// up in git history. Fires on an `env` entry whose name says it is a
/// credential and that is given a literal value, on a `secrets` name given a
/// value, and on `run` text shaped like a known credential. Messages never
/// repeat the value.
struct SecretInPlainText: SpecCheck {
    func check(_ context: SpecContext, into sink: inout DiagnosticSink) {
        let spec = context.spec
        let secretNames = Set(spec.secrets.map(\.name.value))
        for secret in spec.secrets {
            guard let literal = secret.literal else { continue }
            sink.emit(.secretInPlainText, at: literal.range, "secret \"\(secret.name.value)\" is given a value in the spec",
                      help: "list only its name under \"secrets\" and supply the value through env_file or the environment")
        }
        // By index: `for task in tasks` would copy every task, with all its fields.
        let tasks = spec.tasks
        for t in tasks.indices {
            for entry in tasks[t].env where Self.isLiteral(entry.value) {
                let name = entry.name.value
                if secretNames.contains(name) {
                    sink.emit(.secretInPlainText, at: entry.value.range,
                              "env \"\(name)\" of task \"\(tasks[t].name.value)\" is declared a secret but given a literal value",
                              help: "remove the entry: secrets reach every task through the environment")
                } else if CredentialName.matches(name) {
                    sink.emit(.secretInPlainText, at: entry.value.range,
                              "env \"\(name)\" of task \"\(tasks[t].name.value)\" looks like a credential and is given a literal value",
                              help: "add \"\(name)\" to \"secrets\" and supply it through env_file or the environment")
                }
            }
            // The text alone: copying the `run` node for every task showed in profiles.
            if let text = tasks[t].run?.scalar?.text {
                for match in CredentialPattern.find(in: text) {
                    guard let run = tasks[t].run else { continue }
                    let range = ScalarPositions(run, in: spec.source).range(offset: match.offset, length: match.length)
                    sink.emit(.secretInPlainText, at: range, "\"run\" of task \"\(tasks[t].name.value)\" contains what looks like \(match.kind)",
                              help: "declare it under \"secrets\" and read it from the environment (e.g. \"$NAME\")")
                }
            }
        }
    }

    /// A value written out in the spec, as opposed to a reference (`{{ ... }}`,
    /// `$VAR`, `${VAR}`) or a flag-like boolean/null.
    static func isLiteral(_ node: YAMLNode) -> Bool {
        guard let scalar = node.scalar else { return false }
        switch scalar.resolved {
        case .null, .bool: return false
        default: break
        }
        var text = scalar.text
        return text.withUTF8 { bytes in
            TextBytes.isSingleByteCharacters(bytes) ? isLiteral(ascii: bytes) : isLiteral(characters: scalar.text)
        }
    }

    private static func isLiteral(ascii bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else { return false }
        let text = bytes[first...last]
        let open = UInt8(ascii: "{"), close = UInt8(ascii: "}")
        if text.count >= 2, text[first] == open, text[first + 1] == open, text[last] == close, text[last - 1] == close { return false }
        return text[first] != UInt8(ascii: "$")
    }

    private static func isLiteral(characters text: String) -> Bool {
        let text = text.trimmingSpaces
        if text.isEmpty { return false }
        if text.hasPrefix("{{") && text.hasSuffix("}}") { return false }
        if text.hasPrefix("$") { return false }
        return true
    }
}

/// Environment variable names that say they hold a credential.
enum CredentialName {
    static let words = ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL"]
    static let keyWords: Set<String> = ["KEY", "KEYS", "APIKEY", "ACCESSKEY", "SECRETKEY", "PRIVATEKEY"]
    /// A trailing token that makes the value a locator, not the credential itself.
    static let locatorSuffixes: Set<String> = ["FILE", "PATH", "DIR", "NAME", "URL", "ID", "HEADER", "FIELD", "COLUMN", "ENV", "VAR"]

    static func matches(_ name: String) -> Bool {
        var text = name
        return text.withUTF8 { bytes in
            // Env names are identifiers, so always ASCII: no need to build tokens as strings.
            TextBytes.isSingleByteCharacters(bytes) ? matches(ascii: bytes) : matches(characters: name)
        }
    }

    /// The same test on ASCII: tokens are runs of letters and digits, compared upper-cased.
    private static func matches(ascii name: UnsafeBufferPointer<UInt8>) -> Bool {
        var anyCredential = false
        var last: Range<Int>?
        var start = 0
        for end in 0...name.count where end == name.count || !isAlphanumeric(name[end]) {
            defer { start = end + 1 }
            guard end > start else { continue }
            let token = UnsafeBufferPointer(rebasing: name[start..<end])
            last = start..<end
            if !anyCredential {
                anyCredential = keyWordBytes.contains { equalUppercased(token, $0) }
                    || wordBytes.contains { hasPrefixUppercased(token, $0) || hasSuffixUppercased(token, $0) }
            }
        }
        guard let last else { return false }
        let lastToken = UnsafeBufferPointer(rebasing: name[last])
        guard !locatorSuffixBytes.contains(where: { equalUppercased(lastToken, $0) }) else { return false }
        return anyCredential
    }

    private static let wordBytes = words.map { Array($0.utf8) }
    private static let keyWordBytes = keyWords.map { Array($0.utf8) }
    private static let locatorSuffixBytes = locatorSuffixes.map { Array($0.utf8) }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    private static func uppercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte
    }

    /// `token`, upper-cased, equals `word` (which is upper case) from `offset` on.
    private static func matchesUppercased(_ token: UnsafeBufferPointer<UInt8>, at offset: Int, _ word: [UInt8]) -> Bool {
        guard offset >= 0, offset + word.count <= token.count else { return false }
        for k in word.indices where uppercased(token[offset + k]) != word[k] { return false }
        return true
    }

    private static func equalUppercased(_ token: UnsafeBufferPointer<UInt8>, _ word: [UInt8]) -> Bool {
        token.count == word.count && matchesUppercased(token, at: 0, word)
    }

    private static func hasPrefixUppercased(_ token: UnsafeBufferPointer<UInt8>, _ word: [UInt8]) -> Bool {
        matchesUppercased(token, at: 0, word)
    }

    private static func hasSuffixUppercased(_ token: UnsafeBufferPointer<UInt8>, _ word: [UInt8]) -> Bool {
        matchesUppercased(token, at: token.count - word.count, word)
    }

    private static func matches(characters name: String) -> Bool {
        let tokens = name.uppercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
        guard let last = tokens.last, !locatorSuffixes.contains(last) else { return false }
        return tokens.contains { token in
            keyWords.contains(token) || words.contains { token.hasPrefix($0) || token.hasSuffix($0) }
        }
    }
}

extension String {
    var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
