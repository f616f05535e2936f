"""The semantics matrix: Sluice's run semantics against real Airflow 3.

Usage (with the Airflow venv's python, AIRFLOW_HOME migrated, as
scripts/test-semantics does):
    matrix.py SLUICE_BIN WORK_DIR

For every case in cases.py:
  1. writes the Sluice spec and the hand-written Airflow DAG (<case>__airflow);
  2. `sluice run`s the spec and reads every task instance's state with
     `sluice show latest --format json` (and checks the exit code follows the
     run state);
  3. exports the spec with `sluice export airflow` into the same DAGs folder;
  4. runs both Airflow DAGs with `dag.test()` in this one process (no
     scheduler, SQLite; far faster than one `airflow dags test` each);
  5. compares every task instance (mapped ones by map index) and the run state.

Airflow's hand-written DAG is the reference. The two columns compared with it:
`sluice run` and the exported DAG. Cells whose Airflow answer depends on event
order are excluded (cases.py says why, per cell). Where Airflow refuses the
hand-written DAG at import, the expected outcome in both columns is that
Sluice refuses the spec with a message (`sluice run` through its lint,
`sluice export`); an exported file that Airflow does not import disagrees.
Exit 1 on any other disagreement.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases as matrix_cases

SLUICE_TIMEOUT_SECONDS = 60


class Log:
    """Progress to the real stdout while Airflow's own logging goes to a file."""

    def __init__(self, path: str) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        self.out = os.fdopen(os.dup(1), "w", buffering=1)
        # Open for the whole process: it is Airflow's stdout and stderr from here on.
        self.file = open(path, "a", encoding="utf-8")  # noqa: SIM115
        os.dup2(self.file.fileno(), 1)
        os.dup2(self.file.fileno(), 2)

    def __call__(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def main() -> int:
    sluice, work = sys.argv[1], os.path.abspath(sys.argv[2])
    started = time.monotonic()
    dags = os.path.join(work, "dags")
    local_ws = os.path.join(work, "local")
    export_ws = os.path.join(work, "exported")
    for folder in (dags, local_ws, export_ws):
        os.makedirs(folder, exist_ok=True)
    log = Log(os.path.join(work, "airflow.log"))
    # The exported DAG files import sluice_airflow from the DAGs folder (on sys.path in a deployment).
    sys.path.insert(0, dags)

    cases = matrix_cases.all_cases()
    only = os.environ.get(
        "SLUICE_MATRIX_ONLY"
    )  # a substring of case names, while developing
    if only:
        cases = [case for case in cases if only in case.name]
    for case in cases:
        spec = matrix_cases.sluice_spec(case)
        for workspace in (local_ws, export_ws):
            # A spec's directory is its workspace (records under .sluice/).
            with open(os.path.join(workspace, f"{case.name}.yaml"), "w") as f:
                f.write(spec)
        with open(
            os.path.join(dags, f"{matrix_cases.airflow_dag_id(case)}.py"), "w"
        ) as f:
            f.write(matrix_cases.airflow_dag(case))
    log(f"generated {len(cases)} cases in {work}")

    problems: list[str] = []
    local = {}
    refusals: dict[str, str] = {}  # case -> why `sluice export` refused it
    for case in cases:
        local[case.name] = sluice_run(sluice, local_ws, case, problems)
        export = subprocess.run(
            [
                sluice,
                "export",
                "airflow",
                f"{case.name}.yaml",
                "-o",
                dags,
                "--workspace",
                export_ws,
            ],
            check=False,
            cwd=export_ws,
            capture_output=True,
            text=True,
            timeout=SLUICE_TIMEOUT_SECONDS,
        )
        if export.returncode != 0:
            # Compared with what Airflow does with the hand-written DAG: a refusal
            # is the expected outcome where Airflow refuses it too (compare()).
            refusals[case.name] = (
                f"sluice export airflow exit {export.returncode}: {export.stderr.strip()[-2000:]}"
            )
    log(f"sluice run + export: {len(cases)} cases ({time.monotonic() - started:.0f} s)")

    airflow = run_in_airflow(dags, cases, log, problems)
    log(
        f"airflow dag.test: {2 * len(cases)} DAG runs ({time.monotonic() - started:.0f} s)"
    )
    for name, why in refusals.items():
        airflow[name] = {"state": "refused", "by": "sluice", "error": why, "tasks": {}}
    ok = compare(cases, local, airflow, log, problems)
    log(f"semantics matrix: {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


def sluice_run(sluice: str, workspace: str, case, problems: list[str]) -> dict:
    """{state, tasks: {task or task[i]: state}}; state "refused" when sluice
    rejects the spec (no run; exit 1 with its lint errors, or 2), as Airflow
    refuses a DAG at import."""
    run = subprocess.run(
        # --no-cache: cases share commands (`true`), and the matrix is about states, not the cache.
        [sluice, "run", f"{case.name}.yaml", "--no-cache", "--color", "never"],
        check=False,
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=SLUICE_TIMEOUT_SECONDS,
    )
    show = subprocess.run(
        [sluice, "show", "latest", "--format", "json", "--workspace", workspace],
        check=False,
        capture_output=True,
        text=True,
        timeout=SLUICE_TIMEOUT_SECONDS,
    )
    record = json.loads(show.stdout) if show.returncode == 0 else {"pipeline": None}
    if record["pipeline"] != case.name:  # no run of this case: the latest is another's
        if run.returncode in (1, 2) and run.stderr.strip():
            return {
                "state": "refused",
                "by": "sluice",
                "error": run.stderr.strip()[-2000:],
                "tasks": {},
            }
        problems.append(
            f"{case.name}: sluice run exit {run.returncode} left no run: {run.stderr.strip()[-400:]}"
        )
        return {"state": "missing", "tasks": {}}
    expected_exit = {"success": 0, "failed": 1}.get(record["state"])
    if run.returncode != expected_exit:
        problems.append(
            f"{case.name}: sluice run exit {run.returncode} for a {record['state']} run"
        )
    tasks = {}
    for ti in record["tasks"]:
        key = (
            ti["task"]
            if ti["map_index"] is None
            else f"{ti['task']}[{ti['map_index']}]"
        )
        tasks[key] = ti["state"]
    return {"state": record["state"], "tasks": tasks}


def run_in_airflow(dags: str, cases, log: Log, problems: list[str]) -> dict:
    """dag.test() of each case's hand-written and exported DAG: {dag_id: {state, tasks}};
    state "refused" for a DAG file Airflow does not import."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=dags)
    refused = {
        os.path.splitext(os.path.basename(path))[0]: str(error).strip().splitlines()[-1]
        for path, error in bag.import_errors.items()
    }
    results = {}
    with ParseOnce() as parse_once:
        for case in cases:
            for dag_id in (matrix_cases.airflow_dag_id(case), case.name):
                dag = bag.dags.get(dag_id)
                if dag is None:
                    error = refused.get(dag_id, "no such DAG")
                    results[dag_id] = {"state": "refused", "error": error, "tasks": {}}
                    print(f"== {dag_id}: not imported: {error}", flush=True)
                    continue
                started = time.monotonic()
                try:
                    run = dag.test()
                    results[dag_id] = collect(run)
                except Exception as error:  # noqa: BLE001 - reported, and the matrix goes on
                    problems.append(f"{dag_id}: dag.test() raised {error!r}")
                    results[dag_id] = {"state": "error", "tasks": {}}
                parse_once.synced()
                print(
                    f"== {dag_id}: {results[dag_id]['state']} in {time.monotonic() - started:.1f} s",
                    flush=True,
                )
    return results


def collect(run) -> dict:
    from airflow.utils.session import create_session

    with create_session() as session:
        tasks = {}
        for ti in run.get_task_instances(session=session):
            key = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
            tasks[key] = state_name(ti.state)
        return {"state": state_name(run.state), "tasks": tasks}


def state_name(state) -> str:
    return str(getattr(state, "value", state))


COLUMNS = ("sluice run", "exported DAG")


def compare(cases, local: dict, airflow: dict, log: Log, problems: list[str]) -> bool:
    """Every task instance and run state of both columns against the hand-written DAG."""
    instances = excluded = helpers = 0
    tally = Counter()
    refused = Counter()  # column -> cases it refused as Airflow refuses them

    def disagree(case, column: str, what: str, want: str, got: str, kind: str) -> None:
        problems.append(f"{case.name} {what}: Airflow {want}, {column} {got}")
        tally[column, kind] += 1

    for case in cases:
        reference = airflow[matrix_cases.airflow_dag_id(case)]
        columns = {"sluice run": local[case.name], "exported DAG": airflow[case.name]}
        if reference["state"] == "error":
            problems.append(f"{case.name}: the hand-written Airflow DAG did not run")
            continue
        if reference["state"] == "refused":
            log(
                f"{case.name}: Airflow refuses the hand-written DAG: {reference['error']}"
            )
            # What Airflow cannot import, Sluice must refuse with a message: `sluice run`
            # (its lint) and `sluice export`. A refusal agrees; anything else disagrees below.
            for column, result in columns.items():
                if result["state"] != "refused":
                    continue  # disagrees on the run state below
                if result.get("by") == "sluice":
                    refused[column] += 1
                    log(
                        f"  {column} refuses it too, as expected: {first_error(result['error'])}"
                    )
                else:  # the export wrote a DAG file that Airflow does not import
                    disagree(
                        case,
                        column,
                        "import",
                        "refuses it",
                        f"imports none: {result['error']}",
                        "run",
                    )
        helpers += sum(
            key.split("[")[0] not in case.tasks
            for key in columns["exported DAG"]["tasks"]
        )
        keys = sorted(set(reference["tasks"]) | set(local[case.name]["tasks"]))
        for key in keys:
            task = key.split("[")[0]
            if task not in case.tasks:
                continue
            instances += 1
            if task in case.order_dependent:
                excluded += 1
                states = ", ".join(
                    f"{column} {result['tasks'].get(key, 'missing')}"
                    for column, result in columns.items()
                )
                log(
                    f"excluded {case.name} {key} (order-dependent): Airflow "
                    f"{reference['tasks'].get(key, 'missing')}, {states}"
                )
                continue
            want = reference["tasks"].get(key, "missing")
            for column, result in columns.items():
                got = result["tasks"].get(key, "missing")
                if got != want:
                    disagree(case, column, key, want, got, "task")
        for column, result in columns.items():
            if result["state"] != reference["state"]:
                disagree(
                    case,
                    column,
                    "run state",
                    reference["state"],
                    result["state"],
                    "run",
                )

    if helpers:  # the export adds no task (docs/airflow.md): one would change Airflow's decisions
        problems.append(
            f"the exported DAGs ran {helpers} task instances of tasks that no spec has"
        )
    for line in problems:
        log(f"DISAGREES: {line}")
    log(
        f"semantics matrix: {len(cases)} cases, {instances} task instances and {len(cases)} run states "
        f"in each of 3 columns (sluice run, hand-written Airflow DAG, exported DAG); "
        f"{excluded} order-dependent task instances excluded"
    )
    for column in COLUMNS:
        log(
            f"  {column} vs hand-written Airflow: "
            f"{tally[column, 'task']} task and {tally[column, 'run']} run-state "
            f"disagreements; {refused[column]} refused as Airflow refuses them"
        )
    log(f"semantics matrix: {len(problems)} unexpected disagreements or failures")
    return not problems


def first_error(message: str) -> str:
    """The line of a refusal that says why (lint ends with a count of errors)."""
    lines = message.splitlines()
    return next((line for line in lines if "error" in line), lines[-1] if lines else "")


class ParseOnce:
    """Airflow 3.3's DAG.test() parses the whole DAGs folder and syncs it to the
    database on every call (to find sibling DAGs). The first call syncs every
    DAG of the folder; after it, the folder is unchanged, so later calls skip
    the re-parse (seconds per call, times some fifty DAGs)."""

    def __enter__(self):
        import airflow.dag_processing.dagbag as dagbag_module

        self.module = dagbag_module
        self.saved = (dagbag_module.BundleDagBag, dagbag_module.sync_bag_to_db)
        return self

    def synced(self) -> None:
        self.module.BundleDagBag = lambda **_: None
        self.module.sync_bag_to_db = lambda *_, **__: None

    def __exit__(self, *_):
        self.module.BundleDagBag, self.module.sync_bag_to_db = self.saved


if __name__ == "__main__":
    sys.exit(main())
