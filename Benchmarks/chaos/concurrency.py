"""Concurrent runs of one pipeline in one workspace (scripts/concurrency runs this).

    concurrency.py SLUICE WORKDIR ROUNDS WAYS

Each round starts WAYS runs of the chaos pipeline (big tables, a mapped task)
at the same moment in a fresh workspace (odd rounds) or in the workspace of
the previous round with a changed param (even rounds, so entries are written
while others exist). Checks: every run exits 0, run ids are distinct, all
runs have the same outputs, and a following run is entirely cached with those
outputs (the cache holds whole, consistent entries).
"""

import os
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chaos_support import PIPELINE, outputs_of, partial_files, show

sluice, workdir, rounds, ways = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
failures = []
ws = None
total_runs = 0
start_spread = []

def strip(outputs):
    """Outputs without states: a run may have a task `success` where another has it `cached`."""
    return {key: values for key, (_, values) in outputs.items()}


for round_no in range(1, rounds + 1):
    if round_no % 2 == 1:
        ws = os.path.join(workdir, f"round{round_no}")
        shutil.rmtree(ws, ignore_errors=True)
        os.makedirs(ws)
        with open(os.path.join(ws, "pipeline.yaml"), "w") as f:
            f.write(PIPELINE)
        extra = []
    else:
        extra = ["--param", f"rows={50000 + round_no}"]
    barrier = threading.Barrier(ways)
    results = [None] * ways
    started = [0.0] * ways

    def one(i, barrier=barrier, started=started, results=results, extra=extra, ws=ws):
        barrier.wait()
        started[i] = time.perf_counter()
        done = subprocess.run([sluice, "run", "pipeline.yaml", "--max-active", "3", *extra], cwd=ws,
                              capture_output=True, text=True)
        results[i] = done

    threads = [threading.Thread(target=one, args=(i,)) for i in range(ways)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total_runs += ways
    start_spread.append(max(started) - min(started))
    run_ids = []
    for i, done in enumerate(results):
        if done.returncode != 0:
            failures.append(f"round {round_no} run {i}: exit {done.returncode}: {done.stderr[-800:]}")
        line = next((text for text in done.stdout.splitlines() if text.startswith("run ")), "")
        run_ids.append(line.split()[1] if len(line.split()) > 1 else f"?{i}")
    if len(set(run_ids)) != ways:
        failures.append(f"round {round_no}: run ids are not distinct: {run_ids}")
    reports = [outputs_of(show(sluice, ws, rid)) for rid in run_ids if not rid.startswith("?")]
    if any(strip(r) != strip(reports[0]) for r in reports[1:]):
        failures.append(f"round {round_no}: concurrent runs produced different outputs")
    after = subprocess.run([sluice, "run", "pipeline.yaml", *extra], cwd=ws, capture_output=True, text=True)
    total_runs += 1
    if after.returncode != 0:
        failures.append(f"round {round_no}: the run after exited {after.returncode}: {after.stderr[-500:]}")
        continue
    final = outputs_of(show(sluice, ws, "latest"))
    not_cached = sorted(k for k, (state, _) in final.items() if state != "cached")
    if not_cached:
        failures.append(f"round {round_no}: after concurrent runs, these were not cached: {not_cached}")
    if reports and strip(final) != strip(reports[0]):
        failures.append(f"round {round_no}: the cached run's outputs differ from the concurrent runs'")
    bad = partial_files(ws)
    if bad:
        failures.append(f"round {round_no}: partial files: {bad}")
    print(f"round {round_no}: {ways} runs {'ok' if not failures else 'with failures'}", flush=True)

print(f"concurrency: {rounds} rounds of {ways} simultaneous runs ({total_runs} runs in all; "
      f"starts within {max(start_spread) * 1000:.1f} ms of each other); "
      f"{'FAILED' if failures else 'distinct run ids, equal outputs, cache consistent'}")
for failure in failures:
    print(f"FAILED: {failure}", file=sys.stderr)
sys.exit(1 if failures else 0)
