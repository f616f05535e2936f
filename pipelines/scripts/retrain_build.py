"""build_training_set: daily demand with lag and calendar features (offline, seeded)."""

import argparse
import math
import random
from datetime import timedelta

from sluice_task import fail, log, parse_date, write_table

COLUMNS = ["date", "target", "lag_1", "lag_7", "weekend", "season_sin", "season_cos"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--days", type=int, required=True)
    ap.add_argument("--end", required=True, help="last day of history (YYYY-MM-DD)")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    if args.days < 60:
        fail(f"--days must be at least 60 (got {args.days})")
    try:
        end = parse_date(args.end)
    except ValueError:
        fail(f"--end is not a date: {args.end!r}")

    rng = random.Random(args.seed)
    start = end - timedelta(days=args.days + 6)
    demand, level = [], 0.0
    for i in range(args.days + 7):
        d = start + timedelta(days=i)
        level = 0.8 * level + rng.gauss(0, 1.5)            # persistent weather effect
        y = (120 + 12 * math.sin(2 * math.pi * d.timetuple().tm_yday / 365)
             - (9 if d.weekday() >= 5 else 0) + level + rng.gauss(0, 1.0))
        demand.append((d, y))

    rows = []
    for i in range(7, len(demand)):
        d, y = demand[i]
        angle = 2 * math.pi * d.timetuple().tm_yday / 365
        rows.append({"date": d, "target": round(y, 3), "lag_1": round(demand[i - 1][1], 3),
                     "lag_7": round(demand[i - 7][1], 3), "weekend": d.weekday() >= 5,
                     "season_sin": round(math.sin(angle), 6), "season_cos": round(math.cos(angle), 6)})
    n = write_table("training", rows, COLUMNS)
    log(f"built {n} training rows {rows[0]['date']} .. {rows[-1]['date']}")


if __name__ == "__main__":
    main()
