import Foundation
import Testing

/// Records you can trust (issue 26.9): a cache entry whose bytes changed is
/// never used, and a secret given as a `--param` is not kept in `plan.json`.

private let tamperSpec = """
    pipeline: tamper
    tasks:
      count:
        run: echo "n=41" >> "$SLUICE_OUTPUTS"
        outputs: { n: int }
      rows:
        run: printf 'a\\n1\\n2\\n3\\n' > "$SLUICE_TABLE_ROWS"
        outputs: { rows: "table(a: int64)" }

    """

@Test func aPackEntryWithAChangedDigitIsNotUsed() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("tamper.yaml", tamperSpec)
    #expect(try workspace.run("tamper.yaml").status == 0)
    let packs = workspace.path + "/.sluice/cache/packs"
    let names = try FileManager.default.contentsOfDirectory(atPath: packs)
    #expect(names.count == 1, "one pack: \(names)")
    for name in names {
        let text = try String(contentsOfFile: packs + "/" + name, encoding: .utf8)
        #expect(text.contains(#""n":41"#))
        try Data(text.replacingOccurrences(of: #""n":41"#, with: #""n":42"#).utf8).write(to: URL(fileURLWithPath: packs + "/" + name))
    }
    let again = try workspace.run("tamper.yaml", ["--explain"])
    #expect(again.status == 0, "\(again.stderr)")
    let shown = try workspace.show()
    #expect(shown.state("count") == "success", "the damaged entry is a miss: \(again.stdout)")
    #expect(shown.outputs("count")["n"] as? Int == 41)
    #expect(again.stdout.contains("count: ran: cache entry "), "\(again.stdout)")
    #expect(again.stdout.contains("failed its integrity check"), "\(again.stdout)")
}

@Test func aTableEntryWithAChangedByteIsNotUsed() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("tamper.yaml", tamperSpec)
    #expect(try workspace.run("tamper.yaml").status == 0)
    let entries = workspace.path + "/.sluice/cache/entries"
    var tables: [String] = []
    for shard in try FileManager.default.contentsOfDirectory(atPath: entries) {
        for key in try FileManager.default.contentsOfDirectory(atPath: entries + "/" + shard) {
            tables.append(entries + "/" + shard + "/" + key + "/rows.arrow")
        }
    }
    #expect(tables.count == 1, "\(tables)")
    for table in tables {
        // Same size, one byte different (the entry and the run's output are one inode: both change).
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: table)))
        bytes[bytes.count / 2] ^= 0x01
        let handle = try #require(FileHandle(forWritingAtPath: table))
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }
    let again = try workspace.run("tamper.yaml", ["--explain"])
    #expect(again.status == 0, "\(again.stderr)")
    #expect(try workspace.show().state("rows") == "success", "\(again.stdout)")
    #expect(again.stdout.contains("rows: ran: cache entry "), "\(again.stdout)")
    #expect(again.stdout.contains("rows.arrow does not match its sha256"), "\(again.stdout)")
    #expect(try workspace.cacheProblems().problems.isEmpty, "the run replaced the damaged entry")
}

@Test func aSecretGivenAsAParamIsNotKeptAndResumeAsksForItAgain() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    let secret = "pl4n-s3cret-Value-93"
    try workspace.write("secret.yaml", """
        pipeline: secret_param
        secrets: [API_TOKEN]
        params: { token: "" }
        tasks:
          use:
            env: { TOKEN: "{{ params.token }}" }
            run: |
              test "$TOKEN" = "$API_TOKEN" || exit 3
              [ -e first-try-done ] || { touch first-try-done; exit 1; }

        """)
    let environment = ["API_TOKEN": secret]
    let first = try workspace.run("secret.yaml", ["--param", "token=\(secret)"], environment: environment)
    #expect(first.status == 1, "\(first.stderr)")
    let runID = try #require(try workspace.show().runID)
    let plan = try #require(workspace.read(".sluice/runs/secret_param/\(runID)/plan.json"))
    #expect(!plan.contains(secret), "plan.json keeps the secret: \(plan)")
    #expect(plan.contains(#""token":"***""#), "\(plan)")

    let without = try workspace.run("secret.yaml", ["--resume", runID], environment: environment)
    #expect(without.status == 2)
    #expect(without.stderr.contains("param token held a secret value"), "\(without.stderr)")
    #expect(without.stderr.contains("--param token=VALUE"), "\(without.stderr)")

    let wrong = try workspace.run("secret.yaml", ["--resume", runID, "--param", "token=guess"], environment: environment)
    #expect(wrong.status == 2, "a different value is refused: \(wrong.stderr)")

    let with = try workspace.run("secret.yaml", ["--resume", runID, "--param", "token=\(secret)"], environment: environment)
    #expect(with.status == 0, "\(with.stdout)\(with.stderr)")
    #expect(try workspace.show(runID).state("use") == "success")
    for (path, data) in workspace.recordFiles() {
        #expect(data.range(of: Data(secret.utf8)) == nil, "the secret is in \(path)")
    }
}
