import SluicePlan
import SluiceBasics

/// A task broke the output protocol; the attempt fails with this message.
struct OutputError: Error, Equatable, Sendable, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Reads the file named by `SLUICE_OUTPUTS` (DESIGN.md "Task output
/// protocol"): `name=value` lines (LF or CRLF), `name<<DELIM` … `DELIM` blocks, or one
/// JSON object. Line values are read by their declared type; JSON values are
/// checked against it. A later line for the same name wins, as in GitHub
/// Actions' `$GITHUB_OUTPUT`.
enum OutputsFile {
    /// The most `$SLUICE_OUTPUTS` may hold (docs/executor.md, "Output
    /// protocol"): it is read whole, and scalar values are small by nature
    /// (one argument of a downstream command is at most 128 KiB on Linux).
    static let sizeLimit = 16 << 20

    /// The output a branch task writes: one choice, or a JSON list of choices.
    /// In the line form a bare word is the choice itself (`branch=retrain`).
    static let branchOutput = BranchOutput.name

    /// Values quoted in messages go through `masker` (masked, then shortened).
    static func parse(_ text: String, declared: [String: ValueType], artifacts: Set<String> = [],
                      masker: SecretMasker) throws(OutputError) -> [String: JSON] {
        let trimmed = text.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        if trimmed.first == "{" {
            return try parseObject(String(trimmed), declared: declared, artifacts: artifacts, masker: masker)
        }
        return try parseLines(text, declared: declared, artifacts: artifacts, masker: masker)
    }

    private static func parseObject(_ text: String, declared: [String: ValueType], artifacts: Set<String>,
                                    masker: SecretMasker) throws(OutputError) -> [String: JSON] {
        let object: [(String, JSON)]
        do {
            guard let members = try JSON.parse(text).objectValue else { throw OutputError("") }
            object = members
        } catch let error as JSONParseError where error.memberKey.map(IdentifierRule.variable.accepts) == true {
            throw OutputError("output \"\(error.memberKey ?? "")\": \(error) in the JSON object in $SLUICE_OUTPUTS")
        } catch {
            throw OutputError("$SLUICE_OUTPUTS starts with \"{\" but is not one JSON object (\(error))")
        }
        var values: [String: JSON] = [:]
        for (name, value) in object {
            let type = try declaredType(name, declared: declared, artifacts: artifacts)
            values[name] = try check(value, against: type, name: name, masker: masker)
        }
        return values
    }

    private static func parseLines(_ text: String, declared: [String: ValueType], artifacts: Set<String>,
                                   masker: SecretMasker) throws(OutputError) -> [String: JSON] {
        var values: [String: JSON] = [:]
        // Cut on bytes: a task on Windows tooling (or Python's text mode there) writes CRLF.
        let lines = TextLines.split(text)
        var i = 0
        while i < lines.count {
            let line = lines[i]
            let number = i + 1
            i += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            if let (name, delimiter) = heredocStart(line) {
                var body: [Substring] = []
                var closed = false
                while i < lines.count {
                    defer { i += 1 }
                    if lines[i] == delimiter { closed = true; break }
                    body.append(lines[i])
                }
                guard closed else {
                    throw OutputError("$SLUICE_OUTPUTS line \(number): \"\(name)<<\(delimiter)\" is never closed by a line \"\(delimiter)\"")
                }
                let type = try declaredType(name, declared: declared, artifacts: artifacts)
                values[name] = try convert(body.joined(separator: "\n"), to: type, name: name, masker: masker)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw OutputError("$SLUICE_OUTPUTS line \(number): expected name=value or name<<DELIMITER, found \(masker.quoted(String(line)))")
            }
            let name = String(line[..<equals])
            guard IdentifierRule.variable.accepts(name) else {
                throw OutputError("$SLUICE_OUTPUTS line \(number): \(masker.quoted(name)) is not an output name")
            }
            let type = try declaredType(name, declared: declared, artifacts: artifacts)
            values[name] = try convert(String(line[line.index(after: equals)...]), to: type, name: name, masker: masker)
        }
        return values
    }

    private static func heredocStart(_ line: Substring) -> (String, Substring)? {
        guard let range = line.range(of: "<<") else { return nil }
        let name = String(line[..<range.lowerBound])
        let delimiter = line[range.upperBound...]
        guard IdentifierRule.variable.accepts(name), !delimiter.isEmpty else { return nil }
        return (name, delimiter)
    }

    private static func declaredType(_ name: String, declared: [String: ValueType], artifacts: Set<String>) throws(OutputError) -> ValueType {
        if let type = declared[name] { return type }
        if artifacts.contains(name) {
            throw OutputError("output \"\(name)\" is a table or file: write it to $SLUICE_TABLE_\(name.uppercased()) or $SLUICE_FILE_\(name.uppercased()), not to $SLUICE_OUTPUTS")
        }
        let known = declared.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
        throw OutputError("the task wrote output \"\(name)\", which it does not declare" + (known.isEmpty ? " (it declares no scalar outputs)" : " (it declares \(known))"))
    }

    /// A line-form value, read by its declared type.
    static func convert(_ text: String, to type: ValueType, name: String, masker: SecretMasker) throws(OutputError) -> JSON {
        let bare = text.trimmingSpaces
        if name == branchOutput, type == .json {
            return (try? JSON.parse(bare)) ?? .string(bare)
        }
        switch type {
        case .string:
            return .string(text)
        case .int:
            guard let value = Int64(bare) else { throw mismatch(name, type, text, masker) }
            return .int(value)
        case .float:
            guard bare.allSatisfy({ "0123456789+-.eE".contains($0) }), let value = Double(bare), value.isFinite else {
                throw mismatch(name, type, text, masker)
            }
            return .double(value)
        case .bool:
            switch bare.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw mismatch(name, type, text, masker)
            }
        case .json, .list:
            let value: JSON
            do { value = try JSON.parse(text) } catch {
                throw OutputError("output \"\(name)\" (\(type)): \(masker.quoted(text)) is not JSON (\(error))")
            }
            return try check(value, against: type, name: name, masker: masker)
        case .table, .file:
            throw OutputError("output \"\(name)\" is a \(type.isArtifact ? "table or file" : "\(type)") and cannot be written to $SLUICE_OUTPUTS")
        }
    }

    /// A JSON value checked against a declared type (ints widen to floats).
    static func check(_ value: JSON, against type: ValueType, name: String, masker: SecretMasker) throws(OutputError) -> JSON {
        switch (type, value) {
        case (.string, .string), (.int, .int), (.float, .double), (.bool, .bool), (.json, _):
            return value
        case (.float, .int(let i)):
            return .double(Double(i))
        case (.list(let element), .array(let items)):
            var checked: [JSON] = []
            checked.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                do { checked.append(try check(item, against: element, name: name, masker: masker)) } catch {
                    throw OutputError("output \"\(name)\" (\(type)): item \(i) is \(masker.quoted(item)), not a \(element)")
                }
            }
            return .array(checked)
        default:
            throw mismatch(name, type, masker.mask(value).compact(), masker)
        }
    }

    private static func mismatch(_ name: String, _ type: ValueType, _ text: String, _ masker: SecretMasker) -> OutputError {
        OutputError("output \"\(name)\" is declared \(type), but the task wrote \(masker.quoted(text))")
    }
}

extension String {
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let end = scalars.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(scalars[start...end])
    }
}
