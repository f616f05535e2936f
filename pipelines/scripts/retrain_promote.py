"""promote: write the model card of the new production model (the hand-off to serving)."""

import argparse
import hashlib
import json

from sluice_task import file_output_path, log


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", required=True)
    ap.add_argument("--candidate-rmse", type=float, required=True)
    ap.add_argument("--current-rmse", type=float, required=True)
    args = ap.parse_args()

    with open(args.model, "rb") as fh:
        blob = fh.read()
    version = "ridge-" + hashlib.sha256(blob).hexdigest()[:10]
    card = {"version": version, "model": json.loads(blob),
            "holdout_rmse": args.candidate_rmse, "replaces_rmse": args.current_rmse}
    with open(file_output_path("model_card"), "w", encoding="utf-8") as fh:
        json.dump(card, fh, indent=2, sort_keys=True)
        fh.write("\n")
    log(f"promoted {version}")


if __name__ == "__main__":
    main()
