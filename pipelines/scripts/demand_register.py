"""register_champion: write a model card for the backtest winner and derive its version.

The version is a content hash of the card, so re-registering the same model
with the same scores yields the same version (and a cache hit downstream).
"""

import argparse
import hashlib
import json

from sluice_task import fail, file_output_path, log, set_output


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--champion", required=True)
    ap.add_argument("--rmse", type=float, required=True)
    ap.add_argument("--scores", required=True, help="JSON object: model -> mean backtest RMSE")
    args = ap.parse_args()

    try:
        scores = json.loads(args.scores)
    except json.JSONDecodeError as exc:
        fail(f"--scores is not JSON: {exc}")
    if args.champion not in scores:
        fail(f"champion {args.champion!r} is not among the scored models {sorted(scores)}")

    ranked = sorted(scores, key=scores.get)
    runner_up = ranked[1] if len(ranked) > 1 else None
    card = {
        "model": args.champion,
        "backtest_rmse_mw": args.rmse,
        "candidates": scores,
        "runner_up": runner_up,
        "lift_vs_runner_up": round(1 - args.rmse / scores[runner_up], 4) if runner_up else None,
    }
    digest = hashlib.sha256(json.dumps(card, sort_keys=True).encode()).hexdigest()[:10]
    version = f"{args.champion}-{digest}"
    card["version"] = version
    with open(file_output_path("model_card"), "w", encoding="utf-8") as fh:
        json.dump(card, fh, indent=2, sort_keys=True)
        fh.write("\n")
    set_output("model_version", version)
    log(f"registered {version} (backtest RMSE {args.rmse:.2f} MW)")


if __name__ == "__main__":
    main()
