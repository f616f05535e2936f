"""Checks that an exported trigger task cannot hang, in real Apache Airflow 3.

Usage (with Airflow's venv python and the environment scripts/test-airflow
sets: AIRFLOW_HOME, the DAGs folder holding the exported
export_trigger_parent and export_trigger_child, PYTHONPATH, SLUICE_BIN):
    trigger_check.py LOG_DIR

1. `airflow dags reserialize`: both DAGs are created unpaused
   (`is_paused_upon_creation=False`), whatever `dags_are_paused_at_creation`
   says.
2. With the child paused, `airflow dags test` of the parent ends at once: the
   trigger task fails (`fail_when_dag_is_paused`), the task after it is
   upstream_failed and the run failed, instead of waiting forever.
3. With the child unpaused, the parent's trigger starts a child run and waits
   for it deferred (`deferrable=True`: `airflow dags test` runs the trigger
   in line, "running trigger in line" in its log, where a scheduler would
   hand it to the triggerer and free the worker slot). `airflow dags test`
   has no scheduler to run the child run (and `airflow dags test CHILD`
   replaces a run of the same logical date with a new one), so this script
   plays the scheduler's part and marks the triggered child run successful;
   the parent's trigger sees it, the trigger task succeeds and so does the run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

PARENT = "export_trigger_parent"
CHILD = "export_trigger_child"
TIMEOUT_SECONDS = 240


def main() -> int:
    (log_dir,) = sys.argv[1:]
    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    problems = []

    run([airflow, "dags", "reserialize"], os.path.join(log_dir, "reserialize.log"))
    for dag_id in (PARENT, CHILD):
        if is_paused(dag_id) is not False:
            problems.append(f"{dag_id}: paused upon creation ({is_paused(dag_id)})")

    started = time.monotonic()
    run([airflow, "dags", "pause", CHILD], os.path.join(log_dir, "pause.log"))
    paused_log = os.path.join(log_dir, f"{PARENT}.paused-child.log")
    code = run([airflow, "dags", "test", PARENT], paused_log)
    states = newest_run(PARENT)
    print(
        f"paused child: airflow dags test {PARENT} exit {code} in {time.monotonic() - started:.1f} s, "
        f"run {states['state']}, start_child {states['tasks'].get('start_child')}, after {states['tasks'].get('after')}",
        flush=True,
    )
    if code == 124:
        problems.append("paused child: the parent hung")
    expected = {
        "prepare": "success",
        "start_child": "failed",
        "after": "upstream_failed",
    }
    if states["tasks"] != expected or states["state"] != "failed":
        problems.append(f"paused child: {states}, expected {expected} and a failed run")
    if "is paused" not in read(paused_log):
        problems.append(
            f"paused child: the log does not say the child is paused ({paused_log})"
        )

    started = time.monotonic()
    run([airflow, "dags", "unpause", CHILD], os.path.join(log_dir, "unpause.log"))
    parent_log = os.path.join(log_dir, f"{PARENT}.log")
    with open(parent_log, "w", encoding="utf-8") as log:
        parent = subprocess.Popen(
            [airflow, "dags", "test", PARENT],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    child_run = None
    deferred = False
    while time.monotonic() - started < TIMEOUT_SECONDS and parent.poll() is None:
        child_run = newest_run(CHILD)
        deferred = "running trigger in line" in read(parent_log)
        if child_run["state"] != "missing" and deferred:
            break
        time.sleep(2)
    if child_run is None or child_run["state"] == "missing" or not deferred:
        problems.append(
            f"unpaused child: child run {child_run and child_run['run_id']}, deferred: {deferred} ({parent_log})"
        )
        stop(parent)
    else:
        print(
            f"the trigger started {child_run['run_id']} and waits deferred, after {time.monotonic() - started:.1f} s",
            flush=True,
        )
        finish_run(CHILD, child_run["run_id"])
        try:
            code = parent.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            code = stop(parent)
        states = newest_run(PARENT)
        print(
            f"unpaused child: {child_run['run_id']} marked success; parent exit {code}, run {states['state']}, "
            f"tasks {states['tasks']}, {time.monotonic() - started:.1f} s",
            flush=True,
        )
        expected = {"prepare": "success", "start_child": "success", "after": "success"}
        if states["tasks"] != expected or states["state"] != "success":
            problems.append(
                f"unpaused child: {states}, expected {expected} and a successful run"
            )
    for problem in problems:
        print(f"trigger check: {problem}", file=sys.stderr)
    print(f"trigger check: {len(problems)} problems")
    return 1 if problems else 0


def run(command: list, log_path: str) -> int:
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            return process.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            return stop(process)


def stop(process: subprocess.Popen) -> int:
    """Stops a whole `airflow dags test` session (SIGTERM, then SIGKILL)."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return 124


def read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def finish_run(dag_id: str, run_id: str) -> None:
    """What a scheduler would do once the child's tasks succeeded."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from sqlalchemy import select

    with create_session() as session:
        run = session.scalars(
            select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
        ).one()
        run.set_state(DagRunState.SUCCESS)


def is_paused(dag_id: str):
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session

    with create_session() as session:
        model = session.get(DagModel, dag_id)
        return None if model is None else model.is_paused


def newest_run(dag_id: str) -> dict:
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        run = session.scalars(
            select(DagRun).where(DagRun.dag_id == dag_id).order_by(DagRun.id.desc())
        ).first()
        if run is None:
            return {"state": "missing", "run_id": None, "tasks": {}}
        instances = session.scalars(
            select(TaskInstance).where(
                TaskInstance.dag_id == dag_id, TaskInstance.run_id == run.run_id
            )
        ).all()
        return {
            "state": str(getattr(run.state, "value", run.state)),
            "run_id": run.run_id,
            "logical_date": run.logical_date.isoformat() if run.logical_date else "",
            "tasks": {
                ti.task_id: str(getattr(ti.state, "value", ti.state))
                for ti in instances
            },
        }


if __name__ == "__main__":
    sys.exit(main())
