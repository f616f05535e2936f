"""forecast_publish: refit the champion on all clean history and forecast the next hours."""

import argparse
from collections import defaultdict
from datetime import timedelta

from forecast_models import MODELS
from sluice_task import fail, log, parse_ts, read_table, set_output, to_float, write_table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clean", required=True)
    ap.add_argument("--regions", nargs="+", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--model-version", required=True)
    ap.add_argument("--horizon-hours", type=int, required=True)
    args = ap.parse_args()

    if args.model not in MODELS:
        fail(f"unknown model {args.model!r}")
    if not 1 <= args.horizon_hours <= 24 * 14:
        fail(f"--horizon-hours must be between 1 and 336 (got {args.horizon_hours})")

    series = defaultdict(list)
    for row in read_table(args.clean, as_="rows"):
        if row["region"] in args.regions:
            series[row["region"]].append((parse_ts(row["ts"]), to_float(row["load_mw"])))

    rows = []
    peak = (0.0, "", None)
    for region in sorted(series):
        history = sorted(series[region])
        last_ts = history[-1][0]
        values = MODELS[args.model]([v for _, v in history], args.horizon_hours)
        for h, mw in enumerate(values, start=1):
            ts = last_ts + timedelta(hours=h)
            rows.append({"ts": ts, "region": region, "load_mw": round(mw, 2),
                         "model": args.model, "model_version": args.model_version})
            if mw > peak[0]:
                peak = (mw, region, ts)

    n = write_table("forecast", rows,
                    ["ts", "region", "load_mw", "model", "model_version"])
    set_output("peak_mw", round(peak[0], 2))
    set_output("peak_region", peak[1])
    log(f"published {n} forecast rows ({args.horizon_hours}h x {len(series)} regions) "
        f"with {args.model_version}; peak {peak[0]:.0f} MW in {peak[1]} at {peak[2]:%Y-%m-%d %H:00}Z")


if __name__ == "__main__":
    main()
