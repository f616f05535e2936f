"""Writes the workspaces of the cached re-run benchmark (scripts/bench-exec).

    generate_cached.py noop N DIR     DIR/noop.yaml: N independent `run: "true"` tasks
    generate_cached.py stages N DIR   an N-stage pipeline twice, for Sluice and for DVC:
                                      stage i copies in/i.txt (its dependency) to out/i.txt
                                      (its output); DIR/stages.yaml and DIR/dvc.yaml

Specs, not plans: a cached re-run is timed as a user runs it, spec loading included.
"""

import os
import sys


def noop(n, directory):
    lines = [f"pipeline: cached_noop_{n}", "tasks:"]
    for i in range(n):
        lines += [f"  t{i:05d}:", '    run: "true"']
    with open(os.path.join(directory, "noop.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")


def stages(n, directory):
    os.makedirs(os.path.join(directory, "in"), exist_ok=True)
    os.makedirs(os.path.join(directory, "out"), exist_ok=True)
    sluice = [f"pipeline: stages_{n}", "tasks:"]
    dvc = ["stages:"]
    for i in range(n):
        name = f"s{i:03d}"
        with open(os.path.join(directory, "in", f"{name}.txt"), "w") as f:
            f.write(f"input of stage {i}\n" * 20)
        sluice += [
            f"  {name}:",
            f"    deps: [in/{name}.txt]",
            f'    run: cp in/{name}.txt "$SLUICE_FILE_OUT"',
            f"    outputs: {{ out: {{ type: file, path: out/{name}.txt }} }}",
        ]
        dvc += [
            f"  {name}:",
            f"    cmd: cp in/{name}.txt out/{name}.txt",
            f"    deps: [in/{name}.txt]",
            f"    outs: [out/{name}.txt]",
        ]
    with open(os.path.join(directory, "stages.yaml"), "w") as f:
        f.write("\n".join(sluice) + "\n")
    with open(os.path.join(directory, "dvc.yaml"), "w") as f:
        f.write("\n".join(dvc) + "\n")


if __name__ == "__main__":
    shape, n, directory = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.makedirs(directory, exist_ok=True)
    {"noop": noop, "stages": stages}[shape](n, directory)
