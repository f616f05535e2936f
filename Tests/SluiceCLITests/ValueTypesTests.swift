import Foundation
import Testing

/// Values keep their declared types or fail with a message naming the output
/// or the param: no infinity stored as null, no 20-digit int turned into a
/// float, no invalid UTF-8 turned into U+FFFD.
@Suite("values keep their types or fail")
struct ValueTypesTests {
    @Test func outputsThatCannotKeepTheirTypeFailTheAttempt() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("numbers.yaml", """
            pipeline: numbers
            tasks:
              json_float:
                run: |
                  echo '{"x": 1e999}' > "$SLUICE_OUTPUTS"
                outputs:
                  x: float
              line_list:
                run: echo 'l=[1.5, 1e999]' >> "$SLUICE_OUTPUTS"
                outputs:
                  l: list[float]
              big_int_in_json:
                run: |
                  echo 'j={"id": 12345678901234567890}' >> "$SLUICE_OUTPUTS"
                outputs:
                  j: json
              bad_utf8:
                run: printf 'name=caf\\351\\n' >> "$SLUICE_OUTPUTS"
                outputs:
                  name: string
              bad_utf8_heredoc:
                run: printf 'ok=fine\\nnote<<EOF\\nline\\n\\377\\nEOF\\n' >> "$SLUICE_OUTPUTS"
                outputs:
                  ok: string
                  note: string
              good:
                run: printf 'x=1.5e300\\nname=café\\n' >> "$SLUICE_OUTPUTS"
                outputs:
                  x: float
                  name: string

            """)
        let outcome = try workspace.run("numbers.yaml")
        #expect(outcome.status == 1)
        let run = try workspace.show()
        let expected = ["json_float": "\"x\"", "line_list": "\"l\"", "big_int_in_json": "\"j\"", "bad_utf8": "\"name\"", "bad_utf8_heredoc": "\"note\""]
        for (task, output) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(run.state(task) == "failed", "\(task) must fail, not store a changed value")
            let message = outcome.failureLine(task)
            #expect(message.contains(output), "\(task): the message names output \(output): \(outcome.stdout)")
        }
        #expect(run.state("good") == "success")
        #expect(run.outputs("good")["name"] as? String == "café")
        #expect(run.outputs("good")["x"] as? Double == 1.5e300)
        #expect(outcome.failureLine("bad_utf8").contains("UTF-8"))
    }

    @Test func paramsThatCannotKeepTheirTypeAreRefused() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("p.yaml", """
            pipeline: p
            params:
              l: [1.5]
              n: 1
            tasks:
              a:
                run: echo {{ params.l }} {{ params.n }}

            """)
        for argument in ["l=[1e999]", "l=[12345678901234567890]", "n=12345678901234567890"] {
            let outcome = try CLI.run(["plan", "p.yaml", "--param", argument], cwd: workspace.url)
            #expect(outcome.status == 2, "\(argument): \(outcome.stdout)")
            #expect(outcome.stderr.contains("--param " + argument.prefix { $0 != "=" }), "\(outcome.stderr)")
        }
        try workspace.write("big.yaml", """
            pipeline: big
            params:
              id: 12345678901234567890
              ok: 9223372036854775807
            tasks:
              a:
                run: echo {{ params.id }} {{ params.ok }}

            """)
        let big = try CLI.run(["plan", "big.yaml"], cwd: workspace.url)
        #expect(big.status == 1, "a 20-digit int must not become a float: \(big.stdout)")
        #expect(big.stderr.contains("big.yaml:3:"), "\(big.stderr)")
        #expect(big.stderr.contains("12345678901234567890"), "\(big.stderr)")
    }
}
