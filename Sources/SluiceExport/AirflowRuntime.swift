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
# The conf key a trigger's params travel under: {"dotted.path": "rendered text"}.
TRIGGER_PARAMS_KEY = "sluice_params"
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
            json.dumps(_params(context), default=str),
            "--upstream",
            json.dumps(self._upstream(task, ti)),
        ]
        # A child run's params from its trigger, typed by sluice as --param is.
        for path, text in _trigger_params(context).items():
            arguments += ["--param", f"{path}={text}"]
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
        chosen = choice if isinstance(choice, list) else [choice]
        # A chosen trigger with params is entered through its conf task, also a direct downstream.
        task_ids = set(getattr(context.get("dag"), "task_ids", None) or [])
        return chosen + [
            f"{name}.conf" for name in chosen if f"{name}.conf" in task_ids
        ]

    def items(self, task_id: str, context: dict) -> list:
        """The list a foreach task maps over, from params or an upstream output."""
        source = self.tasks[task_id]["foreach"]
        if "param" in source:
            given = _trigger_params(context).get(".".join(source["param"]))
            if given is not None:
                return list(json.loads(given))
            value = _params(context)
            for key in source["param"]:
                value = value[int(key)] if isinstance(value, list) else value[key]
            return list(value)
        reference = source["output"]
        value = self._pull(reference, context["ti"])
        # A branch's single choice is a list of one, as sluice reads it.
        return value if isinstance(value, list) else [value]

    def trigger_conf(
        self, task_id: str, context: dict, item: object = None, index: object = None
    ) -> dict:
        """A trigger task's conf: its params rendered as plain text, as sluice renders env values."""
        ti = context["ti"]
        values = {}
        for param in self.tasks[task_id]["trigger"].get("params", []):
            text = ""
            for segment in param["value"]:
                if "text" in segment:
                    text += segment["text"]
                    continue
                if "param" in segment:
                    value = _params(context)
                    for key in segment["param"]:
                        value = (
                            value[int(key)] if isinstance(value, list) else value[key]
                        )
                elif "output" in segment:
                    value = self._pull(segment["output"], ti)
                else:
                    value = {
                        "item": item,
                        "index": index,
                        "run.id": _run_id(context),
                        "run.date": _run_date(context),
                    }[segment["var"]]
                text += _plain_text(value)
            values[param["path"]] = text
        return {TRIGGER_PARAMS_KEY: values}

    def trigger_confs(self, task_id: str, context: dict) -> list:
        """A mapped trigger task's confs, one per item, for .expand(conf=...)."""
        items = self.items(task_id, context)
        return [
            self.trigger_conf(task_id, context, item=item, index=index)
            for index, item in enumerate(items)
        ]

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


def _params(context: dict) -> dict:
    """The run's params, without the trigger's conf that Airflow merges into them."""
    params = dict(context.get("params") or {})
    params.pop(TRIGGER_PARAMS_KEY, None)
    return params


def _trigger_params(context: dict) -> dict:
    """The params a parent's trigger set for this run: {"dotted.path": "text"}."""
    conf = getattr(context.get("dag_run"), "conf", None) or {}
    given = conf.get(TRIGGER_PARAMS_KEY) if isinstance(conf, dict) else None
    if given is None:
        given = (context.get("params") or {}).get(TRIGGER_PARAMS_KEY)
    return dict(given) if isinstance(given, dict) else {}


def _plain_text(value: object) -> str:
    """A value as sluice renders it into env values: strings as they are, null as nothing, the rest as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


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
