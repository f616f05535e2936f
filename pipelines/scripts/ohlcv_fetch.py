"""fetch_ohlcv: daily OHLCV bars for one ticker, from an offline, seeded random walk.

Stands in for a market-data API. To show retries it can play a rate-limited
API: the ticker named by --rate-limited fails its first attempt (SLUICE_TRY=1)
with an HTTP 429-style error and succeeds on the retry.
"""

import argparse
import math
import os
import random
import sys
from datetime import date, timedelta

from sluice_task import fail, log, parse_date, set_output, try_number, write_table

ANCHOR = date(2024, 1, 1)  # the walk starts here, so a given day's bar never changes


def business_days(start: date, end: date) -> list[date]:
    days, d = [], start
    while d <= end:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ticker", required=True)
    ap.add_argument("--as-of", required=True, help="last date to fetch (the run date)")
    ap.add_argument("--days", type=int, required=True, help="trading days of history")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--rate-limited", default="", help="ticker whose first attempt fails")
    args = ap.parse_args()

    feed = os.environ.get("MARKET_DATA_FEED", "synthetic")
    if feed != "synthetic":
        fail(f"MARKET_DATA_FEED={feed!r}: only the offline 'synthetic' feed ships with the examples")
    has_key = bool(os.environ.get("MARKET_API_KEY"))  # never print the value
    attempt = try_number()
    log(f"{args.ticker}: attempt {attempt}, feed={feed}, api key {'present' if has_key else 'not set (not needed offline)'}")

    if args.ticker == args.rate_limited and attempt == 1:
        print(f"{args.ticker}: HTTP 429 Too Many Requests (simulated rate limit); retry later",
              file=sys.stderr)
        sys.exit(75)  # EX_TEMPFAIL

    try:
        as_of = parse_date(args.as_of)
    except ValueError:
        fail(f"--as-of is not a date: {args.as_of!r}")
    if as_of < ANCHOR:
        fail(f"--as-of {as_of} is before the synthetic feed starts ({ANCHOR})")
    if args.days < 1:
        fail("--days must be positive")

    rng = random.Random(f"{args.seed}:{args.ticker}")
    price = 50.0 + rng.random() * 250.0
    drift, vol = rng.uniform(-0.0002, 0.0008), rng.uniform(0.012, 0.03)
    base_volume = rng.randint(2_000_000, 40_000_000)
    bars = []
    for d in business_days(ANCHOR, as_of):
        open_ = price * math.exp(rng.gauss(0, vol / 4))
        close = open_ * math.exp(rng.gauss(drift, vol))
        high = max(open_, close) * (1 + abs(rng.gauss(0, vol / 2)))
        low = min(open_, close) * (1 - abs(rng.gauss(0, vol / 2)))
        volume = int(base_volume * math.exp(rng.gauss(0, 0.35)))
        bars.append({"date": d, "ticker": args.ticker, "open": round(open_, 4), "high": round(high, 4),
                     "low": round(low, 4), "close": round(close, 4), "volume": volume})
        price = close
    bars = bars[-args.days:]

    n = write_table("bars", bars, ["date", "ticker", "open", "high", "low", "close", "volume"])
    set_output("rows", n)
    log(f"{args.ticker}: {n} bars {bars[0]['date']} .. {bars[-1]['date']}, last close {bars[-1]['close']:.2f}")


if __name__ == "__main__":
    main()
