"""monitor: model error over the scoring window (RMSE and days with a large miss)."""

import argparse
import math

from sluice_task import fail, log, read_table, set_output, to_float


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scored", required=True)
    ap.add_argument("--breach-gwh", type=float, required=True, help="a day misses by more than this")
    args = ap.parse_args()

    errors = []
    for i, r in enumerate(read_table(args.scored, as_="rows"), start=2):
        a, p = to_float(r["actual_gwh"]), to_float(r["predicted_gwh"])
        if a is None or p is None:
            fail(f"{args.scored}: row {i} has a null actual or prediction", code=1)
        errors.append(p - a)
    if not errors:
        fail(f"{args.scored}: nothing to monitor", code=1)
    rmse = math.sqrt(sum(e * e for e in errors) / len(errors))
    breaches = sum(1 for e in errors if abs(e) > args.breach_gwh)
    set_output("rmse", round(rmse, 4))
    set_output("breach_days", breaches)
    log(f"RMSE {rmse:.3f} GWh over {len(errors)} days; {breaches} day(s) missed by more than {args.breach_gwh} GWh")


if __name__ == "__main__":
    main()
