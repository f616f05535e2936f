"""build_dataset: stack each ticker's bars into one training dataset, named by its content.

The dataset lands in datasets/<dataset_id>.csv in the workspace, where the
retraining pipeline that ticker_daily triggers reads it. Its id is the run
date plus a digest of its rows, so the same bars always make the same id (a
re-run on the same data names the same dataset) and different bars never
share one. Also reports a drift figure the branch decides on.
"""

import argparse
import csv
import hashlib
import os

from sluice_task import fail, log, read_table, set_output


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--run-date", required=True)
    ap.add_argument("--bars", nargs="+", required=True, help="one table per ticker (each names its ticker)")
    ap.add_argument("--rows", nargs="+", type=int, required=True, help="one row count per table")
    args = ap.parse_args()
    if len(args.bars) != len(args.rows):
        fail(f"{len(args.bars)} bar tables but {len(args.rows)} row counts")

    rows = []
    drifts = []
    for path, count in zip(args.bars, args.rows):
        bars = read_table(path, as_="rows")
        if not bars or len(bars) != count:
            fail(f"{path}: {len(bars)} bars, the download reported {count}")
        ticker = bars[0]["ticker"]
        closes = [float(bar["close"]) for bar in bars]
        recent, whole = closes[-5:], closes
        drifts.append(abs(sum(recent) / len(recent) / (sum(whole) / len(whole)) - 1) * 100)
        rows += [{"date": bar["date"], "ticker": ticker, "close": bar["close"]} for bar in bars]

    digest = hashlib.sha256()
    for row in rows:
        digest.update(f"{row['date']},{row['ticker']},{row['close']}\n".encode())
    dataset_id = f"ds-{args.run_date}-{digest.hexdigest()[:12]}"
    os.makedirs("datasets", exist_ok=True)
    target = os.path.join("datasets", dataset_id + ".csv")
    with open(target + ".tmp", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["date", "ticker", "close"])
        writer.writeheader()
        writer.writerows(rows)
    os.replace(target + ".tmp", target)

    drift = round(max(drifts), 3)
    set_output("dataset_id", dataset_id)
    set_output("rows", len(rows))
    set_output("drift_pct", drift)
    log(f"{dataset_id}: {len(rows)} rows of {len(args.bars)} tickers, largest drift {drift}%")


if __name__ == "__main__":
    main()
