"""ingest: synthetic hourly electricity load per region (offline, seeded).

Stands in for a grid operator's API. The history carries the flaws real feeds
have, so prepare_clean has work to do: a few missing hours, duplicated
readings and meter spikes.
"""

import argparse
import math
import random
from datetime import datetime, timedelta

from sluice_task import fail, log, parse_ts, write_table

BASE_MW = {"north": 5200.0, "south": 3800.0, "coast": 2600.0}


def daily_shape(hour: int) -> float:
    """Relative load by hour of day: night trough, morning ramp, evening peak."""
    return (1.0
            + 0.18 * math.sin(2 * math.pi * (hour - 9) / 24)
            + 0.10 * math.exp(-((hour - 18) ** 2) / 6.0))


def series_for(region: str, start: datetime, hours: int, rng: random.Random) -> list[tuple[datetime, float]]:
    base = BASE_MW.get(region, 3000.0 + 100.0 * (sum(map(ord, region)) % 20))
    noise = 0.0
    out = []
    for i in range(hours):
        ts = start + timedelta(hours=i)
        weekend = 0.90 if ts.weekday() >= 5 else 1.0
        trend = 1.0 + 0.0004 * i / 24          # slow growth
        noise = 0.7 * noise + rng.gauss(0.0, 0.012)  # AR(1) weather noise
        out.append((ts, base * daily_shape(ts.hour) * weekend * trend * (1.0 + noise)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--regions", nargs="+", required=True)
    ap.add_argument("--history-days", type=int, required=True)
    ap.add_argument("--end", required=True, help="exclusive end of history, UTC")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    if args.history_days < 7:
        fail(f"--history-days must be at least 7 (got {args.history_days})")
    try:
        end = parse_ts(args.end)
    except ValueError as exc:
        fail(f"--end is not a UTC timestamp: {exc}")
    hours = args.history_days * 24
    start = end - timedelta(hours=hours)

    rows = []
    gaps = dupes = spikes = 0
    for region in args.regions:
        rng = random.Random(f"{args.seed}:{region}")  # stable per region, order-independent
        skip = 0
        for ts, mw in series_for(region, start, hours, rng):
            if skip:
                skip -= 1
                continue
            r = rng.random()
            if r < 0.004:            # feed outage: 1-3 hours missing
                skip = rng.randint(0, 2)
                gaps += 1
                continue
            if r < 0.006:            # meter spike
                mw *= rng.choice([0.2, 3.0])
                spikes += 1
            rows.append({"ts": ts, "region": region, "load_mw": round(mw, 2)})
            if rng.random() < 0.003:  # the feed repeats a reading
                rows.append({"ts": ts, "region": region, "load_mw": round(mw * 1.001, 2)})
                dupes += 1

    n = write_table("raw", rows, ["ts", "region", "load_mw"])
    log(f"ingested {n} readings for {len(args.regions)} regions "
        f"({start:%Y-%m-%d} .. {end:%Y-%m-%d}); injected {gaps} gaps, {spikes} spikes, {dupes} duplicates")


if __name__ == "__main__":
    main()
