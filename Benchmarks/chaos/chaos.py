"""Chaos trials for `sluice run` / `--resume` (scripts/chaos runs this).

    chaos.py SLUICE WORKDIR TRIALS SEED

A reference run first, undisturbed. Then each trial starts from an empty
workspace, SIGKILLs the executor at a random moment of the reference's
duration, checks that nothing partial is visible, and resumes; a resume is
itself killed with probability 1/3 (and resumed again). Once a resume
finishes, every task instance's outputs must equal the reference's: scalars
equal, tables equal row for row (pyarrow). This script is a child subreaper,
so tasks orphaned by the kill become its children; it waits for them at the
end of each trial and counts them.
"""

import ctypes
import glob
import os
import random
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chaos_support import PIPELINE, outputs_of, partial_files, show

sluice, workdir, trials, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
failures = []
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def fresh_workspace(name):
    ws = os.path.join(workdir, name)
    shutil.rmtree(ws, ignore_errors=True)
    os.makedirs(ws)
    with open(os.path.join(ws, "pipeline.yaml"), "w") as f:
        f.write(PIPELINE)
    return ws


def start(ws, *extra):
    return subprocess.Popen([sluice, "run", "pipeline.yaml", "--max-active", "4", *extra], cwd=ws,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def reap_orphans():
    """Waits for processes the killed executor left behind (its running tasks)."""
    count = 0
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return count
        count += 1


ws = fresh_workspace("reference")
begin = time.perf_counter()
reference_run = start(ws)
_, err = reference_run.communicate()
duration = time.perf_counter() - begin
if reference_run.returncode != 0:
    sys.exit(f"the undisturbed run failed: {err.decode()[-1000:]}")
reference = outputs_of(show(sluice, ws))
print(f"reference run: {duration:.2f} s, {len(reference)} task instances; seed {seed}", flush=True)

kills = resumes = orphans = 0
for trial in range(1, trials + 1):
    ws = fresh_workspace(f"trial{trial}")
    proc = start(ws)
    time.sleep(rng.uniform(0.05, duration * 0.95))
    proc.kill()
    proc.wait()
    kills += 1
    bad = partial_files(ws)
    if bad:
        failures.append(f"trial {trial}: partial files after kill -9: {bad}")
    runs = glob.glob(os.path.join(ws, ".sluice", "runs", "chaos", "*"))
    if not runs:  # killed before the run directory existed: a plain run is the resume
        proc = start(ws)
    else:
        run_id = os.path.basename(runs[0])
        while True:
            proc = start(ws, "--resume", run_id)
            resumes += 1
            if rng.random() < 1 / 3:
                time.sleep(rng.uniform(0.05, duration * 0.5))
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                    kills += 1
                    bad = partial_files(ws)
                    if bad:
                        failures.append(f"trial {trial}: partial files after killing a resume: {bad}")
                    continue
            break
    _, err = proc.communicate()
    if proc.returncode != 0:
        failures.append(f"trial {trial}: the final run exited {proc.returncode}: {err.decode()[-800:]}")
        continue
    got = outputs_of(show(sluice, ws))
    if got != reference:
        differing = sorted(k for k in set(got) | set(reference) if got.get(k) != reference.get(k))
        failures.append(f"trial {trial}: outputs differ from the undisturbed run for {differing[:5]}")
    bad = partial_files(ws)
    if bad:
        failures.append(f"trial {trial}: partial files after resume: {bad}")
    orphans += reap_orphans()
    shutil.rmtree(ws, ignore_errors=True)
    print(f"trial {trial}: ok" if not failures else f"trial {trial}: {len(failures)} failures so far", flush=True)

print(f"chaos: {trials} trials, {kills} kill -9, {resumes} resumes, {orphans} orphaned task processes reaped; "
      f"{'FAILED' if failures else 'all outputs equal to the undisturbed run, no partial file seen'}")
for failure in failures:
    print(f"FAILED: {failure}", file=sys.stderr)
sys.exit(1 if failures else 0)
