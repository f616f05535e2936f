// Manual entries for the rules about specs that parse and check, and then do
// something else at run time than they say: habits from other tools
// (`${{ }}`), and `deps` that name nothing.

extension RuleDoc {
    static let runTimeDocs: [RuleDoc] = [
        RuleDoc(
            .dollarTemplate,
            catches: """
                A reference written `${{ params.x }}`, as GitHub Actions writes expressions. Sluice \
                references are `{{ params.x }}`, with no `$`.
                """,
            why: """
                The `{{ }}` part is a valid reference, so the spec used to lint clean and plan; the `$` \
                stayed in the command as literal text, glued to the quoted value. The shell then reads \
                `$'eu'` (bash turns it into `eu` by ANSI-C quoting, dash passes `$eu` or expands \
                nothing), and the task runs with an argument nobody wrote. When a literal `$` before \
                the value is really meant, quote it in `run` (`'$'{{ params.x }}`: a bare `$` there would start an expansion) and write `{{ "$" }}{{ params.x }}` in `env`.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                params:
                  region: eu
                tasks:
                  extract:
                    run: python3 extract.py --region ${{ params.region }}

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                params:
                  region: eu
                tasks:
                  extract:
                    run: python3 extract.py --region {{ params.region }}

                """)]),
        RuleDoc(
            .missingDeps,
            catches: """
                A `deps` entry that names no existing file or directory, or that is a glob (`*`, `?`, \
                `[`). Paths are relative to the workspace (the spec's directory, or its \
                `workdir`), as the executor hashes them.
                """,
            why: """
                `deps` are hashed into the task's cache key, so that editing the script re-runs the \
                task. A misspelt path, a path relative to the wrong directory, or a glob (which is not \
                expanded) names nothing, hashes as "missing" on every run, and the task is served from \
                the cache after every edit of the file it was meant to name: a stale result with exit 0.
                """,
            failing: [
                File("daily_sales.yaml", """
                    pipeline: daily_sales
                    tasks:
                      extract:
                        run: python3 scripts/extract.py
                        deps: [scripts/extarct.py, scripts/*.sql]

                    """),
                File("scripts/extract.py", """
                    print("extracting")

                    """),
            ],
            fixed: [
                File("daily_sales.yaml", """
                    pipeline: daily_sales
                    tasks:
                      extract:
                        run: python3 scripts/extract.py
                        deps: [scripts/extract.py, scripts]

                    """),
                File("scripts/extract.py", """
                    print("extracting")

                    """),
            ]),
        RuleDoc(
            .leafHidesFailure,
            catches: """
                A leaf task (nothing needs it) with `trigger_rule: all_done` or `always`, below a task \
                whose failure no other leaf shows: no path leads from it to a leaf through `all_success`, \
                `none_failed` or `none_failed_min_one_success` tasks, or to a `one_failed` watcher.
                """,
            why: """
                A run's state comes from its leaf tasks, as Airflow's DAG run does: it fails when a leaf \
                ends failed or upstream_failed, and succeeds when every leaf ended success or skipped. A \
                cleanup leaf that runs after everything succeeds even when the load before it failed, so \
                the run, its exit status and the trigger task that started it all say success. Airflow's \
                answer is a watcher: a leaf with `one_failed` that fails on purpose.
                """,
            failing: [File("nightly_load.yaml", """
                pipeline: nightly_load
                tasks:
                  load:
                    run: python3 load.py
                  cleanup:
                    needs: [load]
                    trigger_rule: all_done
                    run: rm -rf staging

                """)],
            fixed: [File("nightly_load.yaml", """
                pipeline: nightly_load
                tasks:
                  load:
                    run: python3 load.py
                  cleanup:
                    needs: [load]
                    trigger_rule: all_done
                    run: rm -rf staging
                  watcher:
                    needs: [load]
                    trigger_rule: one_failed
                    run: exit 1

                """)]),
    ]
}
