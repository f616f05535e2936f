"""validate_clean: data-quality gate before training; fails the run on bad data.

Row-level rules (one reading per region and hour, no nulls, load within the
plausible range) are data checks on prepare_clean's table in the spec: they run
before this script can read it. What is left here needs more than one row or
another task's outputs: the hourly grid, the expected regions, the filled-hour
count and ratio.
"""

import argparse
import json
import sys
from collections import defaultdict
from datetime import timedelta

from sluice_task import fail, file_output_path, log, parse_ts, read_table, set_output, to_bool

HOUR = timedelta(hours=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clean", required=True)
    ap.add_argument("--expect-regions", nargs="+", required=True)
    ap.add_argument("--max-filled-ratio", type=float, required=True)
    ap.add_argument("--filled-hours", type=int, required=True, help="as reported by prepare_clean")
    ap.add_argument("--spikes-removed", type=int, required=True, help="as reported by prepare_clean")
    args = ap.parse_args()

    rows = read_table(args.clean, as_="rows")
    problems: list[str] = []
    series = defaultdict(list)
    filled_in_table = 0
    for row in rows:
        if to_bool(row.get("filled")):
            filled_in_table += 1
        series[row["region"]].append(parse_ts(row["ts"]))

    for region in args.expect_regions:
        if region not in series:
            problems.append(f"region {region} has no rows")
    checks = {}
    for region, stamps in sorted(series.items()):
        stamps.sort()
        steps = {b - a for a, b in zip(stamps, stamps[1:])}
        if steps - {HOUR}:
            problems.append(f"region {region}: timestamps are not a contiguous hourly grid")
        checks[region] = {"rows": len(stamps), "first": stamps[0].isoformat(), "last": stamps[-1].isoformat()}

    if filled_in_table != args.filled_hours:
        problems.append(f"prepare_clean reported {args.filled_hours} filled hours "
                        f"but the table marks {filled_in_table}")
    ratio = filled_in_table / max(1, len(rows))
    if ratio > args.max_filled_ratio:
        problems.append(f"{ratio:.2%} of hours are interpolated (limit {args.max_filled_ratio:.2%})")

    report = {"rows": len(rows), "regions": checks, "filled_hours": filled_in_table,
              "filled_ratio": round(ratio, 5), "spikes_removed": args.spikes_removed,
              "problems": problems, "passed": not problems}
    with open(file_output_path("report"), "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=2, sort_keys=True)
        fh.write("\n")

    if problems:
        for p in problems[:20]:
            print(f"  - {p}", file=sys.stderr)
        fail(f"validation failed with {len(problems)} problem(s)", code=1)
    set_output("regions", sorted(series))
    log(f"validated {len(rows)} rows in {len(series)} regions; "
        f"{ratio:.2%} interpolated, {args.spikes_removed} spikes removed upstream")


if __name__ == "__main__":
    main()
