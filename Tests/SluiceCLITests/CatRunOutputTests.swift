import Foundation
import Testing

/// `sluice cat RUN:task.output` (issue 23, item 2): a run's table output by
/// name instead of a path dug out of `show --format json`; `--head N` says
/// how many rows the table has in all.

private let tables = """
    pipeline: tables
    params:
      regions: [north, south]
    tasks:
      make:
        run: |
          echo "id,name" > "$SLUICE_TABLE_T"
          for i in $(seq 1 25); do echo "$i,row$i" >> "$SLUICE_TABLE_T"; done
        outputs:
          t: "table(id: int64, name: string)"
      per_region:
        foreach: params.regions
        run: printf 'region\\n{{ item }}\\n' > "$SLUICE_TABLE_R"
        outputs:
          r: "table(region: string)"

    """

@Test func catPrintsARunsTableOutputByName() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("tables.yaml", tables)
    let run = try workspace.run("tables.yaml")
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    let runID = try #require(try workspace.show().runID)

    let byID = try CLI.run(["cat", "\(runID):make.t", "--format", "csv"], cwd: workspace.url)
    #expect(byID.status == 0, "\(byID.stderr)")
    #expect(byID.stdout.hasPrefix("id,name\n1,row1\n2,row2\n"), "\(byID.stdout)")
    #expect(byID.stdout.hasSuffix("25,row25\n"), "\(byID.stdout)")
    let latest = try CLI.run(["cat", "latest:make.t", "--format", "csv"], cwd: workspace.url)
    #expect(latest.stdout == byID.stdout)

    // A map instance by its label.
    let south = try CLI.run(["cat", "latest:per_region[south].r", "--format", "csv"], cwd: workspace.url)
    #expect(south.status == 0, "\(south.stderr)")
    #expect(south.stdout == "region\nsouth\n", "\(south.stdout)")

    // --head says the total.
    let head = try CLI.run(["cat", "latest:make.t", "--format", "table", "--head", "3"], cwd: workspace.url)
    #expect(head.status == 0, "\(head.stderr)")
    #expect(head.stdout.hasSuffix("(first 3 of 25 rows)\n"), "\(head.stdout)")
    let headCSV = try CLI.run(["cat", "latest:make.t", "--format", "csv", "--head", "3"], cwd: workspace.url)
    #expect(headCSV.stdout == "id,name\n1,row1\n2,row2\n3,row3\n", "CSV stays CSV: \(headCSV.stdout)")
    #expect(headCSV.stderr.contains("first 3 of 25 rows"), "\(headCSV.stderr)")

    // Names that do not resolve say what does.
    let noOutput = try CLI.run(["cat", "latest:make.nosuch"], cwd: workspace.url)
    #expect(noOutput.status == 2)
    #expect(noOutput.stderr.contains("make has no table output nosuch (t)"), "\(noOutput.stderr)")
    let noRun = try CLI.run(["cat", "20000101T000000Z-000000:make.t"], cwd: workspace.url)
    #expect(noRun.status == 2)
    #expect(noRun.stderr.contains("no run 20000101T000000Z-000000"), "\(noRun.stderr)")

    // A damaged table is named as the user named it, not by the descriptor it was read through.
    let table = try #require(try workspace.show().outputs("make")["t"] as? String)
    let intact = try Data(contentsOf: URL(fileURLWithPath: table))
    try Data("ARROW1\0\0garbage".utf8).write(to: URL(fileURLWithPath: table))
    let damaged = try CLI.run(["cat", "latest:make.t"], cwd: workspace.url)
    #expect(damaged.status == 2)
    #expect(damaged.stderr.contains("\"latest:make.t\" is not a readable Arrow file"), "\(damaged.stderr)")
    #expect(!damaged.stderr.contains("/dev/fd"), "\(damaged.stderr)")
    try intact.write(to: URL(fileURLWithPath: table))

    // A file that happens to hold a colon is still a file.
    try workspace.write("odd:name.csv", "a\n1\n")
    let file = try CLI.run(["cat", "odd:name.csv", "--format", "csv"], cwd: workspace.url)
    #expect(file.stdout == "a\n1\n", "\(file.stderr)")
}

@Test func catOfARunOutputNeverFollowsASymlink() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("tables.yaml", tables)
    _ = try workspace.run("tables.yaml")
    let table = try #require(try workspace.show().outputs("make")["t"] as? String)
    try workspace.write("secret.csv", "secret\nOUTSIDE\n")
    try FileManager.default.removeItem(atPath: table)
    try FileManager.default.createSymbolicLink(atPath: table, withDestinationPath: workspace.path + "/secret.csv")
    let outcome = try CLI.run(["cat", "latest:make.t", "--format", "csv"], cwd: workspace.url)
    #expect(outcome.status == 2)
    #expect(!outcome.stdout.contains("OUTSIDE"), "\(outcome.stdout)")
    for name in ["latest:../../x.t", "latest:make/../x.t", "../..:make.t"] {
        let hostile = try CLI.run(["cat", name], cwd: workspace.url)
        #expect(hostile.status == 2, "\(name)")
        #expect(!hostile.crashed)
    }
}
