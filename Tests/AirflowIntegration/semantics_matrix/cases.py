"""The semantics matrix's cases: small pipelines in a neutral form, written out
as a Sluice spec and as the Airflow DAG an Airflow engineer would write by hand.

A case is a dict of tasks. Each task has a kind:
  ok        succeeds
  fail      fails (exit 1 / raises)
  branch    a branch task: `choices` declared, `choose` the list it returns
  gen       produces the list `items` (output `xs`)
  gen_fail  declares the list output and fails
  mapped    maps over `over`'s list; the instances whose item is in `fail_items` fail
plus `needs` (upstream tasks) and `rule` (trigger rule, None = all_success).

Nothing here imports Airflow: the generator runs with any Python 3.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

# Airflow's trigger rules that Sluice supports (Sources/SluicePlan/TriggerRule.swift,
# docs/schema/sluice.schema.json); Airflow's all_done_setup_success is setup/teardown only.
TRIGGER_RULES = [
    "all_success",
    "all_failed",
    "all_done",
    "all_done_min_one_success",
    "all_skipped",
    "one_success",
    "one_failed",
    "one_done",
    "none_failed",
    "none_failed_min_one_success",
    "none_skipped",
    "always",
]

# The four ways an upstream task can end, and the one-letter code in task names.
UPSTREAM_STATES = {
    "s": "success",
    "f": "failed",
    "k": "skipped",
    "u": "upstream_failed",
}


@dataclass
class Task:
    kind: str
    needs: list[str] = field(default_factory=list)
    rule: str | None = None
    choices: list[str] = field(default_factory=list)
    choose: list[str] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    over: str | None = None
    fail_items: list[int] = field(default_factory=list)


@dataclass
class Case:
    name: str  # the pipeline id; the hand-written DAG is <name>__airflow
    title: str
    tasks: dict[str, Task]
    # task -> why its Airflow state depends on event order (excluded from the comparison)
    order_dependent: dict[str, str] = field(default_factory=dict)


def ok(*needs: str, rule: str | None = None) -> Task:
    return Task("ok", list(needs), rule)


def fail(*needs: str, rule: str | None = None) -> Task:
    return Task("fail", list(needs), rule)


def branch(choices, choose, *needs: str, rule: str | None = None) -> Task:
    return Task("branch", list(needs), rule, choices=list(choices), choose=list(choose))


def gen(items, *needs: str, rule: str | None = None) -> Task:
    return Task("gen", list(needs), rule, items=list(items))


def mapped(over: str, *needs: str, rule: str | None = None, fail_items=()) -> Task:
    return Task("mapped", [over, *needs], rule, over=over, fail_items=list(fail_items))


# ---------------------------------------------------------------- the cases


def upstream_mixes() -> list[str]:
    """Every non-empty set of the four upstream states (15), and each state twice
    (4): Airflow's trigger rules read the counts of each state against the
    number of upstream tasks, so these cover every answer a rule can give."""
    states = "sfku"
    sets = [
        "".join(combo)
        for size in range(1, 5)
        for combo in itertools.combinations(states, size)
    ]
    return sets + [code * 2 for code in states]


def trigger_rule_cases() -> list[Case]:
    """One pipeline for every trigger rule (one DAG run instead of twelve: each
    Airflow DAG run costs seconds): producers that end in each of the four
    states, two of each, and per rule and mix of upstream states one task."""
    tasks: dict[str, Task] = {
        # `pick` chooses `chosen`, so its other choices k1, k2 end skipped.
        "pick": branch(["chosen", "k1", "k2"], ["chosen"]),
        "chosen": ok("pick"),
        "root_fails": fail(),
    }
    for i in (1, 2):
        tasks[f"s{i}"] = ok()
        tasks[f"f{i}"] = fail()
        tasks[f"k{i}"] = ok("pick")
        tasks[f"u{i}"] = ok("root_fails")  # upstream_failed
    order_dependent = {}
    for rule in TRIGGER_RULES:
        for mix in upstream_mixes():
            name = f"{rule}__{mix}"
            # The n-th upstream of one state is producer <state><n>.
            needs = [f"{code}{mix[:i].count(code) + 1}" for i, code in enumerate(mix)]
            tasks[name] = ok(*needs, rule=rule)
            if rule == "all_success" and ("f" in mix or "u" in mix) and "k" in mix:
                order_dependent[name] = (
                    "all_success with a failed/upstream_failed and a skipped upstream: Airflow's "
                    "TriggerRuleDep decides on the first one to finish (upstream_failed if a "
                    "failure is seen first, skipped if the skip is)"
                )
    return [
        Case(
            "trigger_rules",
            "every trigger rule over every mix of upstream states "
            "(task <rule>__<mix>: s success, f failed, k skipped, u upstream_failed)",
            tasks,
            order_dependent,
        )
    ]


def branch_cases() -> list[Case]:
    return [
        Case(
            "branch_direct_child",
            "br >> [a, j]; a >> j; br chooses a: j is below a chosen task and runs",
            {
                "br": branch(["a", "j"], ["a"]),
                "a": ok("br"),
                "j": ok("br", "a"),
            },
        ),
        Case(
            "branch_deep",
            "br >> [a, j]; a >> a2 >> j; br chooses a: j runs",
            {
                "br": branch(["a", "j"], ["a"]),
                "a": ok("br"),
                "a2": ok("a"),
                "j": ok("br", "a2"),
            },
        ),
        Case(
            "branch_below_unchosen",
            "br chooses a over b; joins below the unchosen path",
            {
                "br": branch(["a", "b", "j3"], ["a"]),
                "a": ok("br"),
                "b": ok("br"),
                "b2": ok("b"),
                "j": ok("a", "b2"),
                "j2": ok("a", "b2", rule="none_failed_min_one_success"),
                "j3": ok("br", "b2"),
                "j4": ok("b2", rule="all_done"),
            },
        ),
        Case(
            "branch_nested",
            "br1 chooses a; a >> br2, which chooses c over d; joins across both",
            {
                "br1": branch(["a", "b", "k"], ["a"]),
                "a": ok("br1"),
                "b": ok("br1"),
                "br2": branch(["c", "d", "j", "l"], ["c"], "a"),
                "c": ok("br2"),
                "d": ok("br2"),
                "j": ok("br2", "c"),
                "k": ok("br1", "c"),
                "l": ok("br2", "d"),
                "e": ok("b", "d", rule="none_failed_min_one_success"),
            },
        ),
        Case(
            "branch_none",
            "br chooses nothing: every direct downstream is skipped",
            {
                "br": branch(["a", "b"], []),
                "a": ok("br"),
                "b": ok("br"),
                "j": ok("a", "b", rule="none_failed_min_one_success"),
                "k": ok("a", "b", rule="all_done"),
                "m": ok("a", "b", rule="all_skipped"),
            },
        ),
        Case(
            "branch_all",
            "br chooses both a and b",
            {
                "br": branch(["a", "b"], ["a", "b"]),
                "a": ok("br"),
                "b": ok("br"),
                "j": ok("a", "b"),
            },
        ),
        Case(
            "branch_chooses_failing",
            "br chooses a, which fails; joins after the branch",
            {
                "br": branch(["a", "b"], ["a"]),
                "a": fail("br"),
                "b": ok("br"),
                "j": ok("a", "b", rule="none_failed_min_one_success"),
                "k": ok("a", "b", rule="one_failed"),
                "l": ok("a", "b", rule="all_done_min_one_success"),
            },
        ),
        Case(
            "branch_mapped",
            "br chooses a mapped task over another",
            {
                "items": gen([1, 2]),
                "br": branch(["m", "other"], ["m"]),
                "m": mapped("items", "br"),
                "other": ok("br"),
                "j": ok("m"),
            },
        ),
        Case(
            "branch_mapped_unchosen",
            "br chooses another task over a mapped one",
            {
                "items": gen([1, 2]),
                "br": branch(["m", "other"], ["other"]),
                "m": mapped("items", "br"),
                "other": ok("br"),
                "j": ok("m", "other", rule="none_failed_min_one_success"),
            },
        ),
    ]


def mapping_cases() -> list[Case]:
    return [
        Case(
            "foreach_empty",
            "foreach over an empty list; tasks after it",
            {
                "items": gen([]),
                "m": mapped("items"),
                "after": ok("m"),
                "after_done": ok("m", rule="all_done"),
                "after_skipped": ok("m", rule="all_skipped"),
            },
        ),
        Case(
            "foreach_partly_failing",
            "foreach over [1, 2, 3] whose item 2 fails; tasks after it",
            {
                "items": gen([1, 2, 3]),
                "m": mapped("items", fail_items=[2]),
                "after": ok("m"),
                "after_done": ok("m", rule="all_done"),
                "after_one_failed": ok("m", rule="one_failed"),
                "after_one_success": ok("m", rule="one_success"),
                "after_none_failed": ok("m", rule="none_failed"),
                "m2": mapped("items", "m", rule="all_done"),
            },
        ),
        Case(
            "foreach_all_failing",
            "foreach whose every instance fails",
            {
                "items": gen([1, 2]),
                "m": mapped("items", fail_items=[1, 2]),
                "after_failed": ok("m", rule="all_failed"),
                "after_one_success": ok("m", rule="one_success"),
            },
        ),
        Case(
            "map_over_skipped",
            "mapping over a producer that a branch skipped",
            {
                "br": branch(["items", "other"], ["other"]),
                "other": ok("br"),
                "items": gen([1, 2], "br"),
                "m": mapped("items"),
                "m_done": mapped("items", rule="all_done"),
                "m_none_failed": mapped("items", rule="none_failed"),
                "after": ok("m", "m_done", rule="all_done"),
            },
        ),
        Case(
            "map_over_failed",
            "mapping over a producer that failed",
            {
                "items": Task("gen_fail"),
                "m": mapped("items"),
                "m_done": mapped("items", rule="all_done"),
                "m_one_failed": mapped("items", rule="one_failed"),
                "after": ok("m", rule="all_done"),
            },
        ),
        Case(
            "map_over_upstream_failed",
            "mapping over a producer that is upstream_failed",
            {
                "root": fail(),
                "items": gen([1, 2], "root"),
                "m": mapped("items"),
                "m_done": mapped("items", rule="all_done"),
                "watch": ok("m", rule="one_failed"),
            },
        ),
        Case(
            "mapped_all_failed_all_skipped",
            "mapped tasks with all_failed / all_skipped over producers that succeeded and failed",
            {
                "items": gen([1, 2]),
                "bad_items": Task("gen_fail"),
                "m_all_failed": mapped("items", rule="all_failed"),
                "m_all_skipped": mapped("items", rule="all_skipped"),
                "m_all_failed_bad": mapped("bad_items", rule="all_failed"),
            },
        ),
        Case(
            "foreach_always",
            "a mapped task with trigger_rule always",
            {
                "items": gen([1, 2]),
                "m": mapped("items", rule="always"),
            },
        ),
    ]


def run_state_cases() -> list[Case]:
    return [
        Case(
            "leaf_all_done_after_failure",
            "a fails; its all_done leaf succeeds: the run succeeds",
            {"a": fail(), "cleanup": ok("a", rule="all_done")},
        ),
        Case(
            "leaf_upstream_failed",
            "a fails; its all_success leaf is upstream_failed: the run fails",
            {"a": fail(), "b": ok("a")},
        ),
        Case(
            "watcher_fails_the_run",
            "a fails; cleanup (all_done) succeeds; a one_failed watcher fails the run",
            {
                "a": fail(),
                "cleanup": ok("a", rule="all_done"),
                "watcher": fail("a", rule="one_failed"),
            },
        ),
        Case(
            "leaf_skipped_after_failure",
            "a fails; its only leaf (all_skipped) is skipped",
            {"a": fail(), "b": ok("a", rule="all_skipped")},
        ),
        Case(
            "leaf_fails",
            "one of two leaves fails",
            {"a": ok(), "b": fail()},
        ),
        Case(
            "all_leaves_skipped",
            "every leaf is skipped by a branch that chose nothing",
            {"br": branch(["a", "b"], []), "a": ok("br"), "b": ok("br")},
        ),
        Case(
            "join_after_failure",
            "a fails and b succeeds; one_success join",
            {"a": fail(), "b": ok(), "j": ok("a", "b", rule="one_success")},
        ),
        Case(
            "failure_in_the_middle",
            "a >> b(fails) >> c(one_done) >> d",
            {"a": ok(), "b": fail("a"), "c": ok("b", rule="one_done"), "d": ok("c")},
        ),
    ]


def all_cases() -> list[Case]:
    return trigger_rule_cases() + branch_cases() + mapping_cases() + run_state_cases()


# ---------------------------------------------------------------- the Sluice spec


def sluice_spec(case: Case) -> str:
    lines = [
        f"# Semantics matrix case: {case.title}",
        "# Generated by Tests/AirflowIntegration/semantics_matrix; compared with Airflow.",
        f"pipeline: {case.name}",
        "tasks:",
    ]
    for name, task in case.tasks.items():
        lines.append(f"  {name}:")
        if task.needs:
            lines.append(f"    needs: [{', '.join(task.needs)}]")
        if task.rule:
            lines.append(f"    trigger_rule: {task.rule}")
        if task.kind == "ok":
            run = "true"
        elif task.kind == "fail":
            run = "exit 1"
        elif task.kind == "branch":
            lines.append(f"    branch: [{', '.join(task.choices)}]")
            run = f"echo 'branch={json.dumps(task.choose)}' >> \"$SLUICE_OUTPUTS\""
        elif task.kind in ("gen", "gen_fail"):
            lines.append("    outputs:")
            lines.append("      xs: list[int]")
            run = (
                f"echo 'xs={json.dumps(task.items)}' >> \"$SLUICE_OUTPUTS\""
                if task.kind == "gen"
                else "exit 1"
            )
        elif task.kind == "mapped":
            lines.append(f"    foreach: {task.over}.xs")
            # The shell exits non-zero for the items that fail (at most a few small ints).
            tests = " && ".join(f"test {{{{ item }}}} -ne {i}" for i in task.fail_items)
            run = tests or "test {{ item }} -ge 0"
        else:
            raise ValueError(f"unknown task kind {task.kind}")
        lines.append(f"    run: {json.dumps(run)}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the Airflow DAG


def airflow_dag_id(case: Case) -> str:
    return f"{case.name}__airflow"


def airflow_dag(case: Case) -> str:
    """Idiomatic Airflow 3: TaskFlow tasks, @task.branch, trigger_rule=, .expand()."""
    body = []
    for name, task in case.tasks.items():
        rule = f', trigger_rule="{task.rule}"' if task.rule else ""
        decorator = "@task.branch" if task.kind == "branch" else "@task"
        body.append(f'    {decorator}(task_id="{name}"{rule})')
        if task.kind == "ok":
            body += [f"    def {name}():", "        return None"]
        elif task.kind in ("fail", "gen_fail"):
            body += [
                f"    def {name}():",
                f'        raise RuntimeError("{name} fails on purpose")',
            ]
        elif task.kind == "branch":
            body += [f"    def {name}():", f"        return {json.dumps(task.choose)}"]
        elif task.kind == "gen":
            body += [f"    def {name}():", f"        return {json.dumps(task.items)}"]
        elif task.kind == "mapped":
            body.append(f"    def {name}(item):")
            if task.fail_items:
                body += [
                    f"        if item in {tuple(task.fail_items)!r}:",
                    f'            raise RuntimeError(f"{name} fails for item {{item}}")',
                ]
            body.append("        return item")
        body.append("")
    body.append("    # Instances, then dependencies.")
    for name, task in case.tasks.items():
        if task.kind == "mapped":
            body.append(f"    {name}_ = {name}.expand(item={task.over}_)")
        else:
            body.append(f"    {name}_ = {name}()")
    for name, task in case.tasks.items():
        for upstream in task.needs:
            if upstream != task.over:
                body.append(f"    {upstream}_ >> {name}_")
    header = [
        f'"""Semantics matrix case {case.name}: {case.title}.',
        "",
        "Hand-written the way an Airflow engineer would (generated by",
        'Tests/AirflowIntegration/semantics_matrix)."""',
        "",
        "from __future__ import annotations",
        "",
        "import pendulum",
        "from airflow.sdk import DAG, task",
        "",
        "with DAG(",
        f'    dag_id="{airflow_dag_id(case)}",',
        "    schedule=None,",
        '    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),',
        "    catchup=False,",
        '    tags=["sluice-semantics-matrix"],',
        "):",
    ]
    return "\n".join(header + body) + "\n"
