import Foundation
import Testing

/// scripts/completions: bash, zsh and fish completions and the man page,
/// checked against the command tree the binary itself reports, so a new
/// subcommand is covered without touching this test.
@Suite(.serialized)
struct CompletionScriptTests {
    struct Output {
        var directory: URL
        func text(_ path: String) throws -> String {
            try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
        }
    }

    static let files = ["bash/sluice", "zsh/_sluice", "fish/sluice.fish", "man/man1/sluice.1"]

    static func generate() throws -> Output {
        let dir = try CLI.temporaryDirectory()
        let script = CLI.packageRoot.appendingPathComponent("scripts/completions")
        let outcome = try CLI.execute(URL(fileURLWithPath: "/bin/bash"), [script.path, dir.path, CLI.binary.path], cwd: CLI.packageRoot)
        try #require(outcome.status == 0, "\(outcome.stderr)")
        return Output(directory: dir)
    }

    /// Every subcommand at every depth as its path below `sluice`
    /// (`lint`, `export airflow`), from `--experimental-dump-help`.
    static func subcommands() throws -> [String] {
        let outcome = try CLI.run(["--experimental-dump-help"])
        try #require(outcome.status == 0)
        let info = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(info["serializationVersion"] as? Int == 0, "the man page renderer reads version 0")
        var names: [String] = []
        func walk(_ command: [String: Any], _ prefix: String) {
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                guard let name = sub["commandName"] as? String else { continue }
                names.append(prefix + name)
                walk(sub, prefix + name + " ")
            }
        }
        walk(try #require(info["command"] as? [String: Any]), "")
        return names
    }

    static func containsWord(_ word: String, in text: String) -> Bool {
        let pattern = "(?<![A-Za-z0-9_-])" + NSRegularExpression.escapedPattern(for: word) + "(?![A-Za-z0-9_-])"
        return text.range(of: pattern, options: .regularExpression) != nil
    }

    @Test func everyFileIsWrittenAndListsEverySubcommand() throws {
        let output = try Self.generate()
        let subcommands = try Self.subcommands()
        #expect(subcommands.contains("lint") && subcommands.contains("explain") && subcommands.contains("init"))
        for file in Self.files {
            let text = try output.text(file)
            #expect(text.count > 500, "\(file) is (nearly) empty")
            for path in subcommands {
                let name = String(path.split(separator: " ").last ?? "")
                // roff escapes "-" as "\-", so `task-run` is spelled `task\-run` in the man page.
                let spelled = file.hasPrefix("man/") ? name.replacingOccurrences(of: "-", with: "\\-") : name
                #expect(Self.containsWord(spelled, in: text), "\(file) does not mention subcommand \(path)")
            }
        }
        let man = try output.text("man/man1/sluice.1")
        for path in subcommands {
            #expect(man.contains("\n.SS sluice \(path.replacingOccurrences(of: "-", with: "\\-"))\n"), "the man page has no section for \(path)")
        }
    }

    @Test func rulesCompleteAfterExplainAndIgnore() throws {
        let output = try Self.generate()
        for file in ["bash/sluice", "zsh/_sluice", "fish/sluice.fish"] {
            let text = try output.text(file)
            #expect(text.contains("not-upstream"), "\(file) does not complete rule ids")
            #expect(text.contains("unused-suppression"))
        }
    }

    @Test func bashCompletionParsesAndCompletesSubcommands() throws {
        let output = try Self.generate()
        let script = """
            source "$1"
            COMP_WORDS=(sluice ex); COMP_CWORD=1; COMP_LINE="sluice ex"; COMP_POINT=${#COMP_LINE}
            _sluice
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let outcome = try CLI.execute(URL(fileURLWithPath: "/bin/bash"), ["-c", script, "bash", output.directory.appendingPathComponent("bash/sluice").path],
                                      cwd: CLI.packageRoot)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.split(separator: "\n").contains("explain"), "\(outcome.stdout)")
    }

    /// groff renders the page without a warning (where groff is installed;
    /// the structural checks above run everywhere).
    @Test func manPageRendersCleanly() throws {
        let output = try Self.generate()
        let man = try output.text("man/man1/sluice.1")
        #expect(man.hasPrefix(".TH SLUICE 1 "))
        #expect(man.contains(".SH NAME\nsluice \\- "))
        #expect(man.contains("\\fB\\-\\-ignore\\fR \\fIrule\\fR"))
        guard let groff = ["/usr/bin/groff", "/usr/local/bin/groff"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            return
        }
        let outcome = try CLI.execute(URL(fileURLWithPath: groff), ["-man", "-Tutf8", "-ww", "-z", output.directory.appendingPathComponent("man/man1/sluice.1").path],
                                      cwd: CLI.packageRoot)
        #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(outcome.stderr)")
    }
}
