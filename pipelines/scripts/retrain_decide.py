"""decide_promotion: branch to `promote` or `keep_current`."""

import argparse

from retrain_common import should_promote
from sluice_io import log, set_output, to_bool


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--candidate-rmse", type=float, required=True)
    ap.add_argument("--current-rmse", type=float, required=True)
    ap.add_argument("--beats-current", type=to_bool, required=True)
    ap.add_argument("--min-improvement", type=float, required=True)
    ap.add_argument("--max-rmse", type=float, required=True)
    args = ap.parse_args()

    promote, why = should_promote(args.candidate_rmse, args.current_rmse, args.beats_current,
                                  args.min_improvement, args.max_rmse)
    choice = "promote" if promote else "keep_current"
    set_output("branch", choice)
    log(f"-> {choice}: {why}")


if __name__ == "__main__":
    main()
