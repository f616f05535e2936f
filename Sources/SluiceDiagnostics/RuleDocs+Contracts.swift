// Manual entries for the data contracts: references to params and outputs,
// mapping, and the types outputs and inputs declare.

extension RuleDoc {
    static let contractDocs: [RuleDoc] = [
        RuleDoc(
            .unknownParam,
            catches: """
                A `{{ params.a.b }}` reference that resolves to nothing in the merged params (the \
                `params_file` plus inline `params`). The diagnostic points at the first missing segment \
                and suggests the closest key.
                """,
            why: """
                Template engines render an unknown name as an empty string. `--drop-alert \
                {{ params.monitoring.drop_alrt }}` becomes `--drop-alert` with nothing after it: the \
                script falls back to its built-in default, or takes the next flag as the value, and the \
                alert meant to fire at a 20% drop fires at 50%, or never.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                params:
                  monitoring: { drop_alert: 0.2 }
                tasks:
                  check:
                    run: python3 check.py --drop-alert {{ params.monitoring.drop_alrt }}

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                params:
                  monitoring: { drop_alert: 0.2 }
                tasks:
                  check:
                    run: python3 check.py --drop-alert {{ params.monitoring.drop_alert }}

                """)]),
        RuleDoc(
            .unknownOutput,
            catches: "A `{{ task.output }}` reference naming an output the task does not declare under `outputs`.",
            why: """
                It is Airflow's `xcom_pull(task_ids="extract", key="sale")` for a key that was never \
                pushed: it returns `None`, the downstream task formats "None" into its command or its SQL, \
                and fails, or worse succeeds on the wrong data, at 3 a.m. A reference to an undeclared \
                output cannot be right, so it is caught before the merge.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                    outputs:
                      sales: "table(day: date, store: string, revenue: float64)"
                  load:
                    needs: [extract]
                    run: python3 load.py --table {{ extract.sale }}

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                    outputs:
                      sales: "table(day: date, store: string, revenue: float64)"
                  load:
                    needs: [extract]
                    run: python3 load.py --table {{ extract.sales }}

                """)]),
        RuleDoc(
            .notUpstream,
            catches: """
                A task reads an output of a task that is not its transitive upstream: a sibling, a task \
                downstream of it, or itself. The help line spells the `needs` list to write.
                """,
            why: """
                An output exists only once its task has finished, and only `needs` makes the reader wait. \
                Without it, the two tasks run in whatever order the scheduler picks: the pipeline works \
                for weeks, then the reader starts first one night and pulls nothing, the XCom that comes \
                back as `None` at 3 a.m. Sluice makes the ordering explicit instead of lucky.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                    outputs: { rows: int }
                  report:
                    run: python3 report.py --rows {{ extract.rows }}

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                    outputs: { rows: int }
                  report:
                    needs: [extract]
                    run: python3 report.py --rows {{ extract.rows }}

                """)]),
        RuleDoc(
            .badReference,
            catches: """
                A malformed `{{ }}`: unclosed, empty, with a filter (`| int`), a subscript (`[0]`) or an \
                expression; a root that is not `params`, a task, `item`, `index` or `run` (Airflow's \
                `{{ ds }}` included); `{{ item }}` outside a `foreach` task; `{{ run.x }}` other than \
                `run.id` and `run.date`; a bare task name without an output; a field of a `foreach` item \
                that an element of its params list lacks (`{{ item.tickr }}`, with did-you-mean), or of \
                an upstream list of scalars; `.by_label` of a task that is not mapped; a task output in a \
                `label`.
                """,
            why: """
                Habits from Airflow's Jinja do not carry over, and a reference that is not understood must \
                not reach the shell: `python3 extract.py --day {{ ds }}` would run with a literal `{{` or \
                an empty day, and load the wrong partition, or all of them. Every reference is checked \
                when the spec is written and substituted, shell-quoted, only when the task starts.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py --day {{ ds }}

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py --day {{ run.date }}

                """)]),
        RuleDoc(
            .foreachNotList,
            catches: """
                `foreach` written as an inline value, or naming a param or output that is not a list. \
                `foreach` takes a reference (`params.stores`, `task.output`), never the list itself.
                """,
            why: """
                A mapped task fans out over whatever the reference holds at run time. `stores: berlin, \
                paris, rome` is one string, not three stores: in Airflow, `expand()` over it fails only \
                when the mapped task is reached, after the upstream work is done. Keeping the list in \
                `params` also lets a run override it: `--param stores='["rome"]'`.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                params:
                  stores: berlin, paris, rome
                tasks:
                  extract:
                    foreach: params.stores
                    run: python3 extract.py --store {{ item }}

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                params:
                  stores: [berlin, paris, rome]
                tasks:
                  extract:
                    foreach: params.stores
                    run: python3 extract.py --store {{ item }}

                """)]),
        RuleDoc(
            .typeMismatch,
            catches: """
                An `inputs` expectation that disagrees with what the producing task declares: a scalar of \
                another type, a list where one value arrives (the producer is mapped), a table column of \
                another type or one the table does not have.
                """,
            why: """
                Schema drift between tasks is the quiet failure of data pipelines: the producer changes \
                `day` from a date to a timestamp, the forecast joins on dates, matches zero rows and \
                publishes a flat line, with every task green. Declaring what a consumer expects turns the \
                drift into a diagnostic naming both declarations, at review time.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                    outputs:
                      sales: "table(day: timestamp, store: string, revenue: float64)"
                  forecast:
                    needs: [extract]
                    inputs:
                      history: { from: extract.sales, columns: { day: date, revenue: float64 } }
                    run: python3 forecast.py --history {{ extract.sales }}

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                    outputs:
                      sales: "table(day: date, store: string, revenue: float64)"
                  forecast:
                    needs: [extract]
                    inputs:
                      history: { from: extract.sales, columns: { day: date, revenue: float64 } }
                    run: python3 forecast.py --history {{ extract.sales }}

                """)]),
        RuleDoc(
            .invalidType,
            catches: """
                An output, input or column type that does not parse: `integer`, `list(string)`, a column \
                typed `float` (columns are `int64`, `float64`, `bool`, `string`, `date`, `timestamp`), \
                `table()` without columns, a list of tables.
                """,
            why: """
                Every output is validated against its declared type before anything downstream reads it. \
                A type that cannot be read cannot be checked: the task would do an hour of work and then \
                fail on its own declaration. Caught here, it is a one-word fix.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                    outputs:
                      rows: integer
                      sales: "table(day: date, revenue: float)"

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                    outputs:
                      rows: int
                      sales: "table(day: date, revenue: float64)"

                """)]),
    ]
}
