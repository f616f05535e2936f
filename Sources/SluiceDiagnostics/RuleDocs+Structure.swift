// Manual entries for the rules about a spec's shape: is it YAML, are the
// keys known, are the values of the right kind, is each id unique.

extension RuleDoc {
    static let structureDocs: [RuleDoc] = [
        RuleDoc(
            .yamlSyntax,
            catches: """
                The file is not valid YAML: bad indentation, a tab used to indent, an unclosed `[` or `{`, \
                an alias to an anchor defined nowhere before it, or an unquoted `table(...)` type (its `: ` \
                starts a mapping). Also a file nested deeper than 128 levels or whose aliases expand to \
                more than a million nodes. The diagnostic carries libyaml's own message and position, and \
                for a tab in the indentation, an unquoted `table(...)` or another `: ` inside a plain value \
                (`run: echo note: hello`) a help line that says how to indent or quote.
                """,
            why: """
                Nothing below a YAML error can be read, so nothing in the file is checked or run. Airflow's \
                equivalent is a DAG import error: the whole pipeline drops off the scheduler, and the first \
                sign is the 6 a.m. run that never started. Here the broken spec fails the pull request \
                instead, usually with a one-character fix.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                    outputs:
                      sales: table(day: date, store: string, revenue: float64)

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                    outputs:
                      sales: "table(day: date, store: string, revenue: float64)"

                """)]),
        RuleDoc(
            .unknownKey,
            catches: """
                A key the spec schema does not know, at any level: the top level, `defaults`, a task, an \
                output or an input. The help line names the closest known key, or the Sluice name for one \
                brought from another tool (`depends_on` and `upstream` are `needs`, `retry` is `retries`, \
                `schedule_interval` is `schedule`).
                """,
            why: """
                YAML accepts `retires: 3` without a murmur. A tool that ignores unknown keys runs the task \
                with no retries at all, and the first flaky network call of the night fails the run the \
                retries were written to protect. Sluice refuses the misspelt key instead of dropping the \
                setting silently.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py --day {{ run.date }}
                    retires: 3
                    retry_delay: 5m

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py --day {{ run.date }}
                    retries: 3
                    retry_delay: 5m

                """)]),
        RuleDoc(
            .invalidValue,
            catches: """
                A value of the wrong kind: a list where one value belongs, a mapping where a list belongs, \
                a negative `retries`, `max_active_tasks: 0`, `cache: maybe`, a pipeline or task id of the \
                wrong shape, a task named like a reference root (`params`, `item`, `index`, `run`), a task \
                listed twice in `needs`.
                """,
            why: """
                Such a value either fails the run when the scheduler finally reads it, or is coerced into \
                something nobody meant. `max_active_tasks: 0` gives a run that starts nothing and waits \
                forever; a negative retry count is read as "retry until it works" by some schedulers. \
                Checking the kind when the spec is written turns a stuck run at 3 a.m. into a red pull \
                request.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                max_active_tasks: 0
                tasks:
                  extract:
                    run: python3 extract.py
                    retries: -1

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                max_active_tasks: 4
                tasks:
                  extract:
                    run: python3 extract.py
                    retries: 2

                """)]),
        RuleDoc(
            .missingKey,
            catches: """
                A required key is absent: `pipeline` or `tasks` in a spec, `type` in an output written as \
                a mapping, `from` in an input.
                """,
            why: """
                An output without a type cannot be validated, so the task could hand its downstream \
                anything: an empty file, a CSV with a renamed column. The executor checks every declared \
                output against its type before a downstream task may read it; without the type, the bad \
                data gets through and fails (or corrupts) something three tasks later. A spec without \
                `pipeline` has no id for its runs, its cache or the Airflow DAG it exports to.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  report:
                    run: python3 report.py
                    outputs:
                      html: { path: reports/sales.html }

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  report:
                    run: python3 report.py
                    outputs:
                      html: { type: file, path: reports/sales.html }

                """)]),
        RuleDoc(
            .duplicateKey,
            catches: """
                A key given twice in one mapping: two tasks with one name, a `timeout` added at the bottom \
                of a task that already has one. YAML allows it and most parsers keep the last value without \
                a word; Sluice reports the second occurrence and keeps the first.
                """,
            why: """
                With two `load:` tasks, one of them silently never exists: its command never runs, and the \
                table it was meant to refresh goes stale with no failure and so no alert. The duplicate \
                usually comes from a copy-pasted block whose name was not changed.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                  load:
                    needs: [extract]
                    run: python3 load.py --target warehouse
                  load:
                    needs: [extract]
                    run: python3 load.py --target lake

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                  load_warehouse:
                    needs: [extract]
                    run: python3 load.py --target warehouse
                  load_lake:
                    needs: [extract]
                    run: python3 load.py --target lake

                """)]),
        RuleDoc(
            .duplicatePipeline,
            catches: """
                Two specs linted together declare the same pipeline id. Reported at the later file, naming \
                the first.
                """,
            why: """
                Run history, the cache and the exported Airflow `dag_id` are all keyed by the pipeline id. \
                Two specs with one id overwrite each other's runs and cache entries; exported to Airflow, \
                the two DAG files fight over one id and the scheduler shows whichever it parsed last, so \
                the schedule that actually runs changes from one parse to the next.
                """,
            failing: [
                File("daily_sales.yaml", """
                    pipeline: daily_sales
                    tasks:
                      extract:
                        run: python3 extract.py

                    """),
                File("weekly_sales.yaml", """
                    pipeline: daily_sales
                    schedule: "@weekly"
                    tasks:
                      rollup:
                        run: python3 rollup.py

                    """),
            ],
            fixed: [
                File("daily_sales.yaml", """
                    pipeline: daily_sales
                    tasks:
                      extract:
                        run: python3 extract.py

                    """),
                File("weekly_sales.yaml", """
                    pipeline: weekly_sales
                    schedule: "@weekly"
                    tasks:
                      rollup:
                        run: python3 rollup.py

                    """),
            ]),
    ]
}
