"""Load and soak for `sluice run` (scripts/soak runs this with a release build).

    soak.py SLUICE WORKDIR TASKS FOREACH REPEATS MAX_ACTIVE

1. load: a TASKS-task layered spec, then a FOREACH-instance foreach, each run
   once at --max-active MAX_ACTIVE;
2. soak: REPEATS back-to-back runs of a 50-task layered spec.

For every run: the exit status, that every task instance succeeded (from
`sluice show latest --format json`), the executor's peak RSS (wait4) and its
peak number of open descriptors (sampled from /proc/PID/fd every 2 ms), and
every process the run left behind. This script makes itself a child
subreaper, so anything a run leaves running or unreaped (an orphan, a zombie)
becomes its child and is counted, whatever the machine's init does.
Prints one summary line per workload and exits 1 if any check failed.
"""

import ctypes
import json
import os
import subprocess
import sys
import threading
import time

PR_SET_CHILD_SUBREAPER = 36
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import generate_spec  # noqa: E402

sluice, workdir = sys.argv[1], sys.argv[2]
tasks, foreach_n, repeats, max_active = (int(a) for a in sys.argv[3:7])
failures = []


def open_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def my_children():
    """Pids whose parent is this process: with the subreaper set, anything a run left behind."""
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            found.append((int(entry), fields[0]))
    return found


def run(spec, workspace, extra=()):
    """One `sluice run`: (seconds, exit code, peak RSS KiB, peak fds, leftovers)."""
    cmd = [sluice, "run", spec, "--max-active", str(max_active), *extra]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=workspace, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_fds, done = [0], threading.Event()

    def sample():
        while not done.is_set():
            peak_fds[0] = max(peak_fds[0], open_fds(proc.pid))
            time.sleep(0.002)

    sampler = threading.Thread(target=sample)
    sampler.start()
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
    elapsed = time.perf_counter() - start
    leftovers = my_children()
    for pid, _ in leftovers:  # reap them so one leak is not counted twice
        try:
            os.kill(pid, 9)
        except OSError:
            pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        failures.append(f"{spec}: exit {code}: {err[-800:]}")
    return elapsed, code, usage.ru_maxrss, peak_fds[0], leftovers


def check_all_succeeded(workspace, expected):
    shown = subprocess.run([sluice, "show", "latest", "--format", "json", "--workspace", workspace],
                           capture_output=True, text=True)
    if shown.returncode != 0:
        failures.append(f"show latest in {workspace}: {shown.stderr[-500:]}")
        return 0
    states = [t["state"] for t in json.loads(shown.stdout)["tasks"]]
    succeeded = sum(1 for s in states if s == "success")
    if succeeded != expected or len(states) != expected:
        failures.append(f"{workspace}: {succeeded} of {len(states)} task instances succeeded, expected {expected}")
    return succeeded


def workspace_with(name, text):
    workspace = os.path.join(workdir, name)
    os.makedirs(workspace, exist_ok=True)
    spec = os.path.join(workspace, "pipeline.yaml")
    with open(spec, "w") as f:
        f.write(text)
    return spec, workspace


def report(label, seconds, code, rss, fds, leftovers, succeeded):
    print(f"{label:<34} {seconds:7.2f} s  exit {code}  {succeeded:>6,} succeeded  "
          f"peak RSS {rss / 1024:6.1f} MiB  peak fds {fds:3d}  processes left {len(leftovers)}", flush=True)
    if leftovers:
        failures.append(f"{label}: processes left behind: {leftovers}")


ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
print(f"sluice run --max-active {max_active}; {os.cpu_count()} cores", flush=True)

spec, workspace = workspace_with("layered", generate_spec.layered(tasks, 100))
result = run(spec, workspace)
report(f"load: layered, {tasks:,} tasks", *result, check_all_succeeded(workspace, tasks))

spec, workspace = workspace_with("foreach", generate_spec.foreach(foreach_n))
result = run(spec, workspace)
report(f"load: foreach, {foreach_n:,} instances", *result, check_all_succeeded(workspace, foreach_n + 1))

spec, workspace = workspace_with("soak", generate_spec.layered(50, 10))
harness_fds_before = open_fds(os.getpid())
rss, fds, left, seconds = [], [], 0, 0.0
for i in range(repeats):
    elapsed, code, peak_rss, peak_fds, leftovers = run(spec, workspace)
    seconds += elapsed
    rss.append(peak_rss)
    fds.append(peak_fds)
    left += len(leftovers)
    if leftovers:
        failures.append(f"soak run {i + 1}: processes left behind: {leftovers}")
succeeded = check_all_succeeded(workspace, 50)
harness_fds_after = open_fds(os.getpid())
runs_dir = os.path.join(workspace, ".sluice", "runs", "soak_layered")
recorded = len(os.listdir(runs_dir)) if os.path.isdir(runs_dir) else 0
print(f"soak: {repeats} back-to-back runs of 50 tasks: {seconds:.1f} s in all; "
      f"peak RSS first {rss[0] / 1024:.1f} / last {rss[-1] / 1024:.1f} / max {max(rss) / 1024:.1f} MiB; "
      f"peak fds first {fds[0]} / last {fds[-1]} / max {max(fds)}; processes left {left}; "
      f"this harness's fds {harness_fds_before} -> {harness_fds_after}; run records {recorded}", flush=True)
if recorded != repeats:
    failures.append(f"soak: {recorded} run directories for {repeats} runs")
if harness_fds_after > harness_fds_before:
    failures.append(f"soak: the harness's descriptors grew {harness_fds_before} -> {harness_fds_after}")
# The executor's descriptors must not grow with the number of runs in the workspace.
if fds[-1] > fds[0] + 2:
    failures.append(f"soak: peak descriptors grew from {fds[0]} to {fds[-1]}")

for failure in failures:
    print(f"FAILED: {failure}", file=sys.stderr)
sys.exit(1 if failures else 0)
