import Foundation
import Testing

/// The summary of a run with more than 40 tasks lists only the tasks that did
/// not succeed (and counts the rest), on a first run and on a cached re-run.
/// The rows of succeeded tasks are never built (a fully cached 1,000-task
/// re-run spent as much on them as on its journal), so this pins what is printed.
@Test func aLargeRunsSummaryListsOnlyWhatDidNotSucceedAndCountsTheRest() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    let quiet = (0..<43).map { String(format: "  t%02d:\n    run: \"true\"\n", $0) }.joined()
    try workspace.write("big.yaml", "pipeline: big\ntasks:\n" + quiet + "  bad:\n    run: exit 3\n  after:\n    needs: [bad]\n    run: \"true\"\n")
    for round in ["first run", "cached re-run"] {
        let outcome = try workspace.run("big.yaml")
        #expect(outcome.status == 1, "\(round): \(outcome.stdout)\(outcome.stderr)")
        let summary = try #require(outcome.stdout.range(of: "\ntask ").map { String(outcome.stdout[$0.upperBound...]) }, "\(round): \(outcome.stdout)")
        let lines = summary.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let table = Array(lines.prefix { !$0.hasPrefix("…") }.dropFirst())
        #expect(table.count == 2, "\(round): \(summary)")
        #expect(table.first?.hasPrefix("bad") == true && table.first?.contains("failed") == true, "\(round): \(summary)")
        #expect(table.last?.hasPrefix("after") == true && table.last?.contains("upstream_failed") == true, "\(round): \(summary)")
        #expect(summary.contains("\n… and 43 more tasks that succeeded\n"), "\(round): \(summary)")
        #expect(!table.contains { $0.hasPrefix("t0") }, "\(round): \(summary)")
    }

    // Every task succeeds: no rows, all of them counted.
    try workspace.write("big.yaml", "pipeline: big\ntasks:\n" + quiet)
    let cached = try workspace.run("big.yaml")
    #expect(cached.status == 0, "\(cached.stdout)\(cached.stderr)")
    #expect(cached.stdout.contains("\ntask  state  tries  duration\n… and 43 more tasks that succeeded\n"), "\(cached.stdout)")
    // Each progress line starts with the local time, HH:MM:SS.mmm, within a minute of now.
    let parts = Calendar.current.dateComponents([.hour, .minute, .second], from: Date())
    let now = (parts.hour ?? 0) * 3600 + (parts.minute ?? 0) * 60 + (parts.second ?? 0)
    let lines = cached.stdout.split(separator: "\n").filter { $0.contains(" cached ") }
    #expect(lines.count == 43, "\(cached.stdout)")
    for line in lines {
        let clock = line.prefix(12)
        let fields = clock.split(whereSeparator: { $0 == ":" || $0 == "." }).map(String.init)
        #expect(fields.map(\.count) == [2, 2, 2, 3] && clock.utf8.count == 12, "\(line)")
        let numbers = fields.compactMap { Int($0) }
        guard numbers.count == 4 else { continue }
        let seconds = numbers[0] * 3600 + numbers[1] * 60 + numbers[2]
        #expect(min(abs(seconds - now), 86_400 - abs(seconds - now)) <= 60, "\(line)")
    }
}

/// With standard output on `/dev/null` no progress line is built, and the run
/// is recorded exactly as with its output shown: every instance, first run
/// and cached re-run, mapped ones included, and the same exit status.
@Test func aRunWhoseOutputGoesToDevNullRecordsEveryInstance() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("quiet.yaml", """
        pipeline: quiet
        params:
          xs: [1, 2, 3]
        tasks:
          a:
            run: "true"
          bad:
            run: exit 3
          after:
            needs: [bad]
            run: "true"
          m:
            foreach: params.xs
            run: test {{ item }} != 2
        """)
    let expected = ["a": "success", "bad": "failed", "after": "upstream_failed", "m[0]": "success", "m[1]": "failed", "m[2]": "success"]
    for round in ["first run", "cached re-run"] {
        let null = try #require(FileHandle(forWritingAtPath: "/dev/null"))
        defer { try? null.close() }
        let outcome = try CLI.execute(CLI.binary, ["run", "quiet.yaml"], cwd: workspace.url, environment: ["NO_COLOR": "1"], stdout: null)
        #expect(!outcome.crashed && outcome.status == 1, "\(round): \(outcome.stderr)")
        let shown = try workspace.show()
        let states = shown.states.mapValues { $0 == "cached" ? "success" : $0 }
        #expect(states == expected, "\(round): \(shown.states)")
        if round == "cached re-run" { #expect(shown.cached == ["a", "m[0]", "m[2]"], "\(shown.states)") }
    }
}
