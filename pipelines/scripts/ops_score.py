"""score_recent: yesterday's production forecasts joined with what actually happened.

Offline stand-in: actual daily demand (GWh) and the model's predictions for the
last --days days, seeded. --drift makes the model's error grow day by day, as
when the world changes under a model; use it to see the retraining branch.
"""

import argparse
import math
import random
from datetime import timedelta

from sluice_task import fail, log, parse_date, write_table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--days", type=int, required=True)
    ap.add_argument("--drift", type=float, required=True, help="GWh of extra error added per day")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--end", required=True, help="last scored day (YYYY-MM-DD)")
    args = ap.parse_args()
    if args.days < 2:
        fail("--days must be at least 2")
    try:
        end = parse_date(args.end)
    except ValueError:
        fail(f"--end is not a date: {args.end!r}")

    rng = random.Random(args.seed)
    rows = []
    for i in range(args.days):
        d = end - timedelta(days=args.days - 1 - i)
        actual = 120 + 12 * math.sin(2 * math.pi * d.timetuple().tm_yday / 365) \
            - (9 if d.weekday() >= 5 else 0) + rng.gauss(0, 2.0)
        predicted = actual + rng.gauss(0, 1.6) + args.drift * i / args.days * 4
        rows.append({"date": d, "actual_gwh": round(actual, 3), "predicted_gwh": round(predicted, 3),
                     "abs_error": round(abs(actual - predicted), 3)})
    n = write_table("scored", rows, ["date", "actual_gwh", "predicted_gwh", "abs_error"])
    log(f"scored {n} days ending {end} (drift {args.drift} GWh)")


if __name__ == "__main__":
    main()
