"""report: the daily operations note, written whichever branch ran."""

import argparse

from sluice_task import file_output_path, log, set_output


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--run-id", required=True)
    ap.add_argument("--run-date", required=True)
    ap.add_argument("--rmse", type=float, required=True)
    ap.add_argument("--breach-days", type=int, required=True)
    ap.add_argument("--rmse-threshold", type=float, required=True)
    ap.add_argument("--max-breach-days", type=int, required=True)
    args = ap.parse_args()

    degraded = args.rmse > args.rmse_threshold or args.breach_days > args.max_breach_days
    status = "retraining_triggered" if degraded else "healthy"
    with open(file_output_path("report"), "w", encoding="utf-8") as fh:
        fh.write(f"# Daily operations {args.run_date}\n\n"
                 f"- run: `{args.run_id}`\n"
                 f"- model RMSE: {args.rmse:.3f} GWh (threshold {args.rmse_threshold})\n"
                 f"- days with a large miss: {args.breach_days} (limit {args.max_breach_days})\n"
                 f"- status: **{status}**\n")
    set_output("status", status)
    log(f"{args.run_date} [{args.run_id}]: {status}")


if __name__ == "__main__":
    main()
