"""compute_features: technical features for one symbol (one isolated map instance).

Prices come from an offline, seeded random walk keyed by the symbol, so every
instance is independent of the others and of their order.
"""

import argparse
import math
import os
import random
from datetime import timedelta

from sluice_task import fail, log, parse_date, write_table

COLUMNS = ["date", "symbol", "close", "ret_1d", "sma_fast", "sma_slow", "sma_ratio", "vol", "rsi"]


def rsi(changes: list[float]) -> float:
    gains = sum(c for c in changes if c > 0)
    losses = -sum(c for c in changes if c < 0)
    if losses == 0:
        return 100.0
    return 100.0 - 100.0 / (1.0 + gains / losses)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--symbol", required=True)
    ap.add_argument("--end", required=True)
    ap.add_argument("--history-days", type=int, required=True)
    ap.add_argument("--sma-fast", type=int, required=True)
    ap.add_argument("--sma-slow", type=int, required=True)
    ap.add_argument("--vol-window", type=int, required=True)
    ap.add_argument("--rsi-period", type=int, required=True)
    args = ap.parse_args()

    if not 1 < args.sma_fast < args.sma_slow:
        fail(f"need 1 < sma_fast < sma_slow (got {args.sma_fast}, {args.sma_slow})")
    warmup = max(args.sma_slow, args.vol_window + 1, args.rsi_period + 1)
    if args.history_days <= warmup:
        fail(f"--history-days {args.history_days} leaves no rows after a {warmup}-day warm-up")
    try:
        end = parse_date(args.end)
    except ValueError:
        fail(f"--end is not a date: {args.end!r}")

    log(f"{args.symbol}: feature set {os.environ.get('FEATURE_SET_VERSION', 'unversioned')}, "
        f"map index {os.environ.get('SLUICE_MAP_INDEX', '-')}")
    rng = random.Random(f"features:{args.symbol}")
    price, drift, vol = 20 + rng.random() * 180, rng.uniform(-0.0003, 0.0009), rng.uniform(0.01, 0.035)
    calendar, d = [], end
    while len(calendar) < args.history_days:  # the last history_days trading days up to --end
        if d.weekday() < 5:
            calendar.append(d)
        d -= timedelta(days=1)
    days = []
    for d in reversed(calendar):
        price *= math.exp(rng.gauss(drift, vol))
        days.append((d, price))
    closes = [c for _, c in days]

    rows = []
    for i in range(warmup, len(days)):
        window = closes[: i + 1]
        rets = [math.log(b / a) for a, b in zip(window[-args.vol_window - 1:-1], window[-args.vol_window:])]
        mean = sum(rets) / len(rets)
        fast = sum(window[-args.sma_fast:]) / args.sma_fast
        slow = sum(window[-args.sma_slow:]) / args.sma_slow
        changes = [b - a for a, b in zip(window[-args.rsi_period - 1:-1], window[-args.rsi_period:])]
        rows.append({
            "date": days[i][0], "symbol": args.symbol, "close": round(closes[i], 4),
            "ret_1d": round(math.log(closes[i] / closes[i - 1]), 6),
            "sma_fast": round(fast, 4), "sma_slow": round(slow, 4), "sma_ratio": round(fast / slow, 6),
            "vol": round(math.sqrt(sum((r - mean) ** 2 for r in rets) / (len(rets) - 1) * 252), 6),
            "rsi": round(rsi(changes), 3),
        })
    n = write_table("features", rows, COLUMNS)
    log(f"{args.symbol}: {n} feature rows {rows[0]['date']} .. {rows[-1]['date']}")


if __name__ == "__main__":
    main()
