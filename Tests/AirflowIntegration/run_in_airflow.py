"""Runs exported Sluice DAGs in real Apache Airflow 3 and dumps their outputs.

Usage (with Airflow's venv python, AIRFLOW_HOME, the DAGs folder, PYTHONPATH
and SLUICE_BIN set, as scripts/test-airflow does):
    run_in_airflow.py DAGS_DIR OUT.json LOG_DIR DAG_ID[=YYYY-MM-DD]...

1. Imports the DAGs folder with Airflow's DagBag and fails on any import error
   or a missing DAG.
2. Runs each DAG with `airflow dags test DAG_ID [LOGICAL_DATE]` (no scheduler,
   SQLite, tasks in process), under a time limit, its output in
   LOG_DIR/<dag>.log, and fails unless the DAG run succeeded. The logical date
   (`{{ run.date }}` in the tasks) is the one given, so a comparison with a
   local run of the same day sees the same dates.
3. Writes every task instance's state, try number and Sluice outputs (read
   back from XCom with the keys sluice_airflow stores them under) to OUT.json,
   for compare_runs.py, with any XCom key of the instance that holds no output
   (an output stored twice would show there).

`airflow dags test` has no scheduler: a TriggerDagRunOperator that waits for
the run it triggers would wait forever. The examples' defaults never fire one
(daily_operations takes its all_good branch; model_retraining is run as a DAG
of its own), and the time limit turns any such hang into a failure.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

DAG_TEST_TIMEOUT_SECONDS = 240


def main() -> int:
    dags_dir, out_path, log_dir, *wanted = sys.argv[1:]
    runs = [item.partition("=")[::2] for item in wanted]
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=dags_dir)
    if bag.import_errors:
        for path, error in bag.import_errors.items():
            print(f"import error in {path}:\n{error}", file=sys.stderr)
        return 1
    missing = sorted({dag_id for dag_id, _ in runs} - set(bag.dag_ids))
    if missing:
        print(
            f"DAGs not found: {missing}; found {sorted(bag.dag_ids)}", file=sys.stderr
        )
        return 1
    tasks = sum(len(bag.dags[dag_id].tasks) for dag_id in bag.dag_ids)
    print(
        f"DagBag: {len(bag.dag_ids)} DAGs ({tasks} Airflow tasks), 0 import errors",
        flush=True,
    )

    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    os.makedirs(log_dir, exist_ok=True)
    results = {}
    failed = False
    for dag_id, logical_date in runs:
        log_path = os.path.join(log_dir, f"{dag_id}.log")
        started = time.monotonic()
        code = dag_test(airflow, dag_id, logical_date, log_path)
        seconds = time.monotonic() - started
        results[dag_id] = collect(dags_dir, dag_id)
        state = results[dag_id]["state"]
        instances = len(results[dag_id]["tasks"])
        print(
            f"airflow dags test {dag_id} {logical_date}: exit {code}, run {state}, "
            f"{instances} task instances, {seconds:.1f} s",
            flush=True,
        )
        if code != 0 or state != "success":
            failed = True
            with open(log_path, encoding="utf-8", errors="replace") as handle:
                print(handle.read()[-8000:], file=sys.stderr)
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=2, sort_keys=True, default=str)
    return 1 if failed else 0


def dag_test(airflow: str, dag_id: str, logical_date: str, log_path: str) -> int:
    """`airflow dags test` in its own session, killed whole if it overruns."""
    command = [airflow, "dags", "test", dag_id] + (
        [logical_date] if logical_date else []
    )
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            return process.wait(timeout=DAG_TEST_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            print(
                f"airflow dags test {dag_id}: no result after {DAG_TEST_TIMEOUT_SECONDS} s, stopping it",
                file=sys.stderr,
            )
            # SIGTERM first: the sluice task-run inside stops its task's process group.
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            return 124


def collect(dags_dir: str, dag_id: str) -> dict:
    """The newest run of the DAG: its state, and per task instance its outputs."""
    import sluice_airflow
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    plan = sluice_airflow.Plan(
        os.path.join(dags_dir, f"{dag_id}.py"), f"{dag_id}.plan.json", workspace=""
    )
    with create_session() as session:
        run = session.scalars(
            select(DagRun).where(DagRun.dag_id == dag_id).order_by(DagRun.id.desc())
        ).first()
        if run is None:
            return {"state": "missing", "tasks": {}}
        tasks = {}
        instances = session.scalars(
            select(TaskInstance).where(
                TaskInstance.dag_id == dag_id, TaskInstance.run_id == run.run_id
            )
        ).all()
        for ti in instances:
            rows = session.scalars(
                select(XComModel).where(
                    XComModel.dag_id == dag_id,
                    XComModel.run_id == run.run_id,
                    XComModel.task_id == ti.task_id,
                    XComModel.map_index == ti.map_index,
                )
            ).all()
            stored = {row.key: xcom_value(row.value) for row in rows}
            task = plan.tasks[ti.task_id]
            names = [output["name"] for output in task.get("outputs", [])]
            if task.get("branch") is not None:
                names.append("branch")
            keys = {plan.xcom_key(ti.task_id, name): name for name in names}
            outputs = {keys[key]: value for key, value in stored.items() if key in keys}
            key = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
            tasks[key] = {
                "state": state_name(ti.state),
                "try_number": ti.try_number,
                "outputs": outputs or None,
                # Airflow's own record of a branch's decision is not an output.
                "other_xcom_keys": sorted(set(stored) - set(keys) - {"skipmixin_key"}),
            }
        return {
            "state": state_name(run.state),
            "run_id": run.run_id,
            # The id sluice task-run saw ({{ run.id }}, SLUICE_RUN_ID): the runtime makes it path-safe.
            "sluice_run_id": sluice_airflow._run_id({"run_id": run.run_id}),
            "logical_date": str(run.logical_date),
            "tasks": tasks,
        }


def xcom_value(value):
    """An XCom row's value: stored as JSON text."""
    if isinstance(value, (str, bytes)):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def state_name(state) -> str:
    return str(getattr(state, "value", state))


if __name__ == "__main__":
    sys.exit(main())
