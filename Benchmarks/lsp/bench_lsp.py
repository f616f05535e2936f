#!/usr/bin/env python3
"""Latency of `sluice lsp` on a large spec: the time from sending a
`didChange` (the whole text, as a client with full sync sends it) to
receiving the `publishDiagnostics` for that version. Edits alternate between
a misspelt `needs` entry (one error) and the clean text, so every change is
really checked and its result differs from the one before.
Usage: bench_lsp.py SLUICE SPEC [EDITS]"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "LanguageServer"))
from lsp_client import LSPClient  # noqa: E402

sluice, spec = sys.argv[1], sys.argv[2]
edits = int(sys.argv[3]) if len(sys.argv) > 3 else 40
with open(spec, encoding="utf-8") as f:
    clean = f.read()
# The last task's first `needs` entry, misspelt: an unknown-task error.
last_needs = clean.rindex("    needs: [t")
broken = clean[:last_needs] + "    needs: [x" + clean[last_needs + len("    needs: [t"):]

# The generator's tasks name `scripts/step.py` in `deps`: give them one, so the spec lints clean.
os.makedirs(os.path.join(os.path.dirname(os.path.abspath(spec)), "scripts"), exist_ok=True)
open(os.path.join(os.path.dirname(os.path.abspath(spec)), "scripts", "step.py"), "a").close()

client = LSPClient([sluice, "lsp"], cwd=os.path.dirname(os.path.abspath(spec)))
client.initialize(os.path.dirname(os.path.abspath(spec)))
uri = client.open(spec, clean)
assert client.wait_diagnostics(uri, version=1, timeout=60) == [], "the generated spec must lint clean"
def cpu_seconds(pid):
    """User plus system CPU time of a process so far (Linux /proc), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


cpu_before = cpu_seconds(client.process.pid)
times = []
for version in range(2, edits + 2):
    text = broken if version % 2 == 0 else clean
    start = time.perf_counter()
    client.change(uri, text, version)
    found = client.wait_diagnostics(uri, version=version, timeout=60)
    times.append(time.perf_counter() - start)
    assert (len(found) == 1) == (text is broken), found
cpu_after = cpu_seconds(client.process.pid)
client.close()
times.sort()
ms = [t * 1000 for t in times]
print(f"spec: {len(clean.encode()) / 1e6:.2f} MB, {clean.count(chr(10))} lines; {edits} edits, whole text each (full sync)")
print(f"change -> diagnostics published: median {statistics.median(ms):.1f} ms, "
      f"p90 {ms[int(len(ms) * 0.9) - 1]:.1f} ms, max {ms[-1]:.1f} ms  (target <= 100 ms)")
if cpu_before is not None and cpu_after is not None:
    print(f"server CPU time per change (user + system): {(cpu_after - cpu_before) / edits * 1000:.1f} ms "
          f"(the latency floor on an idle core, the client aside); load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
