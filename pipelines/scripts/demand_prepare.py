"""prepare_clean: de-duplicate, drop meter spikes, fill short gaps on an hourly grid."""

import argparse
import statistics
from collections import defaultdict
from datetime import timedelta

from sluice_task import fail, log, parse_ts, read_table, set_output, to_float, write_table

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--raw", required=True, help="upstream table (Arrow, or CSV by hand)")
    ap.add_argument("--max-gap-hours", type=int, required=True)
    ap.add_argument("--spike-zscore", type=float, required=True)
    args = ap.parse_args()

    by_region: dict[str, dict] = defaultdict(dict)
    duplicates = 0
    for i, row in enumerate(read_table(args.raw, as_="rows"), start=2):
        try:
            ts, mw = parse_ts(row["ts"]), to_float(row["load_mw"])
        except (KeyError, ValueError) as exc:
            fail(f"{args.raw}: bad row {i}: {exc}")
        if mw is None:
            continue  # a null reading is treated as missing
        series = by_region[row["region"]]
        if ts in series:
            duplicates += 1  # keep the last reading, as the feed corrects itself
        series[ts] = mw
    if not by_region:
        fail(f"{args.raw}: no readings")

    out, filled_total, spikes = [], 0, 0
    for region in sorted(by_region):
        series = by_region[region]
        # Robust spike filter: compare each reading with the same hour on the three days
        # before and after, and flag residuals more than spike_zscore robust sigmas out.
        resid = {}
        for t, v in series.items():
            same_hour = [series[t + k * DAY] for k in (-3, -2, -1, 1, 2, 3) if t + k * DAY in series]
            if len(same_hour) >= 2:
                resid[t] = v - statistics.median(same_hour)
        scale = 1.4826 * (statistics.median(abs(r) for r in resid.values()) if resid else 0.0) or 1.0
        keep = {}
        for t in sorted(series):
            if abs(resid.get(t, 0.0)) / scale > args.spike_zscore:
                spikes += 1
            else:
                keep[t] = series[t]

        if not keep:
            fail(f"region {region}: every reading looks like a spike")
        t, end = min(keep), max(keep)  # the grid spans the first to the last good reading
        prev_t = None
        while t <= end:
            if t in keep:
                out.append({"ts": t, "region": region, "load_mw": keep[t], "filled": False})
                prev_t = t
                t += HOUR
                continue
            nxt = t
            while nxt not in keep and nxt <= end:
                nxt += HOUR
            gap = int((nxt - t) / HOUR)
            if gap > args.max_gap_hours:
                fail(f"region {region}: gap of {gap} hours from {t:%Y-%m-%d %H:00} is longer "
                     f"than clean.max_gap_hours={args.max_gap_hours}")
            a, b = keep[prev_t], keep[nxt]
            for k in range(gap):
                frac = (k + 1) / (gap + 1)
                out.append({"ts": t + k * HOUR, "region": region,
                            "load_mw": round(a + (b - a) * frac, 2), "filled": True})
            filled_total += gap
            t = nxt

    n = write_table("clean", out, ["ts", "region", "load_mw", "filled"])
    set_output("filled_hours", filled_total)
    set_output("spikes_removed", spikes)
    log(f"clean: {n} hourly rows for {len(by_region)} regions; dropped {duplicates} duplicates "
        f"and {spikes} spikes; interpolated {filled_total} hours")


if __name__ == "__main__":
    main()
