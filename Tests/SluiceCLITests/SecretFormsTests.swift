import Foundation
import Testing

/// A secret must not reach disk or the terminal in any form Sluice derives
/// from it: JSON-escaped in a message, shell-quoted in a rendered command,
/// cut short in a type error or an `--explain` line, or as a branch choice.
/// Each test greps every file under the workspace and both output streams
/// for the secret, its escaped and quoted forms, and every 8-character piece
/// of them (a shortened value shows a prefix, a quoted one shows pieces).
@Suite("secrets in derived forms")
struct SecretFormsTests {
    /// Holds `"`, `\` and `'`, so its JSON-escaped and shell-quoted forms differ from it.
    static let quoting = #"Qx7"Kp2\Lw9'Vn4Mr8-Tb1"#
    /// 100 characters: longer than every shortened value Sluice prints (40, 60, 80).
    static let long = "Lg3Hy8Wd5Nc2Zs9Pf4Ru7Ek1Xo6Bj0Qm3Vt8Ia5Gs2Yn9Cd4Fp7Kh1Ow6Ue0Lr3Mx8Tz5Sb2Jq9Va4Nk7Dg1Pw6Ey0Hc3Rf8"

    /// The texts that must never appear: each secret, its escaped and quoted
    /// forms, and every 8-character piece of any of them.
    static func traces(of secret: String) -> Set<String> {
        var forms = [secret]
        let json = String(decoding: try! JSONSerialization.data(withJSONObject: [secret]), as: UTF8.self)
        forms.append(String(json.dropFirst(2).dropLast(2)))
        forms.append("'" + secret.replacingOccurrences(of: "'", with: #"'"'"'"#) + "'")
        forms.append(secret.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))
        var traces = Set(forms)
        for form in forms {
            let characters = Array(form)
            guard characters.count >= 8 else { continue }
            for start in 0...(characters.count - 8) { traces.insert(String(characters[start..<(start + 8)])) }
        }
        // Pieces made only of quoting characters (`'"'"'`) say nothing about the secret.
        return traces.filter { piece in piece.contains { $0.isLetter || $0.isNumber } }
    }

    static func expectNoTrace(of secrets: [String], in workspace: RunWorkspace, streams: [String],
                              skipping skipped: (String) -> Bool = { _ in false },
                              sourceLocation: SourceLocation = #_sourceLocation) {
        var texts: [(String, String)] = streams.enumerated().map { ("stream \($0.offset)", $0.element) }
        if let walker = FileManager.default.enumerator(at: workspace.url, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let file as URL in walker where (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
                && !skipped(file.lastPathComponent) {
                texts.append((file.path, String(decoding: FileManager.default.contents(atPath: file.path) ?? Data(), as: UTF8.self)))
            }
        }
        #expect(texts.count > 5, sourceLocation: sourceLocation)
        for secret in secrets {
            let traces = traces(of: secret)
            for (name, text) in texts {
                let found = traces.filter { text.contains($0) }.sorted()
                #expect(found.isEmpty, "\(name) shows the secret as \(found.prefix(3))", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func aSecretWithQuotesAndBackslashesInAnOutputTypeError() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("typed.yaml", """
            pipeline: typed
            secrets: [TOKEN]
            tasks:
              line_form:
                run: printf 'n=%s\\n' "$TOKEN" >> "$SLUICE_OUTPUTS"
                outputs:
                  n: int
              json_form:
                run: |
                  printf '{"tags": ["%s"]}' "$(printf '%s' "$TOKEN" | sed 's/[\\\\"]/\\\\&/g')" > "$SLUICE_OUTPUTS"
                outputs:
                  tags: list[int]
              long_line:
                run: printf 'n=%s\\n' "$LONG" >> "$SLUICE_OUTPUTS"
                outputs:
                  n: int

            """)
        let outcome = try workspace.run("typed.yaml", environment: ["TOKEN": Self.quoting, "LONG": Self.long])
        #expect(outcome.status == 1)
        let run = try workspace.show()
        for task in ["line_form", "json_form"] {
            #expect(run.state(task) == "failed")
            #expect(outcome.failureLine(task).contains("***"), "the type error shows the masked value: \(outcome.stdout)")
        }
        // LONG is not declared a secret: its message shows a shortened value, which proves the cut happens.
        #expect(outcome.failureLine("long_line").contains("…"))
        Self.expectNoTrace(of: [Self.quoting], in: workspace, streams: [outcome.stdout, outcome.stderr])
    }

    @Test func aLongSecretInATableCellOrAsABranchChoiceIsMaskedBeforeItIsCut() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("cut.yaml", """
            pipeline: cut
            secrets: [TOKEN, QUOTING]
            tasks:
              table:
                run: printf 'n\\n%s\\n' "$TOKEN" > "$SLUICE_TABLE_ROWS"
                outputs:
                  rows: "table(n: int64)"
              header:
                run: printf 'n,%s\\n1,2\\n' "$TOKEN" > "$SLUICE_TABLE_ROWS"
                outputs:
                  rows: "table(n: int64)"
              chooser:
                run: printf 'branch=%s\\n' "$TOKEN" >> "$SLUICE_OUTPUTS"
                branch: [then_a]
              quoted_chooser:
                run: printf 'branch=%s\\n' "$QUOTING" >> "$SLUICE_OUTPUTS"
                branch: [then_b]
              then_a:
                needs: [chooser]
                run: "true"
              then_b:
                needs: [quoted_chooser]
                run: "true"

            """)
        let outcome = try workspace.run("cut.yaml", environment: ["TOKEN": Self.long, "QUOTING": Self.quoting])
        #expect(outcome.status == 1)
        let run = try workspace.show()
        for task in ["table", "header", "chooser", "quoted_chooser"] {
            #expect(run.state(task) == "failed", "\(task)")
            #expect(outcome.failureLine(task).contains("***"), "\(task): \(outcome.stdout)")
        }
        Self.expectNoTrace(of: [Self.long, Self.quoting], in: workspace, streams: [outcome.stdout, outcome.stderr])
    }

    @Test func aSecretInAParamIsMaskedInExplainLinesAndCacheRecords() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("explained.yaml", """
            pipeline: explained
            secrets: [TOKEN]
            params:
              token: none
            tasks:
              use:
                run: test -n {{ params.token }} && echo "n=1" >> "$SLUICE_OUTPUTS"
                outputs:
                  n: int

            """)
        var streams: [String] = []
        for secret in [Self.long, Self.quoting, Self.long + Self.quoting] {
            let outcome = try workspace.run("explained.yaml", ["--explain", "--param", "token=" + secret], environment: ["TOKEN": secret])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            streams += [outcome.stdout, outcome.stderr]
        }
        #expect(streams.joined().contains("param token changed"), "the explain line shows the change: \(streams.joined())")
        // A run's plan.json keeping a --param's value is issue 26.9 (the run records), not a derived form.
        Self.expectNoTrace(of: [Self.long, Self.quoting], in: workspace, streams: streams, skipping: { $0 == "plan.json" })
    }
}

extension CLI.Outcome {
    /// The progress line that reports the task's failed first attempt (its message).
    func failureLine(_ task: String) -> String {
        (stdout + stderr).split(separator: "\n").first { $0.contains("failed") && $0.contains(" \(task) (try 1)") }.map(String.init) ?? ""
    }
}
