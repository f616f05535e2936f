import SluicePlan

/// Replaces every occurrence of a secret's value with `***` in what the
/// executor writes: task logs, journal lines, outputs, messages, the terminal.
/// Values are matched as bytes, longest first, so one secret that contains
/// another is masked whole.
///
/// A secret must not escape in a form Sluice derives from it either, so the
/// masker also matches each value as Sluice escapes or quotes it (JSON,
/// shell quoting: `derivedForms`), and text is masked *before* it is
/// shortened (`shortened`, `quoted`): a cut secret no longer matches, so
/// every place that shortens a value for a message goes through here.
public struct SecretMasker: Sendable {
    public static let mask = "***"
    /// For the few messages written before a run's secrets are known (a run
    /// id or date from the command line, upstream values that arrive masked).
    public static let noSecrets = SecretMasker(values: [])
    let secrets: [[UInt8]]
    private let firstBytes: [Bool]
    let longest: Int

    /// Empty values are ignored (masking "" would mean masking everything).
    public init(values: [String]) {
        let unique = Set(values.filter { !$0.isEmpty }.flatMap(Self.derivedForms).map { Array($0.utf8) })
        secrets = unique.sorted { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }
        var first = Array(repeating: false, count: 256)
        for secret in secrets { first[Int(secret[0])] = true }
        firstBytes = first
        longest = secrets.first?.count ?? 0
    }

    /// A value and the forms Sluice writes it in: inside a JSON string
    /// (records, messages), backslash-escaped inside `"…"`, backquotes or a
    /// here-document, and inside single quotes with each `'` closed and
    /// reopened (a rendered command). Identical forms collapse in `init`.
    static func derivedForms(_ value: String) -> [String] {
        let json = JSON.string(value).compact()
        return [
            value,
            String(json.dropFirst().dropLast()),
            backslashed(value, before: "\\\"$`"),
            backslashed(value, before: "\\$`"),
            value.replacingOccurrences(of: "'", with: #"'"'"'"#),
            value.replacingOccurrences(of: "'", with: #"'\''"#),
        ]
    }

    private static func backslashed(_ text: String, before specials: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if specials.unicodeScalars.contains(scalar) { out.append("\\") }
            out.append(scalar)
        }
        return String(out)
    }

    public var isEmpty: Bool { secrets.isEmpty }

    public func mask(_ text: String) -> String {
        guard !isEmpty else { return text }
        var stream = Stream(masker: self)
        var out = stream.feed(Array(text.utf8))
        out += stream.finish()
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` masked, then cut to `limit` characters (`…` marks the cut):
    /// masking first, because a cut secret is no longer recognisable.
    public func shortened(_ text: String, limit: Int) -> String {
        let masked = mask(text)
        // No more characters than UTF-8 bytes: most texts are decided without counting their characters.
        guard masked.utf8.count > limit, masked.count > limit else { return masked }
        return String(masked.prefix(max(0, limit - 1))) + "…"
    }

    /// A value for a message: masked, cut to `limit` characters so a huge
    /// value cannot flood the log, then quoted and escaped as a JSON string.
    public func quoted(_ text: String, limit: Int = 80) -> String {
        let masked = mask(text)
        let shown = masked.count > limit ? String(masked.prefix(limit)) + "…" : masked
        return JSON.string(shown).compact()
    }

    /// A JSON value for a message: its strings masked before it is written
    /// as JSON (which escapes them), then shortened and quoted as `quoted`.
    public func quoted(_ value: JSON, limit: Int = 80) -> String {
        quoted(mask(value).compact(), limit: limit)
    }

    /// Masks every string inside a JSON value (keys too).
    public func mask(_ value: JSON) -> JSON {
        guard !isEmpty else { return value }
        switch value {
        case .string(let s): return .string(mask(s))
        case .array(let items): return .array(items.map { mask($0) })
        case .object(let members): return .object(members.map { (mask($0.0), mask($0.1)) })
        default: return value
        }
    }

    /// Masking across chunk boundaries: bytes that could be the start of a
    /// secret are held back until the next chunk shows whether they are.
    public struct Stream: Sendable {
        let masker: SecretMasker
        private var carry: [UInt8] = []

        public init(masker: SecretMasker) { self.masker = masker }

        public mutating func feed(_ chunk: [UInt8]) -> [UInt8] {
            let buffer = carry.isEmpty ? chunk : carry + chunk
            carry = []
            return scan(buffer, final: false)
        }

        public mutating func finish() -> [UInt8] {
            let rest = carry
            carry = []
            return scan(rest, final: true)
        }

        private mutating func scan(_ buffer: [UInt8], final: Bool) -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(buffer.count)
            var i = 0
            var plainStart = 0
            outer: while i < buffer.count {
                guard masker.firstBytes[Int(buffer[i])] else { i += 1; continue }
                for secret in masker.secrets {
                    let available = buffer.count - i
                    if available >= secret.count {
                        if buffer[i..<(i + secret.count)].elementsEqual(secret) {
                            out.append(contentsOf: buffer[plainStart..<i])
                            out.append(contentsOf: SecretMasker.mask.utf8)
                            i += secret.count
                            plainStart = i
                            continue outer
                        }
                    } else if !final, buffer[i...].elementsEqual(secret[..<available]) {
                        // Could be a secret cut by the chunk boundary: wait for more.
                        out.append(contentsOf: buffer[plainStart..<i])
                        carry = Array(buffer[i...])
                        return out
                    }
                }
                i += 1
            }
            out.append(contentsOf: buffer[plainStart...])
            return out
        }
    }
}
