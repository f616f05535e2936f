import Foundation
import Testing

/// `unsafe-reference`: a `{{ }}` value goes only where Sluice can prove the
/// shell reads it as data. Each spot below let a hostile value run as code
/// before: lint now rejects it, and a plan that was never linted is refused
/// at run time before any process starts.

/// (name, `run` with the hostile references, params with their hostile values)
private let injections: [(name: String, run: String, params: [(String, String)])] = [
    ("backticks inside double quotes", #"echo "x: `echo "{{ params.v }}"`""#, [("v", "$(touch pwned)")]),
    ("case pattern inside $( ) inside double quotes", #"echo "$(case a in a) echo {{ params.v }};; esac)""#, [("v", "x; touch pwned")]),
    ("arithmetic", "echo $(( {{ params.v }} + 0 ))", [("v", "x[$(touch pwned)]")]),
    ("here-document body", "cat <<EOF\n{{ params.a }}\n{{ params.b }}\nEOF", [("a", "EOF"), ("b", "touch pwned")]),
]

private func spec(_ run: String, params: [(String, String)]) -> String {
    let indented = run.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n")
    return """
        pipeline: hostile
        params:
        \(params.map { "  \($0.0): harmless" }.joined(separator: "\n"))
        tasks:
          t:
            run: |
              touch started
        \(indented)

        """
}

@Test(arguments: injections.indices)
func unsafeReferencesAreLintErrorsAtTheirSpan(_ index: Int) throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    let (name, run, params) = injections[index]
    try workspace.write("hostile.yaml", spec(run, params: params))
    let lint = try CLI.run(["lint", "hostile.yaml"], cwd: workspace.url, environment: ["NO_COLOR": "1"])
    #expect(lint.status == 1, "\(name): \(lint.stdout)\(lint.stderr)")
    #expect(lint.stdout.contains("error[unsafe-reference]"), "\(name): \(lint.stdout)")
    #expect(lint.stdout.contains("help: pass it through env:"), "\(name): \(lint.stdout)")
    // The run stops at lint: nothing starts, whatever the params.
    let outcome = try workspace.run("hostile.yaml", params.flatMap { ["--param", "\($0.0)=\($0.1)"] })
    #expect(outcome.status != 0)
    #expect(!workspace.exists("pwned"), "\(name): a substituted value ran as code")
    #expect(!workspace.exists("started"))
}

/// A hand-written plan skips lint; the executor judges the same spots itself.
@Test(arguments: injections.indices)
func unsafeReferencesInAPlanAreRefusedBeforeAnyProcessStarts(_ index: Int) throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    let (name, run, params) = injections[index]
    // Plan a harmless spec, then put the hostile command into the plan by hand.
    try workspace.write("safe.yaml", spec(params.map { "echo {{ params.\($0.0) }}" }.joined(separator: "\n"), params: params))
    let planned = try CLI.run(["plan", "safe.yaml", "-o", "plan.json"], cwd: workspace.url)
    try #require(planned.status == 0, "\(planned.stderr)")
    let data = try #require(FileManager.default.contents(atPath: workspace.path + "/plan.json"))
    var plan = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    var tasks = try #require(plan["tasks"] as? [[String: Any]])
    var segments: [Any] = []
    var rest = "touch started\n" + run
    while let open = rest.range(of: "{{ params."), let close = rest.range(of: " }}", range: open.upperBound..<rest.endIndex) {
        segments.append(["text": String(rest[..<open.lowerBound])])
        segments.append(["param": [String(rest[open.upperBound..<close.lowerBound])]])
        rest = String(rest[close.upperBound...])
    }
    segments.append(["text": rest])
    tasks[0]["run"] = segments
    plan["tasks"] = tasks
    plan["params"] = Dictionary(uniqueKeysWithValues: params.map { ($0.0, $0.1) })
    try JSONSerialization.data(withJSONObject: plan).write(to: workspace.url.appendingPathComponent("plan.json"))

    let outcome = try workspace.run("plan.json")
    #expect(outcome.status == 1, "\(name): \(outcome.stdout)\(outcome.stderr)")
    #expect(!workspace.exists("pwned"), "\(name): a substituted value ran as code")
    #expect(!workspace.exists("started"), "\(name): the attempt started a process")
    let said = outcome.stdout + outcome.stderr
    #expect(said.contains("{{ params.\(params.last?.0 ?? "v") }}") || said.contains("{{ params.\(params[0].0) }}"), "\(name): \(said)")
    #expect(said.contains("unsafe"), "\(name): \(said)")

    // `sluice task-run` (an exported DAG's attempt) refuses the same way.
    let remote = try CLI.run(["task-run", "plan.json", "--task", "t", "--workspace", workspace.path, "--run-id", "remote1"],
                             cwd: workspace.url)
    #expect(remote.status != 0, "\(name): \(remote.stdout)\(remote.stderr)")
    #expect(!workspace.exists("pwned"))
    #expect(!workspace.exists("started"))
    #expect((remote.stdout + remote.stderr).contains("unsafe"), "\(name): \(remote.stdout)\(remote.stderr)")
}

/// The safe spots still take any value, and an int may go into arithmetic.
@Test func safeSpotsStillCarryHostileValues() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    let hostile = "$(touch pwned)'\"`touch pwned2`\\ ; touch pwned3\nEOF\n-rf"
    try workspace.write("fine.yaml", """
        pipeline: fine
        params:
          v: harmless
          n: 3
        tasks:
          t:
            run: |
              printf '%s|' {{ params.v }} "dq {{ params.v }}" 'sq {{ params.v }}' "$(printf '%s' {{ params.v }})" > got.txt
              x={{ params.v }}; printf '%s|' "$x" $(( {{ params.n }} * 2 )) >> got.txt
              cat <<EOF >> got.txt
              no reference in here: $(( 1 << 2 )) `echo ok`
              EOF
              printf '%s|' {{ params.v }} >> got.txt # after a here-document: {{ params.v }}

        """)
    let lint = try CLI.run(["lint", "--strict", "fine.yaml"], cwd: workspace.url, environment: ["NO_COLOR": "1"])
    #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
    let outcome = try workspace.run("fine.yaml", ["--param", "v=\(hostile)"])
    #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
    for canary in ["pwned", "pwned2", "pwned3"] { #expect(!workspace.exists(canary)) }
    let v = hostile
    #expect(workspace.read("got.txt") == "\(v)|dq \(v)|sq \(v)|\(v)|\(v)|6|no reference in here: 4 ok\n\(v)|")
}
