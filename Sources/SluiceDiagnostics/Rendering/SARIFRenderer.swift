/// Renders a SARIF 2.1.0 log for code-scanning tools (GitHub code scanning,
/// IDE viewers): one run, `tool.driver.rules` listing the whole rule
/// catalogue (so a result's `ruleIndex` is its position in `Rule.allCases`),
/// columns counted in Unicode code points as the model counts them, and
/// relative paths resolved against `%SRCROOT%` (the checkout root).
public struct SARIFRenderer: Sendable {
    /// The `$schema` every log names: the OASIS errata 01 schema.
    public static let schemaURI =
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

    /// `tool.driver.semanticVersion`: the running sluice's version.
    public var toolVersion: String
    /// `tool.driver.informationUri`: where users read about the tool; omitted when nil.
    public var informationURI: String?

    public init(toolVersion: String, informationURI: String? = nil) {
        self.toolVersion = toolVersion
        self.informationURI = informationURI
    }

    public func render(_ diagnostics: [Diagnostic]) -> String {
        log(diagnostics).rendered()
    }

    /// The log as a value (deterministic: diagnostics normalised, keys sorted when printed).
    public func log(_ diagnostics: [Diagnostic]) -> JSONValue {
        let run: JSONValue = .object([
            "tool": .object(["driver": driver()]),
            "columnKind": .string("unicodeCodePoints"),
            "results": .array(DiagnosticSink.normalize(diagnostics).map(result)),
        ])
        return .object(["$schema": .string(Self.schemaURI), "version": .string("2.1.0"), "runs": .array([run])])
    }

    private func driver() -> JSONValue {
        var driver: [String: JSONValue] = [
            "name": .string("sluice"),
            "semanticVersion": .string(toolVersion),
            "rules": .array(Rule.allCases.map(Self.descriptor)),
        ]
        if let informationURI { driver["informationUri"] = .string(informationURI) }
        return .object(driver)
    }

    private static func descriptor(_ rule: Rule) -> JSONValue {
        .object([
            "id": .string(rule.id),
            "name": .string(pascalCase(rule.id)),
            "shortDescription": .object(["text": .string(rule.summary)]),
            "defaultConfiguration": .object(["level": .string(rule.defaultSeverity.rawValue)]),
        ])
    }

    private static let ruleIndex: [Rule: Int] = Dictionary(
        uniqueKeysWithValues: Rule.allCases.enumerated().map { ($0.element, $0.offset) })

    private func result(_ diagnostic: Diagnostic) -> JSONValue {
        let text = ([diagnostic.message] + diagnostic.trailerLines).joined(separator: "\n")
        return .object([
            "ruleId": .string(diagnostic.rule.id),
            "ruleIndex": .int(Self.ruleIndex[diagnostic.rule] ?? 0),
            "level": .string(diagnostic.severity.rawValue),
            "message": .object(["text": .string(text)]),
            "locations": .array([.object(["physicalLocation": physicalLocation(diagnostic)])]),
        ])
    }

    private func physicalLocation(_ diagnostic: Diagnostic) -> JSONValue {
        var location: [String: JSONValue] = ["artifactLocation": Self.artifactLocation(diagnostic.file)]
        let start = diagnostic.range.start, end = diagnostic.range.end
        if start.line >= 1 {
            location["region"] = .object([
                "startLine": .int(start.line),
                "startColumn": .int(max(1, start.column)),
                "endLine": .int(max(start.line, end.line)),
                "endColumn": .int(max(1, end.column)),
            ])
        }
        return .object(location)
    }

    /// An absolute path becomes a `file://` URI; a relative one stays
    /// relative (minus a leading `./`) against `%SRCROOT%`.
    static func artifactLocation(_ path: String) -> JSONValue {
        if path.hasPrefix("/") {
            return .object(["uri": .string("file://" + percentEncoded(path))])
        }
        var relative = Substring(path)
        while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
        return .object(["uri": .string(percentEncoded(String(relative))), "uriBaseId": .string("%SRCROOT%")])
    }

    /// RFC 3986 path encoding: unreserved characters, sub-delimiters, `@` and
    /// `/` stay; everything else (space, `%`, `#`, `?`, `:` — which would read
    /// as a scheme in a relative reference — and non-ASCII) is UTF-8 percent-encoded.
    static func percentEncoded(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-._~!$&'()*+,;=@/".unicodeScalars.contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }

    /// `unknown-task` → `UnknownTask`: SARIF's readable rule name.
    static func pascalCase(_ id: String) -> String {
        id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
