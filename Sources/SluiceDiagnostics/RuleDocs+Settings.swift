// Manual entries for the rules about scheduling settings: durations, the
// cron schedule, pools and trigger rules.

extension RuleDoc {
    static let settingsDocs: [RuleDoc] = [
        RuleDoc(
            .invalidDuration,
            catches: """
                A `retry_delay` or `timeout` that is not a duration: `30 seconds`, `-5m`, a bare `10`. A \
                duration is a number and a unit (`500ms`, `30s`, `5m`, `2h`, `1d`, or compounds such as \
                `1h30m`). A zero `timeout` is an error too, and so is a duration longer than `365d`.
                """,
            why: """
                `timeout: 10`, ten what? Read as seconds, it kills a five-minute job on every attempt and \
                the pipeline never succeeds again; read as hours, a hung job holds its pool slot all day \
                and everything behind it misses its deadline. Requiring the unit removes the guess.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                    retries: 3
                    retry_delay: 30 seconds
                    timeout: 10

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                    retries: 3
                    retry_delay: 30s
                    timeout: 10m

                """)]),
        RuleDoc(
            .invalidCron,
            catches: """
                A `schedule` that is neither 5-field cron (minute, hour, day of month, month, day of week) \
                nor an alias such as `@daily`. The diagnostic underlines the bad field: out of range, a \
                backwards range, a zero step, a six-field Quartz expression with seconds.
                """,
            why: """
                A schedule the scheduler cannot read means the pipeline never runs on its own, and nobody \
                is paged, because nothing failed. Sluice exports the schedule to Airflow as written, so a \
                bad one would also make the exported DAG fail to import. Six fields (Quartz and Spring \
                put seconds first) is the usual slip.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                schedule: "0 0 6 * * 1-5"
                tasks:
                  extract:
                    run: python3 extract.py

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                schedule: "0 6 * * 1-5"
                tasks:
                  extract:
                    run: python3 extract.py

                """)]),
        RuleDoc(
            .unknownPool,
            catches: "A task, or `defaults`, names a pool that is not declared under `pools`.",
            why: """
                A pool caps how many tasks call a rate-limited service at once. In Airflow a task in a \
                pool that does not exist never leaves the queue; a tool that ignores the name runs every \
                mapped instance at once, and the API answers with HTTP 429s, or bans the key for the day.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                pools: { pos_api: 2 }
                params:
                  stores: [berlin, paris, rome]
                tasks:
                  extract:
                    foreach: params.stores
                    pool: pos_apis
                    run: python3 extract.py --store {{ item }}

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                pools: { pos_api: 2 }
                params:
                  stores: [berlin, paris, rome]
                tasks:
                  extract:
                    foreach: params.stores
                    pool: pos_api
                    run: python3 extract.py --store {{ item }}

                """)]),
        RuleDoc(
            .invalidTriggerRule,
            catches: """
                A `trigger_rule` that is not one of Airflow's: `all_success` (the default), `all_failed`, \
                `all_done`, `all_done_min_one_success`, `all_skipped`, `one_success`, `one_failed`, \
                `one_done`, `none_failed`, `none_failed_min_one_success`, `none_skipped`, `always`. Also \
                `always` on a task whose `foreach` reads an upstream output, which Airflow refuses at import \
                ("Task-generated mapping within a task using 'expand' is not allowed with trigger rule \
                'always'"): the task would start before its producer made the list. Use `all_done`.
                """,
            why: """
                The trigger rule decides whether a task runs after an upstream failed or was skipped: it \
                is what makes a cleanup or an alert run at all on a bad day. Names from older Airflow \
                (`none_failed_or_skipped`, renamed in 2.2) or from memory make Airflow reject the DAG at \
                import, and a tool that falls back to `all_success` silently skips the alert exactly \
                when it was needed.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  load_warehouse:
                    run: python3 load.py --target warehouse
                  load_lake:
                    run: python3 load.py --target lake
                  report:
                    needs: [load_warehouse, load_lake]
                    trigger_rule: none_failed_or_skipped
                    run: python3 report.py

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  load_warehouse:
                    run: python3 load.py --target warehouse
                  load_lake:
                    run: python3 load.py --target lake
                  report:
                    needs: [load_warehouse, load_lake]
                    trigger_rule: none_failed_min_one_success
                    run: python3 report.py

                """)]),
    ]
}
