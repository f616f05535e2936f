"""Writes Sluice specs for scripts/soak: real specs (front end, checker and
lowering included), whose tasks check the data they receive, so a run that
finishes but passes a wrong value fails.

    generate_spec.py layered N [WIDTH]   N tasks in layers of WIDTH (default 100);
                                         each needs two tasks of the layer above and
                                         checks the layer number it passes on
    generate_spec.py foreach N           one task mapped over N params, and a task
                                         that checks the sum of the N outputs
"""

import sys


def layered(n, width):
    lines = ["pipeline: soak_layered", "defaults: {cache: false}", "tasks:"]
    for k in range((n + width - 1) // width):
        for i in range(min(width, n - k * width)):
            lines.append(f"  l{k}_{i}:")
            lines.append("    outputs: {layer: int}")
            if k == 0:
                lines.append("    run: echo layer=0 >> \"$SLUICE_OUTPUTS\"")
                continue
            above = min(width, n - (k - 1) * width)
            a, b = i % above, (i + 1) % above
            lines.append(f"    needs: [l{k - 1}_{a}, l{k - 1}_{b}]")
            lines.append(f"    run: test {{{{ l{k - 1}_{a}.layer }}}} -eq {k - 1}"
                         f" && echo layer={k} >> \"$SLUICE_OUTPUTS\"")
    return "\n".join(lines) + "\n"


def foreach(n):
    items = ", ".join(str(i) for i in range(n))
    total = n * (n - 1) // 2
    return f"""pipeline: soak_foreach
params:
  items: [{items}]
defaults: {{cache: false}}
tasks:
  each:
    foreach: params.items
    outputs: {{value: int}}
    run: echo value={{{{ item }}}} >> "$SLUICE_OUTPUTS"
  total:
    needs: [each]
    run: >
      python3 -c 'import sys; assert sum(map(int, sys.argv[1:])) == {total}'
      {{{{ each.value }}}}
"""


if __name__ == "__main__":
    shape, n = sys.argv[1], int(sys.argv[2])
    if shape == "layered":
        sys.stdout.write(layered(n, int(sys.argv[3]) if len(sys.argv) > 3 else 100))
    elif shape == "foreach":
        sys.stdout.write(foreach(n))
    else:
        sys.exit(f"unknown shape {shape!r}")
