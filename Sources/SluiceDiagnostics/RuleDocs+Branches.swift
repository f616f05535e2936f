// Manual entries for the rules about branches and the flow of outputs:
// which tasks a branch can skip, and what is skipped or unread as a result.

extension RuleDoc {
    static let branchDocs: [RuleDoc] = [
        RuleDoc(
            .branchNotDownstream,
            catches: """
                A choice listed in a task's `branch` that does not need the branch task directly. A branch \
                can only skip its direct downstream tasks.
                """,
            why: """
                A choice that does not depend on the branch task runs whatever the branch decides: the \
                expensive `retrain` path runs every single day, and the branch only looks like it works. \
                Airflow's branch operator fails the same mistake at run time, after the upstream work is \
                done.
                """,
            failing: [File("daily_ops.yaml", """
                pipeline: daily_ops
                tasks:
                  check_drift:
                    run: python3 check_drift.py
                    branch: [retrain, all_good]
                  retrain:
                    run: python3 retrain.py
                  all_good:
                    needs: [check_drift]

                """)],
            fixed: [File("daily_ops.yaml", """
                pipeline: daily_ops
                tasks:
                  check_drift:
                    run: python3 check_drift.py
                    branch: [retrain, all_good]
                  retrain:
                    needs: [check_drift]
                    run: python3 retrain.py
                  all_good:
                    needs: [check_drift]

                """)]),
        RuleDoc(
            .joinAfterBranch,
            catches: """
                A task downstream of two or more choices of one branch that keeps the default \
                `trigger_rule: all_success`. Reported once, where the choices meet.
                """,
            why: """
                The best-known Airflow pitfall: a branch always skips all choices but one, `all_success` \
                skips a task as soon as one upstream is skipped, so the join after a branch is skipped \
                every day. Nothing fails, so nothing alerts: the daily report simply stops arriving. \
                `none_failed_min_one_success` is the rule a join wants.
                """,
            failing: [File("daily_ops.yaml", """
                pipeline: daily_ops
                tasks:
                  check_drift:
                    run: python3 check_drift.py
                    branch: [retrain, keep_model]
                  retrain:
                    needs: [check_drift]
                    run: python3 retrain.py
                  keep_model:
                    needs: [check_drift]
                  report:
                    needs: [retrain, keep_model]
                    run: python3 report.py

                """)],
            fixed: [File("daily_ops.yaml", """
                pipeline: daily_ops
                tasks:
                  check_drift:
                    run: python3 check_drift.py
                    branch: [retrain, keep_model]
                  retrain:
                    needs: [check_drift]
                    run: python3 retrain.py
                  keep_model:
                    needs: [check_drift]
                  report:
                    needs: [retrain, keep_model]
                    trigger_rule: none_failed_min_one_success
                    run: python3 report.py

                """)]),
        RuleDoc(
            .unreachableTask,
            catches: """
                A direct downstream of a branch task that is neither one of its choices nor below one. \
                The branch skips every direct downstream it does not choose, except a task that is also \
                below a chosen task (Airflow's join), so this task is skipped on every run.
                """,
            why: """
                The task reads as "after the check, always notify", but it never runs, and a skip is not \
                a failure: no alert says the notification stopped. Either make it a choice, or move it \
                after the choices with a trigger rule that tolerates skips.
                """,
            failing: [File("daily_ops.yaml", """
                pipeline: daily_ops
                tasks:
                  check_drift:
                    run: python3 check_drift.py
                    branch: [retrain, keep_model]
                  retrain:
                    needs: [check_drift]
                    run: python3 retrain.py
                  keep_model:
                    needs: [check_drift]
                  notify:
                    needs: [check_drift]
                    run: python3 notify.py

                """)],
            fixed: [File("daily_ops.yaml", """
                pipeline: daily_ops
                tasks:
                  check_drift:
                    run: python3 check_drift.py
                    branch: [retrain, keep_model]
                  retrain:
                    needs: [check_drift]
                    run: python3 retrain.py
                  keep_model:
                    needs: [check_drift]
                  notify:
                    needs: [retrain, keep_model]
                    trigger_rule: none_failed_min_one_success
                    run: python3 notify.py

                """)]),
        RuleDoc(
            .unusedOutput,
            catches: """
                A scalar output (not a `table` or `file`) of a task that has downstream tasks, which none \
                of them references. Outputs of leaf tasks are results and never warn; neither do tables \
                and files, which are artifacts.
                """,
            why: """
                An output nobody reads is most often a reference that was forgotten in the downstream \
                command: the row count was declared so that `load` could check it, but the check was never \
                wired in, and a half-empty extract loads without complaint. At best it is a contract that \
                someone maintains for nothing.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                    outputs: { rows: int, max_day: string }
                  load:
                    needs: [extract]
                    run: python3 load.py --expect-rows {{ extract.rows }}

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                    outputs: { rows: int, max_day: string }
                  load:
                    needs: [extract]
                    run: python3 load.py --expect-rows {{ extract.rows }} --through {{ extract.max_day }}

                """)]),
    ]
}
