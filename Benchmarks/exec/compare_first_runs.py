"""First runs of two sluice binaries side by side: the C spawn loop, BASE and NEW,
interleaved (the two sluices' order alternating), each sluice run in a fresh
workspace as scripts/bench-exec does, with the load average of each round.

    python3 Benchmarks/exec/compare_first_runs.py BASE_SLUICE NEW_SLUICE [ROUNDS]
"""
import atexit
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
work = tempfile.mkdtemp(prefix="sluice-compare-")
atexit.register(shutil.rmtree, work, True)
base, new = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 7
gen = os.path.join(here, "generate_plan.py")
loop = os.path.join(work, "spawn_loop")
subprocess.run(["cc", "-O2", "-o", loop, os.path.join(here, "spawn_loop.c")], check=True)
fresh = [0]
def plan_for(shape, n):
    fresh[0] += 1
    ws = os.path.join(work, f"f{fresh[0]}")
    os.makedirs(ws)
    out = subprocess.run(["python3", gen, shape, str(n), ws], capture_output=True, check=True).stdout
    p = os.path.join(ws, "plan.json")
    with open(p, "wb") as f:
        f.write(out)
    return p
def timed(cmd):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read(); proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0: sys.exit(f"{cmd} failed: {err[:300]}")
    return wall, usage.ru_utime + usage.ru_stime
for shape, n in (("independent", 1000), ("foreach", 200)):
    res = {"loop": [], "base": [], "new": []}
    cpu = {"loop": [], "base": [], "new": []}
    loads = []
    for r in range(runs + 1):
        plans = {k: plan_for(shape, n) for k in ("base", "new")}
        order = [("loop", [loop, str(n), "2"]), ("base", [base, "run", plans["base"], "--max-active", "2"]),
                 ("new", [new, "run", plans["new"], "--max-active", "2"])]
        if r % 2: order = [order[0], order[2], order[1]]
        loads.append(os.getloadavg()[0])
        for name, cmd in order:
            w, c = timed(cmd)
            if r > 0: res[name].append(w); cpu[name].append(c)
    m = {k: statistics.median(v) for k, v in res.items()}
    mc = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"{shape} {n}: median of {runs}, load average {min(loads):.1f}-{max(loads):.1f}")
    for k in ("loop", "base", "new"):
        print(f"  {k:5s} {m[k]*1000:8.1f} ms  ratio {m[k]/m['loop']:.2f}x  cpu {mc[k]*1000:.0f} ms  overhead/task {(m[k]-m['loop'])/n*1e6:6.0f} us wall, {(mc[k]-mc['loop'])/n*1e6:5.0f} us cpu")
