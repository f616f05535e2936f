"""What scripts/chaos and scripts/concurrency share: the pipeline (big tables,
a mapped task, values checked downstream) and the checks on a workspace."""

import glob
import json
import os
import subprocess

import pyarrow.ipc as ipc

PIPELINE = """pipeline: chaos
params:
  parts: [p0, p1, p2, p3, p4, p5]
  rows: 60000
tasks:
  generate:
    foreach: params.parts
    outputs:
      t: "table(i: int64, part: string, x: float64, label: string)"
      rows: int
    run: >
      python3 -c 'import os, sys; part, n = sys.argv[1], int(sys.argv[2]);
      f = open(os.environ["SLUICE_TABLE_T"], "w"); f.write("i,part,x,label\\n");
      [f.write(f"{i},{part},{i * 0.5},{part}-{i:08d}\\n") for i in range(n)]; f.close();
      open(os.environ["SLUICE_OUTPUTS"], "w").write(f"rows={n}\\n")'
      {{ item }} {{ params.rows }}
  combine:
    needs: [generate]
    outputs:
      summary: "table(part: string, rows: int64)"
      total: int
    run: >
      python3 -c 'import os, sys; parts, rows = sys.argv[1].split(), [int(r) for r in sys.argv[2].split()];
      f = open(os.environ["SLUICE_TABLE_SUMMARY"], "w"); f.write("part,rows\\n");
      [f.write(f"{p},{r}\\n") for p, r in zip(parts, rows)]; f.close();
      open(os.environ["SLUICE_OUTPUTS"], "w").write(f"total={sum(rows)}\\n")'
      "{{ params.parts }}" "{{ generate.rows }}"
  publish:
    needs: [combine]
    outputs: {checked: bool}
    run: >
      python3 -c 'import sys; assert int(sys.argv[1]) == 6 * int(sys.argv[2])' {{ combine.total }} {{ params.rows }}
      && echo checked=true >> "$SLUICE_OUTPUTS"
"""


def show(sluice, ws, run_id="latest"):
    done = subprocess.run([sluice, "show", run_id, "--format", "json"], cwd=ws, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"sluice show {run_id}: {done.stderr[-500:]}")
    return json.loads(done.stdout)


def outputs_of(report):
    """{(task, map_index): {name: value or table contents}}"""
    found = {}
    for task in report["tasks"]:
        values = {}
        for name, value in (task.get("outputs") or {}).items():
            if isinstance(value, str) and value.endswith(".arrow"):
                with open(value, "rb") as f:
                    values[name] = ipc.open_file(f).read_all().to_pylist()
            else:
                values[name] = value
        found[(task["task"], task.get("map_index"))] = (task["state"], values)
    return found


def partial_files(ws):
    bad = []
    for path in glob.glob(os.path.join(ws, ".sluice", "**", "*"), recursive=True):
        if not os.path.isfile(path):
            continue
        try:
            if path.endswith(".arrow"):
                with open(path, "rb") as f:
                    ipc.open_file(f).read_all()
            elif path.endswith(".json"):
                with open(path) as f:
                    json.load(f)
            elif path.endswith(".jsonl") and "journal" not in os.path.basename(path):
                # Whole-file writes (cache manifests): every line parses. A
                # journal may end torn after a kill; --resume drops that line.
                with open(path) as f:
                    for line in f:
                        json.loads(line)
        except Exception as error:
            bad.append(f"{os.path.relpath(path, ws)}: {error}")
    return bad
