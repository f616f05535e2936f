"""summarize: per-ticker return, volatility and volume, plus a Markdown report."""

import argparse
import math
from collections import defaultdict

from sluice_task import fail, file_output_path, log, read_table, set_output, write_table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ohlcv", required=True)
    args = ap.parse_args()

    by_ticker = defaultdict(list)
    for r in read_table(args.ohlcv, as_="rows"):
        by_ticker[r["ticker"]].append(r)
    if not by_ticker:
        fail("the combined table is empty", code=1)

    summary = []
    for ticker, rows in sorted(by_ticker.items()):
        rows.sort(key=lambda r: r["date"])
        closes = [float(r["close"]) for r in rows]
        rets = [math.log(b / a) for a, b in zip(closes, closes[1:])]
        mean = sum(rets) / len(rets) if rets else 0.0
        var = sum((x - mean) ** 2 for x in rets) / max(1, len(rets) - 1)
        summary.append({
            "ticker": ticker, "first_date": rows[0]["date"], "last_date": rows[-1]["date"],
            "bars": len(rows), "last_close": closes[-1],
            "return_pct": round(100 * (closes[-1] / closes[0] - 1), 3),
            "volatility_pct": round(100 * math.sqrt(var * 252), 3),
            "avg_volume": int(sum(int(r["volume"]) for r in rows) / len(rows)),
        })

    cols = ["ticker", "first_date", "last_date", "bars", "last_close", "return_pct",
            "volatility_pct", "avg_volume"]
    write_table("summary", summary, cols)
    best = max(summary, key=lambda s: s["return_pct"])
    with open(file_output_path("report"), "w", encoding="utf-8") as fh:
        fh.write(f"# OHLCV summary, {summary[0]['first_date']} .. {summary[0]['last_date']}\n\n")
        fh.write("| " + " | ".join(cols) + " |\n|" + "---|" * len(cols) + "\n")
        for s in summary:
            fh.write("| " + " | ".join(str(s[c]) for c in cols) + " |\n")
    set_output("best_ticker", best["ticker"])
    set_output("tickers", [s["ticker"] for s in summary])
    log(f"summarized {len(summary)} tickers; best performer {best['ticker']} ({best['return_pct']:+.1f}%)")


if __name__ == "__main__":
    main()
