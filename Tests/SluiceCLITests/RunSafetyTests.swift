import Foundation
import Testing

/// Hostile values stay data; secrets stay secret.

@Test func shellInjectionThroughAnOutputIsOnlyData() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    let payloads = ["$(touch pwned)", "'; rm -rf x; '", "`touch pwned2`", "a\"b$HOME\\c", "line1\nline2 ; touch pwned3"]
    let object = ["one": payloads[0], "two": payloads[1], "three": payloads[2], "four": payloads[3], "five": payloads[4]]
    try workspace.write("payload.json", String(decoding: try JSONSerialization.data(withJSONObject: object.merging(["many": ""]) { $1 }
        .filter { $0.key != "many" }), as: UTF8.self))
    try workspace.write("list.txt", "many=" + String(decoding: try JSONSerialization.data(withJSONObject: payloads), as: UTF8.self) + "\n")
    try FileManager.default.createDirectory(atPath: workspace.path + "/x", withIntermediateDirectories: true)
    try workspace.write("x/keep", "still here\n")
    try workspace.write("inject.yaml", """
        pipeline: injection
        tasks:
          produce:
            run: cp payload.json "$SLUICE_OUTPUTS"
            outputs:
              one: string
              two: string
              three: string
              four: string
              five: string
          produce_list:
            run: cp list.txt "$SLUICE_OUTPUTS"
            outputs:
              many: list[string]
          consume:
            needs: [produce, produce_list]
            run: |
              printf '%s\\n---\\n' {{ produce.one }} {{ produce.two }} {{ produce.three }} {{ produce.four }} {{ produce.five }} > got.txt
              printf '%s\\n---\\n' {{ produce_list.many }} > got_list.txt
              echo unquoted {{ produce.two }} and "in double quotes: {{ produce.one }}" > mixed.txt

        """)
    let outcome = try workspace.run("inject.yaml")
    #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
    for name in ["pwned", "pwned2", "pwned3"] { #expect(!workspace.exists(name), "\(name) must not exist") }
    #expect(workspace.read("x/keep") == "still here\n")
    let expected = payloads.map { $0 + "\n---\n" }.joined()
    #expect(workspace.read("got.txt") == expected)
    #expect(workspace.read("got_list.txt") == expected, "a list arrives as several quoted words")
    // Inside double quotes the quotes are literal characters, but still nothing runs.
    #expect(workspace.read("mixed.txt")?.contains("$(touch pwned)") == true)
}

@Test func secretsNeverReachRecordsOrTheTerminal() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    let secret = "sup3r-s3cret-Value-42"
    let fromFile = "f1le-s3cret-Value-17"
    try workspace.write(".env", "FILE_TOKEN=\(fromFile)\n")
    try workspace.write("secret.yaml", """
        pipeline: secretive
        env_file: .env
        secrets: [API_TOKEN, FILE_TOKEN]
        tasks:
          leak:
            run: |
              echo "token is $API_TOKEN and $FILE_TOKEN"
              echo "stderr $API_TOKEN" >&2
              env | grep TOKEN
              echo "tok=$API_TOKEN" >> "$SLUICE_OUTPUTS"
            outputs:
              tok: string
          use:
            needs: [leak]
            run: |
              test {{ leak.tok }} = "$API_TOKEN"
              echo "n=$FILE_TOKEN" >> "$SLUICE_OUTPUTS"
            outputs:
              n: int
          fail_loudly:
            run: echo "$API_TOKEN"; exit 3

        """)
    let outcome = try workspace.run("secret.yaml", environment: ["API_TOKEN": secret])
    #expect(outcome.status == 1, "use and fail_loudly fail")
    let run = try workspace.show()
    #expect(run.state("leak") == "success")
    #expect(run.outputs("leak")["tok"] as? String == "***")
    // `use` checked the real value (test ... passed), then wrote the other secret as an int: the message masks it.
    #expect(run.state("use") == "failed")
    let files = workspace.recordFiles()
    #expect(files.count > 5)
    for (path, data) in files {
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains(secret) && !text.contains(fromFile), "\(path) holds a secret")
    }
    let log = try #require(files.first { $0.0.hasSuffix("leak.try1.log") })
    #expect(String(decoding: log.1, as: UTF8.self).contains("token is *** and ***"))
    for stream in [outcome.stdout, outcome.stderr] {
        #expect(!stream.contains(secret) && !stream.contains(fromFile))
    }
}

@Test func aMissingEnvFileIsAClearError() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("envless.yaml", "pipeline: envless\nenv_file: missing.env\ntasks:\n  a:\n    run: \"true\"\n")
    let outcome = try workspace.run("envless.yaml")
    #expect(outcome.status == 2)
    #expect(outcome.stderr.contains("env_file") && outcome.stderr.contains("missing.env"), "\(outcome.stderr)")
}
