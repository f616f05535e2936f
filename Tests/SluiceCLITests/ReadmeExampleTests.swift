import Foundation
import Testing

/// The README opens with pipelines/hello.yaml and what `sluice lint`,
/// `sluice graph --format ascii` and `sluice run` print for it. The spec shown
/// is the file, and the outputs shown are what the binary prints, up to run
/// ids, clock times, durations and the order of lines from parallel instances.
struct ReadmeExampleTests {
    static let example = "pipelines/hello.yaml"

    static func readme() throws -> [String] {
        try String(contentsOf: CLI.packageRoot.appendingPathComponent("README.md"), encoding: .utf8).components(separatedBy: "\n")
    }

    /// The lines of the fenced block right after the line `marker`.
    static func block(after marker: String, in lines: [String]) throws -> [String] {
        let start = try #require(lines.firstIndex(of: marker), "README.md has no \(marker)")
        try #require(start + 1 < lines.count && lines[start + 1].hasPrefix("```"), "\(marker) is not followed by a fenced block")
        let body = lines[(start + 2)...]
        let end = try #require(body.firstIndex(of: "```"), "the block after \(marker) is not closed")
        return Array(lines[(start + 2)..<end])
    }

    @Test func theShownSpecIsTheFileAndLintsClean() throws {
        let shown = try Self.block(after: "<!-- example: \(Self.example) -->", in: try Self.readme())
        let file = try String(contentsOf: CLI.packageRoot.appendingPathComponent(Self.example), encoding: .utf8)
        #expect(shown.joined(separator: "\n") + "\n" == file, "README.md's example differs from \(Self.example)")
        #expect(shown.count <= 20, "the README's example should stay short")
        let lint = try CLI.run(["lint", "--strict", Self.example])
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
    }

    /// Run ids, clock times and durations as placeholders.
    static func normalised(_ text: String) -> String {
        var text = text
        for (pattern, placeholder) in [(#"[0-9]{8}T[0-9]{6}\.[0-9]{3}Z-[0-9a-f]{6}"#, "RUN_ID"),
                                       (#"[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}"#, "HH:MM:SS.mmm"),
                                       (#"[0-9]+\.[0-9]+s\b"#, "N.Ns")] {
            text = text.replacingOccurrences(of: pattern, with: placeholder, options: .regularExpression)
        }
        return text
    }

    /// Each `$ sluice ...` command of the output block, run in a fresh
    /// directory holding a copy of the example, prints what the README shows.
    @Test func theShownOutputsAreWhatTheBinaryPrints() throws {
        let block = try Self.block(after: "<!-- output: sluice -->", in: try Self.readme())
        var commands: [(arguments: [String], shown: [String])] = []
        for line in block {
            if line.hasPrefix("$ sluice ") {
                commands.append((line.dropFirst("$ sluice ".count).split(separator: " ").map(String.init), []))
            } else {
                try #require(!commands.isEmpty, "the output block must start with a `$ sluice` line")
                commands[commands.count - 1].shown.append(line)
            }
        }
        #expect(commands.map { $0.arguments.first ?? "" } == ["lint", "graph", "run"])
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write(Self.example, try String(contentsOf: CLI.packageRoot.appendingPathComponent(Self.example), encoding: .utf8))
        for (arguments, shown) in commands {
            let outcome = try CLI.run(arguments, cwd: workspace.url, environment: ["NO_COLOR": "1"])
            #expect(outcome.status == 0, "sluice \(arguments.joined(separator: " ")): \(outcome.stderr)")
            let printed = Self.normalised(outcome.stdout).components(separatedBy: "\n").dropLast()
            let expected = Self.normalised(shown.joined(separator: "\n")).components(separatedBy: "\n")
            if arguments.first == "run" {
                // Parallel instances start and end in any order.
                #expect(printed.sorted() == expected.sorted(), "README.md's `sluice run` output is stale; it prints:\n\(outcome.stdout)")
            } else {
                #expect(Array(printed) == expected, "README.md's `sluice \(arguments.joined(separator: " "))` output is stale; it prints:\n\(outcome.stdout)")
            }
        }
        // The report the README quotes.
        let show = try workspace.show()
        #expect(show.json["state"] as? String == "success")
        let log = try #require(Self.reportLog(show.json))
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("Oslo Lima Pune have 12 letters"))
    }

    static func reportLog(_ run: [String: Any]) -> String? {
        let tasks = run["tasks"] as? [[String: Any]] ?? []
        let report = tasks.first { $0["task"] as? String == "report" }
        return (report?["attempts"] as? [[String: Any]])?.last?["log"] as? String
    }
}
