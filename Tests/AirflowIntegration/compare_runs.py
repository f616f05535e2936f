"""Compares pipelines run in Airflow (run_in_airflow.py's dump) with `sluice run`
of the same specs (`sluice show --format json`), task instance by task instance.

Usage: compare_runs.py AIRFLOW.json DAGS_DIR SHOW.json...

For every task instance of the local run: the Airflow task instance must
exist and end in the same state (success, skipped, ...) after as many tries,
and every output must agree by its declared type (from DAGS_DIR/<dag>.plan.json):
  - table: the two Arrow files hold equal tables (schema and rows, via pyarrow);
  - file: the two files hold the same bytes;
  - list of tables or files: item by item, in map-index order;
  - anything else: equal JSON values (floats bit for bit).
Paths differ (each run writes in its own workspace), so only contents count.

The one legitimate difference is the run id: a local run id
(20261121T060000.123Z-3f9a1c) and an Airflow one (manual__2026-11-21T...)
differ, and a task that stamps `{{ run.id }}` into an output (daily_operations'
report does) differs exactly there. Such an output must be equal once each
side's own run id is replaced by <run_id>; it is counted and listed as such,
never skipped. Anything else that differs is a failure (exit 1).
"""

from __future__ import annotations

import json
import os
import sys

from pyarrow import feather

RUN_ID = "<run_id>"


class Comparison:
    def __init__(self, local_run_id: str, airflow_run_id: str) -> None:
        self.run_ids = (local_run_id, airflow_run_id)
        self.modulo_run_id = False

    def same(self, mine, theirs, kind: str) -> bool:
        """Equal by the output's declared type (the plan's spelling: "table(...)", "file", "int", ...)."""
        if kind.startswith("table("):
            a, b = feather.read_table(mine), feather.read_table(theirs)
            return a.schema.equals(b.schema) and a.equals(b)
        if kind == "file":
            with open(mine, "rb") as a, open(theirs, "rb") as b:
                return self._bytes(a.read(), b.read())
        return self._value(mine, theirs)

    def _bytes(self, mine: bytes, theirs: bytes) -> bool:
        if mine == theirs:
            return True
        local, airflow = (run_id.encode() for run_id in self.run_ids)
        if mine.replace(local, RUN_ID.encode()) == theirs.replace(
            airflow, RUN_ID.encode()
        ):
            self.modulo_run_id = True
            return True
        return False

    def _value(self, mine, theirs) -> bool:
        if isinstance(mine, str) and isinstance(theirs, str):
            return self._bytes(mine.encode(), theirs.encode())
        if isinstance(mine, list) and isinstance(theirs, list):
            return len(mine) == len(theirs) and all(
                self._value(a, b) for a, b in zip(mine, theirs)
            )
        if isinstance(mine, dict) and isinstance(theirs, dict):
            return list(mine) == list(theirs) and all(
                self._value(mine[k], theirs[k]) for k in mine
            )
        # bool is an int in Python: compare types too, so true never equals 1 and 1 never 1.0.
        return type(mine) is type(theirs) and mine == theirs


def declared_types(plan: dict) -> dict:
    """{(task, output): type} from the plan; a branch task's `branch` is json."""
    types = {}
    for task in plan["tasks"]:
        for output in task.get("outputs", []):
            types[(task["id"], output["name"])] = output["type"]
        if task.get("branch") is not None:
            types.setdefault((task["id"], "branch"), "json")
    return types


def compare(airflow: dict, local: dict, plan: dict) -> tuple[list, dict]:
    problems = []
    counts = {
        "instances": 0,
        "outputs": 0,
        "tables": 0,
        "files": 0,
        "scalars": 0,
        "modulo_run_id": [],
    }
    types = declared_types(plan)
    comparison = Comparison(local["run_id"], airflow["sluice_run_id"])
    seen = set()
    for task in local["tasks"]:
        key = (
            task["task"]
            if task.get("map_index") is None
            else f"{task['task']}[{task['map_index']}]"
        )
        seen.add(key)
        counts["instances"] += 1
        remote = airflow["tasks"].get(key)
        if remote is None:
            problems.append(f"{key}: {task['state']} locally, missing in Airflow")
            continue
        mine = "success" if task["state"] == "cached" else task["state"]
        if remote["state"] != mine:
            problems.append(
                f"{key}: {task['state']} locally, {remote['state']} in Airflow"
            )
            continue
        tries = len(task.get("attempts") or [])
        if mine in ("success", "failed") and remote.get("try_number") != tries:
            problems.append(
                f"{key}: {tries} attempt(s) locally, {remote.get('try_number')} in Airflow"
            )
        theirs = remote.get("outputs") or {}
        for name, value in (task.get("outputs") or {}).items():
            counts["outputs"] += 1
            kind = types.get((task["task"], name), "json")
            counts[
                "tables"
                if kind.startswith("table(")
                else "files"
                if kind == "file"
                else "scalars"
            ] += 1
            comparison.modulo_run_id = False
            if name not in theirs:
                problems.append(f"{key}.{name}: missing in Airflow")
            elif not comparison.same(value, theirs[name], kind):
                problems.append(
                    f"{key}.{name} ({kind}): {short(value)} locally, {short(theirs[name])} in Airflow"
                )
            elif comparison.modulo_run_id:
                counts["modulo_run_id"].append(f"{key}.{name}")
        for name in sorted(set(theirs) - set(task.get("outputs") or {})):
            problems.append(f"{key}.{name}: in Airflow only")
    for key in sorted(set(airflow["tasks"]) - seen):
        # Airflow's helpers that read a foreach list (`<task>.items`) or render a
        # trigger's params into its conf (`<task>.conf`) have no local counterpart.
        if not key.split("[")[0].endswith((".items", ".conf")):
            problems.append(
                f"{key}: {airflow['tasks'][key]['state']} in Airflow, not in the local run"
            )
    return problems, counts


def short(value) -> str:
    text = json.dumps(value)
    return text if len(text) < 120 else text[:117] + "..."


def main() -> int:
    airflow_path, dags_dir, *show_paths = sys.argv[1:]
    with open(airflow_path, encoding="utf-8") as handle:
        airflow_runs = json.load(handle)
    failures = 0
    total = {"instances": 0, "outputs": 0, "tables": 0, "files": 0, "scalars": 0}
    for show_path in show_paths:
        with open(show_path, encoding="utf-8") as handle:
            local = json.load(handle)
        dag_id = local["pipeline"]
        with open(
            os.path.join(dags_dir, f"{dag_id}.plan.json"), encoding="utf-8"
        ) as handle:
            plan = json.load(handle)
        if dag_id not in airflow_runs:
            print(f"{dag_id}: no Airflow run to compare with", file=sys.stderr)
            failures += 1
            continue
        problems, counts = compare(airflow_runs[dag_id], local, plan)
        for key in total:
            total[key] += counts[key]
        for problem in problems:
            print(f"  {dag_id}: {problem}", file=sys.stderr)
        failures += len(problems)
        print(
            f"{dag_id}: {counts['instances']} task instances, {counts['outputs']} outputs compared "
            f"({counts['tables']} tables, {counts['files']} files, {counts['scalars']} other values), "
            f"{len(problems)} differences"
        )
        for name in counts["modulo_run_id"]:
            print(
                f"  {name}: equal once each run's own id is replaced by {RUN_ID} (the task stamps {{{{ run.id }}}})"
            )
    print(
        f"compared {len(show_paths)} pipelines: {total['instances']} task instances, {total['outputs']} outputs "
        f"({total['tables']} tables, {total['files']} files, {total['scalars']} other values), {failures} differences"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
