/// `sluice_airflow.py`, written beside the exported DAG files: the bridge from
/// an Airflow task to `sluice task-run`. Kept small and dependency-free; all
/// behaviour (rendering, quoting, timeouts, outputs, masking) stays in sluice.
enum AirflowRuntime {
    static let source = #"""
"""Runtime for DAGs exported by `sluice export airflow`.

Each Airflow task calls `sluice task-run` for one attempt of one task (or map
instance) of the plan, passing the upstream outputs it reads (pulled from
XCom) and the DAG run's params; sluice renders and runs the command exactly
as a local run does and prints the task's outputs as JSON, which this module
pushes to XCom under the key "sluice_outputs".
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

OUTPUTS_KEY = "sluice_outputs"
# sluice sends SIGTERM to the task's process group and SIGKILL 10 s later.
STOP_GRACE_SECONDS = 15


class Plan:
    """A Sluice plan file beside the DAG file, and where its workspace is."""

    def __init__(self, dag_file: str, name: str, workspace: str) -> None:
        self.path = str(Path(dag_file).resolve().with_name(name))
        with open(self.path, encoding="utf-8") as handle:
            self.plan = json.load(handle)
        self.workspace = os.environ.get("SLUICE_WORKSPACE") or workspace
        self.tasks = {task["id"]: task for task in self.plan["tasks"]}

    def run(self, task_id: str, context: dict, item: object = None) -> dict:
        """Runs one attempt of the task; returns (and pushes) its outputs."""
        ti = context["ti"]
        task = self.tasks[task_id]
        arguments = [
            _sluice(),
            "task-run",
            self.path,
            "--task",
            task_id,
            "--workspace",
            self.workspace,
            "--run-id",
            _run_id(context),
            "--run-date",
            _run_date(context),
            "--try",
            str(getattr(ti, "try_number", 1) or 1),
            "--params",
            json.dumps(dict(context.get("params") or {}), default=str),
            "--upstream",
            json.dumps(self._upstream(task, ti)),
        ]
        map_index = getattr(ti, "map_index", -1)
        if task.get("foreach") is not None:
            arguments += ["--map-index", str(map_index), "--item", json.dumps(item)]
        # The task's own output reaches the task log through sluice's stderr.
        process = subprocess.Popen(arguments, stdout=subprocess.PIPE, text=True)
        try:
            stdout, _ = process.communicate()
        except BaseException:
            # Airflow stops the task (a timeout, a kill from the UI): SIGTERM
            # lets sluice stop the task's whole process group before it exits.
            process.terminate()
            try:
                process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
            raise
        result = _last_json_line(stdout)
        if result.get("label") is not None:
            _name_instance(str(result["label"]))
        if process.returncode != 0 or result.get("state") != "success":
            message = (
                result.get("message") or f"sluice task-run exited {process.returncode}"
            )
            raise RuntimeError(f"task {task_id}: {message}")
        outputs = result.get("outputs", {})
        ti.xcom_push(key=OUTPUTS_KEY, value=outputs)
        return outputs

    def branch(self, task_id: str, context: dict, item: object = None) -> list:
        """Runs a branch task; returns the task ids it chose, for @task.branch."""
        outputs = self.run(task_id, context, item=item)
        choice = outputs.get("branch")
        return choice if isinstance(choice, list) else [choice]

    def items(self, task_id: str, context: dict) -> list:
        """The list a foreach task maps over, from params or an upstream output."""
        source = self.tasks[task_id]["foreach"]
        if "param" in source:
            value = dict(context.get("params") or {})
            for key in source["param"]:
                value = value[int(key)] if isinstance(value, list) else value[key]
            return list(value)
        reference = source["output"]
        value = self._pull(reference, context["ti"])
        # A branch's single choice is a list of one, as sluice reads it.
        return value if isinstance(value, list) else [value]

    def _upstream(self, task: dict, ti) -> dict:
        """The upstream outputs the task reads. One whose task did not succeed
        is left out: sluice fails the attempt if the command needs it."""
        values = {}
        for reference in task["reads"]["outputs"]:
            key = reference["task"] + "." + reference["output"]
            try:
                values[key] = self._pull(reference, ti)
            except LookupError:
                pass
        return values

    @staticmethod
    def _pull(reference: dict, ti) -> object:
        pulled = ti.xcom_pull(task_ids=reference["task"], key=OUTPUTS_KEY)
        name = reference["output"]
        if reference["mapped"]:
            # A mapped task's XComs come back as a list in map-index order;
            # like a local run, keep the instances that succeeded.
            return [outputs[name] for outputs in (pulled or []) if outputs is not None]
        if pulled is None or name not in pulled:
            raise LookupError(f"{reference['task']} has no output {name}")
        return pulled[name]


def _name_instance(label: str) -> None:
    """Names the map instance in Airflow's UI: the task's map_index_template
    reads `sluice_label` from the task context."""
    try:
        from airflow.sdk import get_current_context

        get_current_context()["sluice_label"] = label
    except (ImportError, RuntimeError):
        pass


def _sluice() -> str:
    binary = os.environ.get("SLUICE_BIN") or shutil.which("sluice")
    if not binary:
        sys.exit("sluice is not on PATH: install it on every worker or set SLUICE_BIN")
    return binary


def _run_id(context: dict) -> str:
    return "".join(
        c if c.isalnum() or c in "-_." else "_" for c in str(context["run_id"])
    )


def _run_date(context: dict) -> str:
    # Manual runs in Airflow 3 may have no logical date: use when the run was due.
    when = (
        context.get("logical_date")
        or context.get("data_interval_start")
        or getattr(context.get("dag_run"), "run_after", None)
    )
    return when.strftime("%Y-%m-%d") if when is not None else ""


def _last_json_line(stdout: str) -> dict:
    """sluice task-run's last line of stdout: the attempt's state and outputs."""
    lines = [line for line in (stdout or "").splitlines() if line.strip()]
    try:
        result = json.loads(lines[-1]) if lines else {}
    except ValueError:
        return {}
    return result if isinstance(result, dict) else {}

"""#
}
