"""combine_bars: check every ticker's bars and stack them into one table.

The mapped upstream outputs arrive as lists, in map-index order (the order of
params.tickers): one table path and one row count per ticker.
"""

import argparse

from sluice_task import fail, log, read_table, write_table

COLUMNS = ["date", "ticker", "open", "high", "low", "close", "volume"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tickers", nargs="+", required=True)
    ap.add_argument("--bars", nargs="+", required=True, help="one table per ticker")
    ap.add_argument("--rows", nargs="+", type=int, required=True, help="one row count per ticker")
    args = ap.parse_args()

    if not len(args.tickers) == len(args.bars) == len(args.rows):
        fail(f"got {len(args.tickers)} tickers, {len(args.bars)} tables and {len(args.rows)} row counts")

    combined, problems = [], []
    for ticker, path, expected in zip(args.tickers, args.bars, args.rows):
        rows = read_table(path, as_="rows")
        if len(rows) != expected:
            problems.append(f"{ticker}: fetch reported {expected} rows, table has {len(rows)}")
        wrong = {r["ticker"] for r in rows} - {ticker}
        if wrong:
            problems.append(f"{ticker}: table holds other tickers {sorted(wrong)}")
        for r in rows:
            if not float(r["low"]) <= min(float(r["open"]), float(r["close"])) \
                    <= max(float(r["open"]), float(r["close"])) <= float(r["high"]):
                problems.append(f"{ticker} {r['date']}: OHLC values are inconsistent")
        combined.extend(rows)
    if problems:
        fail("; ".join(problems[:10]), code=1)

    combined.sort(key=lambda r: (r["ticker"], r["date"]))
    n = write_table("ohlcv", combined, COLUMNS)
    log(f"combined {n} bars for {len(args.tickers)} tickers")


if __name__ == "__main__":
    main()
