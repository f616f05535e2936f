"""decide_promotion: branch to `promote` or `keep_current`."""

from retrain_common import promotion_from_args
from sluice_task import log, set_output


def main() -> None:
    promote, why = promotion_from_args(__doc__)
    choice = "promote" if promote else "keep_current"
    set_output("branch", choice)
    log(f"-> {choice}: {why}")


if __name__ == "__main__":
    main()
