"""train_candidate: fit a ridge regression on everything before the holdout window."""

import argparse
import json

from retrain_common import FEATURES, features, ridge_fit
from sluice_task import fail, file_output_path, log, read_table, to_float


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--training", required=True)
    ap.add_argument("--holdout-days", type=int, required=True)
    ap.add_argument("--alpha", type=float, required=True, help="ridge penalty")
    args = ap.parse_args()

    rows = sorted(read_table(args.training, as_="rows"), key=lambda r: r["date"])
    if len(rows) <= args.holdout_days + 30:
        fail(f"{len(rows)} rows leave too little to train on with a {args.holdout_days}-day holdout")
    train = rows[:-args.holdout_days]
    intercept, coef = ridge_fit([features(r) for r in train], [to_float(r["target"]) for r in train], args.alpha)

    model = {"kind": "ridge", "alpha": args.alpha, "intercept": intercept,
             "coefficients": dict(zip(FEATURES, coef)),
             "trained_on": {"rows": len(train), "first": train[0]["date"], "last": train[-1]["date"]}}
    with open(file_output_path("model"), "w", encoding="utf-8") as fh:
        json.dump(model, fh, indent=2, sort_keys=True)
        fh.write("\n")
    log(f"trained ridge(alpha={args.alpha}) on {len(train)} days: "
        + ", ".join(f"{f}={c:+.3f}" for f, c in zip(FEATURES, coef)))


if __name__ == "__main__":
    main()
