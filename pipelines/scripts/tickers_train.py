"""load_dataset and fit for ticker_retraining.

`load` reads datasets/<id>.csv, the dataset ticker_daily built and passed by
id (trigger params), and checks its row count against the one the parent
counted. Run alone, the pipeline's default id "seed" makes a small offline
dataset instead. `fit` scores each ticker's momentum and volatility.
"""

import argparse
import math
import os
import random
from datetime import date, timedelta

from sluice_task import fail, log, read_table, set_output, write_table

SEED_TICKERS = ["AAPL", "MSFT"]


def seed_rows() -> list[dict]:
    rng = random.Random("seed-dataset")
    rows = []
    for ticker in SEED_TICKERS:
        price = 100.0
        for day in range(30):
            price *= math.exp(rng.gauss(0.0005, 0.015))
            rows.append({"date": (date(2026, 1, 1) + timedelta(days=day)).isoformat(), "ticker": ticker, "close": round(price, 4)})
    return rows


def load(args: argparse.Namespace) -> None:
    if args.dataset_id == "seed":
        rows = seed_rows()
        log(f"no dataset given: {len(rows)} rows of the offline seed dataset")
    else:
        path = os.path.join("datasets", args.dataset_id + ".csv")
        if not os.path.isfile(path):
            fail(f"dataset {args.dataset_id!r} not found (looked for {path})")
        rows = read_table(path, as_="rows")
        log(f"dataset {args.dataset_id}: {len(rows)} rows")
    if args.expected_rows and len(rows) != args.expected_rows:
        fail(f"dataset {args.dataset_id!r} has {len(rows)} rows, the parent counted {args.expected_rows}")
    n = write_table("table", rows, ["date", "ticker", "close"])
    set_output("rows", n)


def fit(args: argparse.Namespace) -> None:
    by_ticker: dict[str, list[float]] = {}
    rows = read_table(args.data, as_="rows")
    if len(rows) != args.rows:
        fail(f"{len(rows)} rows in {args.data}, load_dataset wrote {args.rows}")
    for row in rows:
        by_ticker.setdefault(row["ticker"], []).append(float(row["close"]))
    scores = []
    for ticker, closes in sorted(by_ticker.items()):
        if len(closes) <= args.window:
            fail(f"{ticker}: {len(closes)} closes, fewer than the window of {args.window}")
        returns = [math.log(b / a) for a, b in zip(closes, closes[1:])]
        momentum = sum(returns[-args.window:]) * 100
        mean = sum(returns) / len(returns)
        volatility = math.sqrt(sum((r - mean) ** 2 for r in returns) / len(returns)) * 100
        scores.append({"ticker": ticker, "momentum": round(momentum, 4), "volatility": round(volatility, 4)})
    write_table("scores", scores, ["ticker", "momentum", "volatility"])
    best = max(scores, key=lambda s: s["momentum"] / (s["volatility"] or 1))
    set_output("best_ticker", best["ticker"])
    log(f"trained on {args.dataset_id}: best risk-adjusted momentum {best['ticker']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    sub = ap.add_subparsers(dest="step", required=True)
    lp = sub.add_parser("load")
    lp.add_argument("--dataset-id", required=True)
    lp.add_argument("--expected-rows", type=int, default=0)
    fp = sub.add_parser("fit")
    fp.add_argument("--data", required=True)
    fp.add_argument("--rows", type=int, required=True)
    fp.add_argument("--window", type=int, required=True)
    fp.add_argument("--dataset-id", required=True)
    args = ap.parse_args()
    load(args) if args.step == "load" else fit(args)


if __name__ == "__main__":
    main()
