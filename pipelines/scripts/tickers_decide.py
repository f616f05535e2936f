"""decide: branch to `retrain` when the dataset drifted (or retraining is forced), else to `keep_model`."""

import argparse

from sluice_task import log, set_output


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--drift-pct", type=float, required=True)
    ap.add_argument("--max-drift-pct", type=float, required=True)
    ap.add_argument("--force", choices=["true", "false"], required=True)
    args = ap.parse_args()
    retrain = args.force == "true" or args.drift_pct > args.max_drift_pct
    why = "forced" if args.force == "true" else f"drift {args.drift_pct}% vs limit {args.max_drift_pct}%"
    log(f"{'retrain' if retrain else 'keep the model'}: {why}")
    set_output("branch", "retrain" if retrain else "keep_model")


if __name__ == "__main__":
    main()
