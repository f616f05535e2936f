"""evaluate: candidate vs the current production model on the holdout window.

The current production model is a weekly seasonal naive forecast (demand on
the same weekday last week), so the example needs no model registry.
"""

import argparse
import json
import math

from retrain_common import FEATURES, features
from sluice_task import fail, log, read_table, set_output, to_float


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--training", required=True)
    ap.add_argument("--model", required=True, help="the candidate's model file")
    ap.add_argument("--holdout-days", type=int, required=True)
    args = ap.parse_args()

    try:
        with open(args.model, encoding="utf-8") as fh:
            model = json.load(fh)
        coef = [model["coefficients"][f] for f in FEATURES]
    except (OSError, ValueError, KeyError) as exc:
        fail(f"cannot load model {args.model}: {exc}")

    holdout = sorted(read_table(args.training, as_="rows"), key=lambda r: r["date"])[-args.holdout_days:]
    cand_se = curr_se = 0.0
    for r in holdout:
        y = to_float(r["target"])
        pred = model["intercept"] + sum(c * x for c, x in zip(coef, features(r)))
        cand_se += (pred - y) ** 2
        curr_se += (to_float(r["lag_7"]) - y) ** 2
    cand = math.sqrt(cand_se / len(holdout))
    curr = math.sqrt(curr_se / len(holdout))
    set_output("candidate_rmse", round(cand, 4))
    set_output("current_rmse", round(curr, 4))
    set_output("beats_current", cand < curr)
    log(f"holdout {len(holdout)} days: candidate RMSE {cand:.3f}, current RMSE {curr:.3f}")


if __name__ == "__main__":
    main()
