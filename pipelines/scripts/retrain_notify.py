"""notify: one summary line for the team, whichever branch ran."""

from retrain_common import promotion_from_args
from sluice_task import log, set_output


def main() -> None:
    promoted, why = promotion_from_args(__doc__)
    decision = "promoted" if promoted else "kept_current"
    set_output("decision", decision)
    set_output("summary", f"model retraining: {decision}; {why}")
    log(f"model retraining: {decision}; {why}")


if __name__ == "__main__":
    main()
