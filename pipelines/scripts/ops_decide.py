"""decide: branch to `retrain` when the model has degraded, else to `all_good`."""

import argparse

from sluice_task import log, set_output


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rmse", type=float, required=True)
    ap.add_argument("--breach-days", type=int, required=True)
    ap.add_argument("--rmse-threshold", type=float, required=True)
    ap.add_argument("--max-breach-days", type=int, required=True)
    args = ap.parse_args()

    reasons = []
    if args.rmse > args.rmse_threshold:
        reasons.append(f"RMSE {args.rmse:.3f} > {args.rmse_threshold}")
    if args.breach_days > args.max_breach_days:
        reasons.append(f"{args.breach_days} breach days > {args.max_breach_days}")
    choice = "retrain" if reasons else "all_good"
    set_output("branch", choice)  # the branch task's output: the name of the task to follow
    log(f"-> {choice}: {'; '.join(reasons) if reasons else 'model within tolerance'}")


if __name__ == "__main__":
    main()
