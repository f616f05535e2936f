import Foundation
import Testing
import SluicePlan
import SluiceTestSupport
@testable import SluiceExecutor

/// The renderer against real shells: random commands built from the shell
/// spots Sluice models (and some it refuses), filled with hostile values,
/// run by dash and bash. Every value the renderer accepts must reach
/// `printf` as exactly the argument it was, and nothing else may run: each
/// case runs in an empty directory, and any file left there (the values try
/// `touch CANARY` in many ways) is a finding. Every spot the generator knows
/// to be unsafe must be refused, and every safe one accepted.
///
/// In the suite: a fixed number of cases from a fixed seed. Longer runs:
/// `scripts/fuzz-shell SECONDS` (SLUICE_SHELL_FUZZ_SECONDS, SLUICE_SHELL_FUZZ_SEED).
@Suite("shell fuzzing")
struct ShellFuzzTests {
    /// A value for one reference: text, a list of texts, or an integer.
    enum Value: Sendable {
        case text(String)
        case list([String])
        case int(Int64)

        var json: JSON {
            switch self {
            case .text(let s): .string(s)
            case .list(let items): .array(items.map { .string($0) })
            case .int(let n): .int(n)
            }
        }
    }

    /// One piece of a command: literal text with `@` where a reference goes.
    struct Piece: Sendable {
        var text: String
        /// The arguments `printf '%s\0'` gets, from the piece's value (nil: no reference).
        var expected: (@Sendable (Value) -> [String])?
        /// The generator knows this spot is unsafe: the renderer must refuse it.
        var unsafe = false
        /// The value kinds the spot takes.
        var values: ValueKind = .any
        /// Must be followed by a newline (here-documents, comments).
        var endsLine = false
    }

    enum ValueKind: Sendable { case any, textOnly, intOnly }

    static let dump = "printf '%s\\0'"

    static let safePieces: [Piece] = [
        Piece(text: "\(dump) @", expected: { words($0) }),
        Piece(text: "\(dump) \"@\"", expected: { [joined($0)] }),
        Piece(text: "\(dump) \"pre @ post\"", expected: { ["pre \(joined($0)) post"] }),
        Piece(text: "\(dump) 'pre@post'", expected: { v in glued("pre", v, "post") }, values: .textOnly),
        Piece(text: "\(dump) x@y", expected: { v in glued("x", v, "y") }, values: .textOnly),
        Piece(text: "V=@; \(dump) \"$V\"", expected: { [joined($0)] }, values: .textOnly),
        Piece(text: "export V=\"@\"; \(dump) \"$V\"", expected: { [joined($0)] }),
        Piece(text: "(\(dump) @)", expected: { words($0) }),
        Piece(text: "X=\"$(printf '%s.' @)\"; \(dump) \"${X%.}\"", expected: { [joined($0, separator: "")] }, values: .textOnly),
        Piece(text: "X=\"$( (printf '%s.' \"@\") )\"; \(dump) \"${X%.}\"", expected: { [joined($0)] }),
        Piece(text: "X=$(printf '%s.' '@'); \(dump) \"${X%.}\"", expected: { [joined($0)] }, values: .textOnly),
        Piece(text: "if true; then \(dump) @; fi", expected: { words($0) }),
        Piece(text: "X=\"$(printf '%s.' \"a@b\")\"; \(dump) \"${X%.}\"", expected: { ["a" + joined($0) + "b"] }),
        Piece(text: "case x in x) \(dump) @;; esac", expected: { words($0) }),
        Piece(text: "cat <<EOF >/dev/null; \(dump) @\nbody ' \" $(( 1 << 2 ))\nEOF", expected: { words($0) }, endsLine: true),
        Piece(text: "\(dump) \"$(echo \")\")\"@", expected: { v in glued(")", v, "") }, values: .textOnly),
        Piece(text: "\(dump) @ >&1 2>/dev/null", expected: { words($0) }),
        Piece(text: ": # a comment @ ( ' \"", expected: { _ in [] }, endsLine: true),
        Piece(text: "\(dump) $(( @ + 1 ))", expected: { v in if case .int(let n) = v { ["\(n + 1)"] } else { [] } }, values: .intOnly),
        Piece(text: "\(dump) \"$(( (@) * 2 ))\"", expected: { v in if case .int(let n) = v { ["\(n * 2)"] } else { [] } }, values: .intOnly),
    ]

    static let unsafePieces: [Piece] = [
        Piece(text: "\(dump) \"`printf '%s' @`\"", unsafe: true),
        Piece(text: "\(dump) `printf '%s' @`", unsafe: true),
        Piece(text: "cat <<EOF\n@\nEOF", unsafe: true, endsLine: true),
        Piece(text: "cat <<-'EOF'\n\t@\n\tEOF", unsafe: true, endsLine: true),
        Piece(text: "\(dump) \"${X:-@}\"", unsafe: true),
        Piece(text: "\(dump) \"$(case a in a) printf '%s' @;; esac)\"", unsafe: true),
        Piece(text: "\(dump) $(( @ + 0 ))", unsafe: true, values: .textOnly),
        Piece(text: "eval \"\(dump) @\"", unsafe: true),
        Piece(text: "sh -c \"\(dump) @\"", unsafe: true),
        Piece(text: "\(dump) $'@'", unsafe: true),
        Piece(text: "\(dump) \\@", unsafe: true),
        Piece(text: "\(dump) \"$@\"", unsafe: true),
        Piece(text: "(( X = @ )); :", unsafe: true, values: .textOnly),
        Piece(text: "let @", unsafe: true, values: .textOnly),
        Piece(text: "[[ @ -eq 1 ]]", unsafe: true, values: .textOnly),
        Piece(text: "read @ </dev/null", unsafe: true),
        Piece(text: "export @", unsafe: true),
    ]

    /// No reference, no output: the constructs around which the scanner must keep its place.
    static let noise: [String] = [
        "cat >/dev/null <<EOF\nbody 'x' \"y\" $(( 1 << 2 )) `true` ( ) #\nEOF\n",
        "cat >/dev/null <<'EOF'\n$(touch CANARY) 'x \"\nEOF\n",
        "cat >/dev/null <<-EOF\n\tbody\n\tEOF\n",
        ": \"$(( 1 << 2 ))\"", ": `echo x`", ": \"${HOME:-x}\" ${#HOME}", "case a in a) : ;; esac",
        "(: )", ": 'it''s' \"a\\\"b\" \\' \\\"", "# a comment with ' and \" and ( and `\n", "true && :",
        "for i in 1 2; do :; done", "sh -c ':' >/dev/null", "eval ':'", ": \"$(: \")\")\"", ": $( (:) )", "X=$((3 + 4)); : \"$X\"", ": \"`: \\\"x\\\"`\"",
    ]

    static let atoms: [String] = [
        "'", "\"", "\\", "$", "`", "(", ")", ";", "&", "|", "<", ">", " ", "\t", "\n", "*", "?", "[", "]", "{", "}",
        "#", "~", "=", "%", "!", "-", "--", "-rf", "EOF", "\nEOF\n", "\tEOF", "$(touch CANARY)", "`touch CANARY`",
        "'; touch CANARY; '", "\"; touch CANARY; \"", "\ntouch CANARY\n", "$((1))", "${HOME}", "\\'", "\\\"", "\\\\",
        "x[$(touch CANARY)]", "))", "; touch CANARY #", "é", "ü", "😀", "e\u{301}", "'\u{301}", "\u{2028}", "\u{85}",
        "\r", "\u{1}", "\u{1b}[31m", "\u{7f}", "a", "b", "0", "9", "@", ".", "%s", "\\0",
    ]

    static func words(_ value: Value) -> [String] {
        switch value {
        case .text(let s): [s]
        case .list(let items): items
        case .int(let n): ["\(n)"]
        }
    }

    static func joined(_ value: Value, separator: String = " ") -> String { words(value).joined(separator: separator) }

    /// A value glued between literal text: a list's first and last items take the text.
    static func glued(_ before: String, _ value: Value, _ after: String) -> [String] {
        var items = words(value)
        if items.isEmpty { return [before + after] }
        items[0] = before + items[0]
        items[items.count - 1] += after
        return items
    }

    struct Case {
        var command: [Template.Segment]
        var params: [(String, JSON)]
        var expected: [String]
        var unsafe: Bool
        var description: String
    }

    static func randomValue(_ kind: ValueKind, _ rng: inout SeededGenerator) -> Value {
        func text() -> String {
            (0..<Int.random(in: 0...8, using: &rng)).map { _ in atoms.randomElement(using: &rng) ?? "" }.joined()
        }
        switch kind {
        case .intOnly: return .int(Int64.random(in: -1_000_000_000...1_000_000_000, using: &rng))
        case .textOnly: return .text(text())
        case .any:
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: return .list((0..<Int.random(in: 1...3, using: &rng)).map { _ in text() })
            case 1: return .int(Int64.random(in: -99...99, using: &rng))
            default: return .text(text())
            }
        }
    }

    static func randomCase(_ rng: inout SeededGenerator) -> Case {
        var text = ""
        var segments: [Template.Segment] = []
        var params: [(String, JSON)] = []
        var expected: [String] = []
        var unsafe = false
        var shown: [String] = []
        let count = Int.random(in: 1...5, using: &rng)
        /// What goes between two pieces: nothing after a line's end, a line break before a comment.
        func join(before next: String, _ rng: inout SeededGenerator) {
            guard let last = shown.last, !last.hasSuffix("\n") else { return }
            text += next.hasPrefix("#") ? "\n" : ["\n", "; ", " && "].randomElement(using: &rng) ?? "\n"
        }
        for n in 0..<count {
            if Bool.random(using: &rng) {
                let chosen = noise.randomElement(using: &rng) ?? ":"
                join(before: chosen, &rng)
                text += chosen
                shown.append(chosen)
                continue
            }
            let pickUnsafe = Int.random(in: 0..<6, using: &rng) == 0
            let piece = (pickUnsafe ? unsafePieces : safePieces).randomElement(using: &rng) ?? safePieces[0]
            join(before: piece.text, &rng)
            let value = randomValue(piece.values, &rng)
            let name = "v\(n)"
            let parts = piece.text.components(separatedBy: "@")
            for (k, part) in parts.enumerated() {
                text += part
                if k < parts.count - 1 {
                    segments.append(.text(text))
                    text = ""
                    segments.append(.reference(.param([name])))
                }
            }
            if piece.endsLine { text += "\n" }
            params.append((name, value.json))
            if piece.unsafe { unsafe = true } else { expected += piece.expected?(value) ?? [] }
            shown.append(piece.text + (piece.endsLine ? "\n" : ""))
        }
        if !text.isEmpty { segments.append(.text(text)) }
        return Case(command: segments, params: params, expected: expected, unsafe: unsafe,
                    description: params.map { "\($0.0)=\($0.1.compact())" }.joined(separator: " "))
    }

    static func shells() -> [String] {
        ["/bin/dash", "/usr/bin/dash", "/bin/bash", "/usr/bin/bash"].reduce(into: [String]()) { found, path in
            let name = (path as NSString).lastPathComponent
            if !found.contains(where: { ($0 as NSString).lastPathComponent == name }), FileManager.default.isExecutableFile(atPath: path) {
                found.append(path)
            }
        }
    }

    /// Runs `command` with `shell -c` in an empty directory: its stdout, exit status and what it left there.
    static func execute(_ shell: String, _ command: String) throws -> (stdout: Data, status: Int32, left: [String]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-shell-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: shell)
        process.arguments = ["-c", command]
        process.currentDirectoryURL = directory
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": directory.path, "LC_ALL": "C"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let left = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return (stdout, process.terminationStatus, left)
    }

    struct Figures {
        var cases = 0, accepted = 0, refused = 0, executions = 0, findings = 0
    }

    static func run(seed: UInt64, cases limit: Int, seconds: Double?) throws -> Figures {
        var rng = SeededGenerator(seed: seed)
        let shells = shells()
        try #require(shells.count == 2, "dash and bash are needed (apt-get install dash bash); found \(shells)")
        let start = Date()
        var figures = Figures()
        while seconds.map({ Date().timeIntervalSince(start) < $0 }) ?? (figures.cases < limit) {
            let generated = randomCase(&rng)
            figures.cases += 1
            let context = RenderContext(params: .object(generated.params), runID: "r", runDate: "d", item: nil, index: nil,
                                        output: { _ throws(RenderError) in (.null, .string) })
            let rendered: String
            do {
                rendered = try TemplateRenderer.shellCommand(Template(generated.command), context)
            } catch {
                figures.refused += 1
                if !generated.unsafe {
                    figures.findings += 1
                    Issue.record("a safe command was refused (\(error.message)): \(Self.show(generated.command)) with \(generated.description)")
                }
                continue
            }
            figures.accepted += 1
            if generated.unsafe {
                figures.findings += 1
                Issue.record("an unsafe spot was accepted: \(rendered.debugDescription) with \(generated.description)")
                continue
            }
            let expected = Data(generated.expected.flatMap { Array($0.utf8) + [0] })
            for shell in shells {
                let (stdout, status, left) = try execute(shell, rendered)
                figures.executions += 1
                if stdout != expected || status != 0 || !left.isEmpty {
                    figures.findings += 1
                    Issue.record("""
                        \(shell) -c \(rendered.debugDescription)
                        values: \(generated.description)
                        status \(status), left \(left)
                        expected \(expected.fuzzText)
                        got      \(stdout.fuzzText)
                        """)
                }
            }
        }
        return figures
    }

    @Test func acceptedValuesReachTheProgramAsExactlyTheirArguments() throws {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["SLUICE_SHELL_FUZZ_SECONDS"].flatMap(Double.init)
        let seed = environment["SLUICE_SHELL_FUZZ_SEED"].flatMap(UInt64.init) ?? 0x5EED_26_01
        let figures = try Self.run(seed: seed, cases: 150, seconds: seconds)
        print("shell fuzzing: seed \(seed), \(figures.cases) cases (\(figures.accepted) rendered, \(figures.refused) refused), "
              + "\(figures.executions) shell runs on \(Self.shells().joined(separator: ", ")), \(figures.findings) findings")
        #expect(figures.accepted > 0 && figures.refused > 0, "the generator must exercise both outcomes")
    }
}

extension ShellFuzzTests {
    /// A command as written, references as `{{ params.v0 }}`.
    static func show(_ segments: [Template.Segment]) -> String {
        segments.map { segment in
            switch segment {
            case .text(let text): text
            case .reference(let reference): reference.written
            }
        }.joined().debugDescription
    }
}

extension Data {
    /// Bytes as a Swift string literal, NULs as \0.
    var fuzzText: String { String(decoding: self, as: UTF8.self).debugDescription }
}
