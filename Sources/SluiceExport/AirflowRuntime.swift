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
stores in XCom, each output once: the output a `foreach` maps over is the
task's return value, because Airflow maps only over return values; every
other output (a branch's choice too) is an XCom of its own, keyed by its name.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

RETURN_KEY = "return_value"
# Keys Airflow writes itself: an output with one of these names gets a prefix.
AIRFLOW_KEYS = frozenset({RETURN_KEY, "skipmixin_key"})
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
        # The one output of each task that is its return value (the export
        # refuses a task two mapped tasks would need different ones from, and
        # mapping over a branch task, whose return value Airflow does not keep).
        self.returned = {}
        for task in self.plan["tasks"]:
            source = task.get("foreach") or {}
            if "output" in source:
                self.returned[source["output"]["task"]] = source["output"]["output"]

    def xcom_key(self, task_id: str, output: str) -> str:
        """The XCom key one output of a task is stored under."""
        if self.returned.get(task_id) == output:
            return RETURN_KEY
        return f"sluice:{output}" if output in AIRFLOW_KEYS else output

    def items(self, task_id: str) -> list:
        """The list a foreach over params maps over, read when the DAG file is
        parsed: the params as exported (run() refuses a run that changed it)."""
        return list(_at(self.plan["params"], self.tasks[task_id]["foreach"]["param"]))

    def run(self, task_id: str, context: dict, item: object = None) -> object:
        """Runs one attempt of the task, pushes its outputs; returns the one
        that is its return value (None when it has none)."""
        returned = self.returned.get(task_id)
        outputs = self._attempt(task_id, context, item)
        return outputs.get(returned) if returned is not None else None

    def branch(self, task_id: str, context: dict, item: object = None) -> list:
        """Runs a branch task, pushes its outputs (`branch` too); returns the
        task ids it chose, for @task.branch."""
        choice = self._attempt(task_id, context, item).get("branch")
        return choice if isinstance(choice, list) else [choice]

    def _attempt(self, task_id: str, context: dict, item: object) -> dict:
        """One attempt through `sluice task-run`; pushes every output but the
        task's return value, and returns them all."""
        ti = context["ti"]
        task = self.tasks[task_id]
        self._check_mapped_param(task, context)
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
        if result.get("label") is not None:
            _name_instance(str(result["label"]))
        if process.returncode != 0 or result.get("state") != "success":
            message = (
                result.get("message") or f"sluice task-run exited {process.returncode}"
            )
            if result.get("retry") is False:
                # A failure another attempt cannot change (a missing upstream
                # output, a rendering error): sluice run does not retry it either.
                from airflow.sdk.exceptions import AirflowFailException

                raise AirflowFailException(f"task {task_id}: {message}")
            raise RuntimeError(f"task {task_id}: {message}")
        outputs = result.get("outputs", {})
        returned = self.returned.get(task_id)
        for name, value in outputs.items():
            if name != returned:
                ti.xcom_push(key=self.xcom_key(task_id, name), value=value)
        return outputs

    def _check_mapped_param(self, task: dict, context: dict) -> None:
        """A foreach over params was expanded over the params as exported: a
        run whose params change that list would run other items than sluice
        would, so it fails (without retries) and says so."""
        path = (task.get("foreach") or {}).get("param")
        if path is None:
            return
        exported = _at(self.plan["params"], path)
        try:
            given = _at(_params(context), path)
        except (LookupError, ValueError, TypeError):
            given = None
        # A parent's trigger may set the list too, as text sluice types (JSON for a list).
        text = _trigger_params(context).get(".".join(path))
        if text is not None:
            try:
                given = json.loads(text)
            except ValueError:
                given = text
        if given != exported:
            from airflow.sdk.exceptions import AirflowFailException

            name = "params." + ".".join(path)
            raise AirflowFailException(
                f"task {task['id']} maps over {name}, which this run changed; the DAG maps over "
                f"the list it was exported with ({json.dumps(exported)}): change {name} in "
                f"the spec and export again to map over another list"
            )

    def macros(self) -> dict:
        """The DAG's user_defined_macros. A trigger task's `conf` is a template
        (a templated field of TriggerDagRunOperator) calling
        `sluice_trigger_param(task, path)` for each of its params, so they are
        rendered when the trigger task runs, from XCom, with no helper task."""
        from jinja2 import pass_context

        @pass_context
        def sluice_trigger_param(jinja, task_id: str, path: str, index=None) -> str:
            return self.trigger_param(task_id, path, dict(jinja.get_all()), index)

        return {"sluice_trigger_param": sluice_trigger_param}

    def trigger_confs(self, task_id: str) -> list:
        """A trigger mapped over params: one conf (of templates) per item of
        the list as exported, read when the DAG file is parsed, for
        .expand(conf=...); each instance renders its own."""
        return [
            self._trigger_conf_template(task_id, index)
            for index in range(len(self.items(task_id)))
        ]

    def _trigger_conf_template(self, task_id: str, index: int) -> dict:
        values = {}
        for param in self.tasks[task_id]["trigger"].get("params", []):
            call = f"sluice_trigger_param({json.dumps(task_id)}, {json.dumps(param['path'])}, {index})"
            values[param["path"]] = "{{ " + call + " }}"
        return {TRIGGER_PARAMS_KEY: values}

    def trigger_param(
        self, task_id: str, path: str, context: dict, index: object = None
    ) -> str:
        """One param of a trigger, rendered as plain text, as sluice renders
        an env value; the child's `sluice task-run --param` types it."""
        task = self.tasks[task_id]
        self._check_mapped_param(task, context)
        item = self.items(task_id)[index] if index is not None else None
        param = next(p for p in task["trigger"]["params"] if p["path"] == path)
        text = ""
        for segment in param["value"]:
            if "text" in segment:
                text += segment["text"]
                continue
            if "param" in segment:
                value = _at(_params(context), segment["param"])
            elif "output" in segment:
                try:
                    value = self._pull(segment["output"], context["ti"])
                except LookupError as missing:
                    # As in sluice run: a missing upstream output fails the trigger, no retry.
                    from airflow.sdk.exceptions import AirflowFailException

                    raise AirflowFailException(f"task {task_id}: {missing}") from None
            else:
                value = {
                    "item": item,
                    "index": index,
                    "run.id": _run_id(context),
                    "run.date": _run_date(context),
                }[segment["var"]]
            text += _plain_text(value)
        return text

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

    def _pull(self, reference: dict, ti) -> object:
        key = self.xcom_key(reference["task"], reference["output"])
        # task_ids as a list: always a list back, one value per instance that
        # pushed, in map-index order; like a local run, keep those.
        pulled = ti.xcom_pull(task_ids=[reference["task"]], key=key) or []
        values = [value for value in pulled if value is not None]
        if reference["mapped"]:
            return values
        if not values:
            raise LookupError(
                f"{reference['task']} has no output {reference['output']}"
            )
        return values[0]


def _at(value: object, path: list) -> object:
    """The value at a params path (list items by index)."""
    for key in path:
        value = value[int(key)] if isinstance(value, list) else value[key]
    return value


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
