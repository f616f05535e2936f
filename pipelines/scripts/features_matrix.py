"""build_feature_matrix: join every symbol's features and add cross-sectional ranks."""

import argparse
from collections import defaultdict

from sluice_task import fail, log, read_tables, set_output, to_float, write_table

COLUMNS = ["date", "symbol", "ret_1d", "sma_ratio", "vol", "rsi", "momentum_rank", "vol_rank"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--features", nargs="+", required=True, help="one table per symbol")
    ap.add_argument("--min-symbols", type=int, required=True, help="dates with fewer symbols are dropped")
    args = ap.parse_args()

    by_date = defaultdict(list)
    symbols = set()
    for r in read_tables(args.features, as_="rows"):
        by_date[r["date"]].append(r)
        symbols.add(r["symbol"])
    if not by_date:
        fail("no feature rows", code=1)

    out, dropped = [], 0
    for d in sorted(by_date):
        rows = by_date[d]
        if len(rows) < args.min_symbols:
            dropped += 1
            continue
        momentum = sorted(rows, key=lambda r: -to_float(r["sma_ratio"]))
        volatility = sorted(rows, key=lambda r: to_float(r["vol"]))
        m_rank = {r["symbol"]: i + 1 for i, r in enumerate(momentum)}
        v_rank = {r["symbol"]: i + 1 for i, r in enumerate(volatility)}
        for r in sorted(rows, key=lambda r: r["symbol"]):
            out.append({"date": d, "symbol": r["symbol"], "ret_1d": r["ret_1d"], "sma_ratio": r["sma_ratio"],
                        "vol": r["vol"], "rsi": r["rsi"],
                        "momentum_rank": m_rank[r["symbol"]], "vol_rank": v_rank[r["symbol"]]})
    if not out:
        fail(f"no date has at least {args.min_symbols} symbols", code=1)

    n = write_table("matrix", out, COLUMNS)
    latest = [r for r in out if r["date"] == out[-1]["date"]]
    leader = min(latest, key=lambda r: r["momentum_rank"])["symbol"]
    set_output("symbols", sorted(symbols))
    set_output("coverage", {"rows": n, "dates": len(by_date) - dropped, "dates_dropped": dropped,
                            "first": out[0]["date"], "last": out[-1]["date"]})
    set_output("momentum_leader", leader)
    log(f"feature matrix: {n} rows, {len(symbols)} symbols, {len(by_date) - dropped} dates; "
        f"momentum leader on {out[-1]['date']}: {leader}")


if __name__ == "__main__":
    main()
