// Manual entries for the rules about the graphs: tasks in one pipeline
// (`needs`) and pipelines starting each other (`trigger`).

extension RuleDoc {
    static let dependencyDocs: [RuleDoc] = [
        RuleDoc(
            .unknownTask,
            catches: """
                `needs` or `branch` names a task the pipeline does not have. The help line names the \
                closest task that exists.
                """,
            why: """
                A dependency on a task that does not exist is either an import error that takes the whole \
                DAG off the scheduler, or, in tools that drop it, no dependency at all: `report` starts \
                before `load` has finished and publishes half a day of sales to the people who read it.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  load:
                    run: python3 load.py
                  report:
                    needs: [lod]
                    run: python3 report.py

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  load:
                    run: python3 load.py
                  report:
                    needs: [load]
                    run: python3 report.py

                """)]),
        RuleDoc(
            .selfDependency,
            catches: "A task lists itself in its own `needs` (a longer loop through other tasks is a `cycle`).",
            why: """
                A task that waits for itself can never start, and neither can anything downstream of it: \
                the run sits in `queued` until a timeout or a person ends it. It is typically a copy-paste \
                slip when a task block is duplicated and renamed.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                  load:
                    needs: [load]
                    run: python3 load.py

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                  load:
                    needs: [extract]
                    run: python3 load.py

                """)]),
        RuleDoc(
            .cycle,
            catches: """
                The dependency graph has a cycle. Each elementary cycle is reported once, listed \
                `a -> b -> c -> a` from its earliest task in the file, at the `needs` entry that closes it.
                """,
            why: """
                No task on a cycle can ever start, and nothing downstream of one either: the run waits \
                forever. Airflow only finds out when the scheduler parses the file ("Cycle detected"), \
                after the deploy, and drops the whole DAG. Cycles usually appear when a "refresh" \
                dependency is added in the wrong direction.
                """,
            failing: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    needs: [publish]
                    run: python3 extract.py
                  transform:
                    needs: [extract]
                    run: python3 transform.py
                  publish:
                    needs: [transform]
                    run: python3 publish.py

                """)],
            fixed: [File("daily_sales.yaml", """
                pipeline: daily_sales
                tasks:
                  extract:
                    run: python3 extract.py
                  transform:
                    needs: [extract]
                    run: python3 transform.py
                  publish:
                    needs: [transform]
                    run: python3 publish.py

                """)]),
        RuleDoc(
            .unknownPipeline,
            catches: """
                A `trigger` names a pipeline that resolves nowhere: not among the specs linted together, \
                nor among the specs in the triggering spec's directory.
                """,
            why: """
                A trigger is only exercised when its task runs, perhaps only on the day a branch chooses \
                it: a misspelt target fails the monthly retraining a month after the change was merged. \
                Airflow's `TriggerDagRunOperator` with a wrong `trigger_dag_id` fails the same way, at run \
                time, with `DagNotFound`.
                """,
            failing: [
                File("daily_ops.yaml", """
                    pipeline: daily_ops
                    tasks:
                      score:
                        run: python3 score.py
                      retrain:
                        needs: [score]
                        trigger: model_retrainng

                    """),
                File("model_retraining.yaml", modelRetraining),
            ],
            fixed: [
                File("daily_ops.yaml", """
                    pipeline: daily_ops
                    tasks:
                      score:
                        run: python3 score.py
                      retrain:
                        needs: [score]
                        trigger: model_retraining

                    """),
                File("model_retraining.yaml", modelRetraining),
            ]),
        RuleDoc(
            .triggerCycle,
            catches: """
                Pipelines that trigger each other unconditionally, so that each run starts the next: \
                `ingest -> features -> ingest`. A trigger behind a branch choice is conditional and does \
                not count.
                """,
            why: """
                An unconditional trigger loop never ends: every run starts another, all weekend, until \
                someone notices the cluster is full or the cloud bill arrives. It usually starts as a \
                well-meant "refresh the upstream when done".
                """,
            failing: [
                File("features.yaml", """
                    pipeline: features
                    tasks:
                      compute:
                        run: python3 compute.py
                      refresh_ingest:
                        needs: [compute]
                        trigger: ingest

                    """),
                File("ingest.yaml", ingest),
            ],
            fixed: [
                File("features.yaml", """
                    pipeline: features
                    tasks:
                      compute:
                        run: python3 compute.py

                    """),
                File("ingest.yaml", ingest),
            ]),
    ]

    private static let modelRetraining = """
        pipeline: model_retraining
        tasks:
          train:
            run: python3 train.py

        """

    private static let ingest = """
        pipeline: ingest
        tasks:
          fetch:
            run: python3 fetch.py
          start_features:
            needs: [fetch]
            trigger: features

        """
}
