"""Exported Sluice DAGs under a real Airflow scheduler (scripts/test-airflow-scheduler).

Usage (Airflow venv python; AIRFLOW_HOME of a running `airflow standalone`):
    scheduler_smoke.py WORKSPACE DAGS_DIR

`dag.test()` has no scheduler, so three things only a real one shows:
  1. a trigger task starts its child DAG run and waits for it (the child's
     task ended before the parent's trigger task did, and the task after
     the trigger saw the child's file);
  2. a pool caps concurrency across DAG runs: three simultaneous runs of a
     DAG whose one task holds a 1-slot pool never overlap (task instance
     start and end times from Airflow's database);
  3. retries back off: a task that fails twice, retry_delay 2s with
     exponential backoff, waits at least 2 s, then at least 4 s (Airflow's
     next_retry_datetime: [delay * 2^(try-1), twice that)).
Exit 0 when all three hold. The DAGs start paused unless the export unpauses
them (Airflow's default is left as it is), so the runs also show that it does.
"""

from __future__ import annotations

import itertools
import os
import sys
import time

DEADLINE_SECONDS = 420


def main() -> int:
    workspace, dags = sys.argv[1:3]
    from airflow.api.common.trigger_dag import trigger_dag
    from airflow.models.dag import DagModel
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    started = time.monotonic()
    wanted = ["smoke_parent", "smoke_child", "smoke_pool", "smoke_retry"]
    while True:  # the dag-processor parses the folder and serializes the DAGs
        with create_session() as session:
            found = set(
                session.scalars(
                    select(DagModel.dag_id).where(DagModel.dag_id.in_(wanted))
                )
            )
        if found == set(wanted):
            break
        if time.monotonic() - started > 180:
            print(f"DAGs not parsed after 180 s: have {sorted(found)}", file=sys.stderr)
            return 1
        time.sleep(2)
    print(
        f"dag-processor: {len(wanted)} DAGs parsed in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    with create_session() as session:
        paused = sorted(
            session.scalars(
                select(DagModel.dag_id).where(
                    DagModel.dag_id.in_(wanted), DagModel.is_paused.is_(True)
                )
            )
        )
    if paused:  # their runs would wait forever, and so would a trigger of them
        print(f"FAILED: exported DAGs created paused: {paused}", file=sys.stderr)
        return 1
    print(f"unpaused at creation: {', '.join(wanted)}", flush=True)

    runs = {}
    for dag_id, count in (("smoke_parent", 1), ("smoke_pool", 3), ("smoke_retry", 1)):
        for i in range(count):
            run = trigger_dag(
                dag_id=dag_id,
                run_id=f"smoke_{i}",
                triggered_by=_triggered_by(),
                triggering_user_name="smoke",
            )
            runs.setdefault(dag_id, []).append(run.run_id)
    print(f"triggered {sum(len(v) for v in runs.values())} DAG runs", flush=True)

    def finished() -> bool:
        with create_session() as session:
            states = [
                session.scalar(
                    select(DagRun.state).where(
                        DagRun.dag_id == dag_id, DagRun.run_id == run_id
                    )
                )
                for dag_id, ids in runs.items()
                for run_id in ids
            ]
        return all(str(getattr(s, "value", s)) in ("success", "failed") for s in states)

    while not finished():
        if time.monotonic() - started > DEADLINE_SECONDS:
            print(f"DAG runs not finished after {DEADLINE_SECONDS} s", file=sys.stderr)
            dump(runs)
            return 1
        time.sleep(2)
    print(f"all DAG runs finished in {time.monotonic() - started:.0f} s", flush=True)

    with create_session() as session:

        def tis(dag_id):
            return session.scalars(
                select(TaskInstance).where(TaskInstance.dag_id == dag_id)
            ).all()

        def run_state(dag_id, run_id):
            state = session.scalar(
                select(DagRun.state).where(
                    DagRun.dag_id == dag_id, DagRun.run_id == run_id
                )
            )
            return str(getattr(state, "value", state))

        failures = []
        # 1. The trigger starts the child and waits for it.
        parent = {ti.task_id: ti for ti in tis("smoke_parent")}
        child = tis("smoke_child")
        if run_state("smoke_parent", "smoke_0") != "success":
            failures.append(
                f"smoke_parent ended {run_state('smoke_parent', 'smoke_0')}"
            )
        elif len(child) != 1 or child[0].end_date is None:
            failures.append(f"the trigger started {len(child)} child task instances")
        elif not child[0].end_date <= parent["child"].end_date:
            failures.append("the trigger task ended before its child run's task did")
        else:
            print(
                f"trigger: child run's task ended {child[0].end_date:%H:%M:%S}, the parent's trigger task "
                f"{parent['child'].end_date:%H:%M:%S}, then 'check' {parent['check'].state}",
                flush=True,
            )
        # 2. The pool caps concurrency across runs.
        held = sorted(
            (ti.start_date, ti.end_date)
            for ti in tis("smoke_pool")
            if ti.start_date and ti.end_date
        )
        overlaps = sum(1 for a, b in itertools.pairwise(held) if b[0] < a[1])
        states = [run_state("smoke_pool", run_id) for run_id in runs["smoke_pool"]]
        if states != ["success"] * 3 or len(held) != 3:
            failures.append(
                f"smoke_pool runs ended {states} with {len(held)} task instances"
            )
        elif overlaps:
            failures.append(
                f"the 1-slot pool held by {overlaps + 1} task instances at once"
            )
        else:
            print(
                f"pool: 3 runs, 1 slot, 0 overlaps ({', '.join(f'{a:%H:%M:%S}-{b:%H:%M:%S}' for a, b in held)})",
                flush=True,
            )
        # 3. Retries back off. The gaps between attempts include the scheduler's own
        # latency, so they alone cannot tell a backoff from a loaded machine: the check
        # is Airflow's own delay for each retry of the task as the exported DAG defines
        # it (TaskInstance.next_retry_datetime: at least retry_delay * multiplier^(try-1)),
        # that it grows, and that the attempts really were at least that far apart.
        with open(os.path.join(workspace, "attempts.txt")) as handle:
            stamps = [float(line) for line in handle if line.strip()]
        gaps = [round(b - a, 1) for a, b in itertools.pairwise(stamps)]
        delays = minimum_retry_delays(dags, "smoke_retry", "flaky", retries=2)
        if run_state("smoke_retry", "smoke_0") != "success" or len(stamps) != 3:
            failures.append(
                f"smoke_retry ended {run_state('smoke_retry', 'smoke_0')} after {len(stamps)} attempts"
            )
        elif any(gap < delay for gap, delay in zip(gaps, delays, strict=True)):
            failures.append(
                f"retries: attempts {gaps} s apart, sooner than Airflow's delays {delays} s"
            )
        elif delays[1] > delays[0]:
            print(
                f"retries: 3 attempts {gaps[0]} s then {gaps[1]} s apart; Airflow's minimum delays "
                f"{delays[0]} s then {delays[1]} s (retry_delay 2s, exponential)",
                flush=True,
            )
        else:
            failures.append(
                f"retries: Airflow's minimum delays are {delays[0]} s then {delays[1]} s "
                f"(attempts {gaps[0]} s, {gaps[1]} s apart): no exponential backoff"
            )
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


def minimum_retry_delays(
    dags: str, dag_id: str, task_id: str, retries: int
) -> list[float]:
    """Airflow 3.3's lower bound on the wait before each retry (TaskInstance.next_retry_datetime)."""
    import math

    from airflow.dag_processing.dagbag import DagBag

    task = (
        DagBag(dag_folder=os.path.join(dags, f"{dag_id}.py"))
        .dags[dag_id]
        .get_task(task_id)
    )
    delay = task.retry_delay.total_seconds()
    multiplier = (
        task.retry_exponential_backoff if task.retry_exponential_backoff != 0 else 1.0
    )
    if multiplier == 1.0 or multiplier <= 0:
        return [delay] * retries
    return [
        max(1, math.ceil(delay * multiplier ** (try_number - 1)))
        for try_number in range(1, retries + 1)
    ]


def _triggered_by():
    from airflow.utils.types import DagRunTriggeredByType

    return DagRunTriggeredByType.CLI


def dump(runs) -> None:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        for dag_id in runs:
            for ti in session.scalars(
                select(TaskInstance).where(TaskInstance.dag_id == dag_id)
            ):
                print(
                    f"  {dag_id} {ti.run_id} {ti.task_id}: {ti.state} try {ti.try_number}",
                    file=sys.stderr,
                )


if __name__ == "__main__":
    sys.exit(main())
