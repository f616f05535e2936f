"""train_backtest_select: rolling-origin backtest of every candidate; the lowest RMSE wins."""

import argparse
from collections import defaultdict

from forecast_models import MODELS, SEASON, rmse
from sluice_task import fail, log, parse_ts, read_table, set_output, to_float, write_table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clean", required=True)
    ap.add_argument("--regions", nargs="+", required=True, help="regions that passed validation")
    ap.add_argument("--candidates", nargs="+", required=True)
    ap.add_argument("--folds", type=int, required=True)
    ap.add_argument("--fold-hours", type=int, required=True)
    args = ap.parse_args()

    unknown = [c for c in args.candidates if c not in MODELS]
    if unknown:
        fail(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
    if args.folds < 1 or args.fold_hours < 1:
        fail("--folds and --fold-hours must be positive")

    series = defaultdict(list)
    for row in read_table(args.clean, as_="rows"):
        if row["region"] in args.regions:
            series[row["region"]].append((parse_ts(row["ts"]), to_float(row["load_mw"])))

    leaderboard, per_model = [], defaultdict(list)
    for region in sorted(series):
        values = [v for _, v in sorted(series[region])]
        need = 7 * SEASON + args.folds * args.fold_hours
        if len(values) < need:
            fail(f"region {region}: {len(values)} hours of history, the backtest needs {need}")
        for fold in range(1, args.folds + 1):
            cutoff = len(values) - (args.folds - fold + 1) * args.fold_hours
            train, test = values[:cutoff], values[cutoff:cutoff + args.fold_hours]
            for model in args.candidates:
                score = rmse(test, MODELS[model](train, len(test)))
                per_model[model].append(score)
                leaderboard.append({"model": model, "region": region, "fold": fold, "rmse": score})

    scores = {m: round(sum(s) / len(s), 3) for m, s in per_model.items()}
    champion = min(scores, key=lambda m: (scores[m], m))
    write_table("backtest", leaderboard, ["model", "region", "fold", "rmse"])
    set_output("champion", champion)
    set_output("rmse", scores[champion])
    set_output("scores", scores)
    for m in sorted(scores, key=scores.get):
        log(f"  {m:<15} mean RMSE {scores[m]:9.2f} MW{'   <- champion' if m == champion else ''}")
    log(f"backtested {len(args.candidates)} models x {len(series)} regions x {args.folds} folds")


if __name__ == "__main__":
    main()
