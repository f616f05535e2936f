// Manual entries for the rules about what a spec may hold and reach:
// credentials, paths outside the workspace, and suppression comments.

extension RuleDoc {
    static let hygieneDocs: [RuleDoc] = [
        RuleDoc(
            .secretInPlainText,
            catches: """
                A credential written into the spec: an `env` entry whose name says KEY, TOKEN, SECRET, \
                PASSWORD or CREDENTIAL given a literal value, a name listed in `secrets` given a value, \
                or a `run` command holding something shaped like a credential (an AWS access key id, a \
                GitHub token, `password=...`). Messages never repeat the value.
                """,
            why: """
                A spec is committed, reviewed, copied into plans, logs and the exported Airflow DAG. A \
                password written in it is readable by everyone with access to the repository, and stays \
                in its history after it is removed: the leak outlives the fix. Declared in `secrets`, \
                the value comes from the environment or `env_file` and is masked as `***` in every log.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  load:
                    run: python3 load.py
                    env:
                      WAREHOUSE_PASSWORD: hunter2

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                secrets: [WAREHOUSE_PASSWORD]
                tasks:
                  load:
                    run: python3 load.py

                """)]),
        RuleDoc(
            .pathEscape,
            catches: """
                A `deps` path, the `path` of a `file` output, or the `params_file`, that is absolute or \
                climbs out of the workspace with `..`. A `params_file` outside is never read: lint would \
                print its lines and plans and exports would carry its values.
                """,
            why: """
                Paths resolve against the spec's directory, and the run must not depend on what lies \
                outside it: a dependency in `../shared` exists on the laptop and is missing in CI and on \
                the Airflow worker, and a file output written outside the workspace could overwrite \
                anything the user can write. Inside the workspace, cache keys and outputs travel with the \
                project.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 ../shared/extract.py
                    deps: [../shared/extract.py]

                """)],
            fixed: [
                File("daily_sales.yaml", """
                    pipeline: daily_sales
                    tasks:
                      extract:
                        run: python3 scripts/extract.py
                        deps: [scripts/extract.py]

                    """),
                File("scripts/extract.py", """
                    print("extracting")

                    """),
            ]),
        RuleDoc(
            .unsafeReference,
            catches: """
                A `{{ }}` reference in `run` outside the spots where Sluice can prove the shell reads the \
                value as data. A value may go outside quotes (a word, an assignment's value), inside \
                `'…'` or `"…"`, in a comment, or, when it is an integer, in arithmetic (`$(( ))`, and \
                bash's `(( ))`, `let`, `[[ ]]`, `declare -i`), with nothing but `$( )` and `( )` around \
                it. Everything else fires: backquotes, a here-document body, `${…}`, arithmetic on \
                anything but an integer, a reference right after `$` or a backslash, the arguments of \
                `eval` or `sh -c`, a variable name for `read`, `unset`, `printf -v`, `declare`, `local` \
                or `export`, anything after a construct the check does \
                not follow (a `case` pattern inside parentheses, `$'…'`, quotes inside `$(( ))`), and \
                every reference of a command whose quotes or parentheses do not balance.

                `sluice run` on a plan that was never linted (a hand-written `plan.json`, `sluice \
                task-run`) refuses the same spots: the attempt fails, naming the reference, before any \
                process starts.
                """,
            why: """
                Params and upstream outputs are data from outside the spec: a `--param` typed by a user, \
                a string an upstream task read from the web. Quoted for a spot the quoting does not \
                model, such a value runs as code: inside backquotes the shell strips the backslashes \
                that made `$(...)` harmless, a value equal to a here-document's delimiter ends the \
                document and the next line runs, and inside `$(( ))` quotes protect nothing: dash runs a \
                `$( )` in the value, bash the commands in an array subscript. \
                An environment variable never needs quoting of this kind: `"$NAME"` is one word \
                wherever it stands.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                params:
                  region: emea
                tasks:
                  report:
                    run: |
                      cat <<EOF > report.md
                      Sales for {{ params.region }}
                      EOF

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                params:
                  region: emea
                tasks:
                  report:
                    env:
                      REGION: "{{ params.region }}"
                    run: |
                      cat <<EOF > report.md
                      Sales for $REGION
                      EOF

                """)]),
        RuleDoc(
            .unusedSuppression,
            catches: """
                A `# sluice: ignore[rule-id]` comment that silences nothing on its line (or, alone on a \
                line, on the next line of YAML), that names no rule, that names an error (only warnings \
                can be silenced), or that is malformed. Listing `unused-suppression` itself in a \
                comment keeps the comment's other entries quiet.
                """,
            why: """
                Suppressions outlive their reason. A stale one sits on a line until someone breaks that \
                line for real, and then hides the warning that would have caught it. A misspelt rule id \
                silences nothing while looking as if it did, so the warning it was meant for is also \
                still there, and nobody knows why.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                    outputs:
                      rows: int  # sluice: ignore[unused-output]
                  load:
                    needs: [extract]
                    run: python3 load.py --expect-rows {{ extract.rows }}

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                    outputs:
                      rows: int
                  load:
                    needs: [extract]
                    run: python3 load.py --expect-rows {{ extract.rows }}

                """)]),
    ]
}
