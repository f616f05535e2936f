import SluiceDiagnostics
import SluiceSpec

/// `secret-in-plain-text`: a credential written into the spec, where it ends
/// up in git history. Fires on an `env` entry whose name says it is a
/// credential and that is given a literal value, on a `secrets` name given a
/// value, and on `run` text shaped like a known credential. Messages never
/// repeat the value.
struct SecretInPlainText: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        let spec = context.spec
        let secretNames = Set(spec.secrets.map(\.name.value))
        for secret in spec.secrets {
            guard let literal = secret.literal else { continue }
            sink.emit(.secretInPlainText, at: literal.range, "secret \"\(secret.name.value)\" is given a value in the spec",
                      help: "list only its name under \"secrets\" and supply the value through env_file or the environment")
        }
        for task in spec.tasks {
            for entry in task.env where Self.isLiteral(entry.value) {
                let name = entry.name.value
                if secretNames.contains(name) {
                    sink.emit(.secretInPlainText, at: entry.value.range,
                              "env \"\(name)\" of task \"\(task.name.value)\" is declared a secret but given a literal value",
                              help: "remove the entry: secrets reach every task through the environment")
                } else if CredentialName.matches(name) {
                    sink.emit(.secretInPlainText, at: entry.value.range,
                              "env \"\(name)\" of task \"\(task.name.value)\" looks like a credential and is given a literal value",
                              help: "add \"\(name)\" to \"secrets\" and supply it through env_file or the environment")
                }
            }
            if let run = task.run, let text = run.scalar?.text {
                for match in CredentialPattern.find(in: text) {
                    let range = ScalarPositions(run, in: spec.source).range(offset: match.offset, length: match.length)
                    sink.emit(.secretInPlainText, at: range, "\"run\" of task \"\(task.name.value)\" contains what looks like \(match.kind)",
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
        let text = scalar.text.trimmingSpaces
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
