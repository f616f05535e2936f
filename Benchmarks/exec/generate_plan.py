"""Writes a Sluice plan (plan.json, format version 1) for the executor benchmark.

    generate_plan.py independent N WORKSPACE   N unmapped tasks, each `run: "true"`, no edges
    generate_plan.py foreach N WORKSPACE       one task mapped over a list of N params
    generate_plan.py secret N WORKSPACE        as independent, with `secrets: [BENCH_SECRET]`
                                               (logs then go through the masking pipe)

A plan, not a spec, so the benchmark times the executor alone.
"""

import json
import sys


def task(task_id, foreach=None, run=None):
    return {
        "id": task_id, "description": None, "kind": "command", "needs": [],
        "run": run or [{"text": "true"}],
        "foreach": foreach, "outputs": [], "inputs": [], "branch": None, "trigger": None,
        "trigger_rule": "all_success", "retries": 0, "retry_delay_ms": 0, "retry_backoff": "fixed",
        "timeout_ms": None, "pool": None, "env": [], "deps": [], "cache": True,
        "reads": {"params": [], "outputs": []},
    }


def plan(shape, n, workspace):
    params = {}
    secrets = []
    if shape == "secret":
        secrets = ["BENCH_SECRET"]
        shape = "independent"
    if shape == "independent":
        tasks = [task(f"t{i:05d}") for i in range(n)]
    elif shape == "foreach":
        params = {"items": list(range(n))}
        tasks = [task("each", foreach={"param": ["items"]},
                      run=[{"text": "true "}, {"var": "item"}])]
    else:
        sys.exit(f"unknown shape {shape!r}")
    return {
        "version": 1, "pipeline": f"bench_{shape}", "description": None, "source": "generated",
        "source_sha256": "0" * 64, "workspace": workspace, "schedule": None, "params": params,
        "pools": {}, "max_active_tasks": None, "env_file": None, "secrets": secrets, "tasks": tasks,
    }


if __name__ == "__main__":
    shape, n, workspace = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    json.dump(plan(shape, n, workspace), sys.stdout, indent=1)
