/// The files `sluice init` writes: a two-task pipeline that exercises the
/// task output protocol of DESIGN.md (a table written as CSV to
/// `$SLUICE_TABLE_SALES`, scalars as `name=value` lines in
/// `$SLUICE_OUTPUTS`, an upstream table read back with `sluice cat`), a
/// params file, and the standard-library Python script both tasks run.
/// A test lints the result with `--strict` and runs it.
enum InitTemplates {
    /// Paths relative to the target directory, in the order they are written.
    static func files(pipeline id: String) -> [(path: String, text: String)] {
        [("pipeline.yaml", spec(id)), ("params.yaml", params), ("scripts/sales.py", script)]
    }

    static func spec(_ id: String) -> String {
        """
        # A starter pipeline made by `sluice init`. From this directory:
        #   sluice lint --strict .                  check it (add it to CI the same way)
        #   sluice run pipeline.yaml                run it; state and outputs land in .sluice/
        #   sluice run pipeline.yaml --param sales.days=14
        #   sluice graph pipeline.yaml --format ascii
        #   sluice explain not-upstream             what a lint rule catches, with examples
        pipeline: \(id)
        description: Make a small table of daily sales per store, then summarize it.
        params_file: params.yaml          # sections referenced as {{ params.sales.days }}
        defaults:
          retries: 1
          retry_delay: 5s
          timeout: 5m

        tasks:
          generate:
            description: One row per store and day, seeded so every run gives the same table.
            run: >
              python3 scripts/sales.py generate
              --stores {{ params.sales.stores }}
              --days {{ params.sales.days }}
              --seed {{ params.sales.seed }}
            deps: [scripts/sales.py]      # a changed script invalidates the cached outputs
            outputs:                      # table types are quoted: ": " would start a YAML mapping
              sales: "table(day: date, store: string, revenue: float64)"
              rows: int

          summarize:
            description: Read the table back, check its size and find the best store.
            needs: [generate]             # outputs are readable only from upstream tasks
            run: >
              python3 scripts/sales.py summarize
              --sales {{ generate.sales }}
              --expect-rows {{ generate.rows }}
            deps: [scripts/sales.py]
            outputs:
              best_store: string
              total_revenue: float

        """
    }

    static let params = """
        # The params_file of pipeline.yaml. Override a value for one run:
        #   sluice run pipeline.yaml --param sales.days=14
        #   sluice run pipeline.yaml --param sales.stores='["rome"]'
        sales:
          stores: [berlin, paris, rome]
          days: 7
          seed: 42

        """

    static let script = #"""
        #!/usr/bin/env python3
        """Both steps of the starter pipeline (standard library only).

        Sluice talks to a task through environment variables (the task output protocol):

        * SLUICE_OUTPUTS names a file for scalar outputs, one ``name=value`` line each;
        * SLUICE_TABLE_<NAME> names a staging file for a table output, written as CSV
          with a header; Sluice checks it against the declared columns and stores it
          as an Apache Arrow file;
        * a downstream reference to a table ({{ generate.sales }}) is that Arrow file's
          path, and ``sluice cat PATH --format csv`` turns it back into CSV (the sluice
          binary is on every task's PATH).
        """

        import argparse
        import csv
        import io
        import os
        import random
        import subprocess
        import sys
        from datetime import date, timedelta


        def fail(message):
            print(f"error: {message}", file=sys.stderr)
            sys.exit(2)


        def protocol_path(variable):
            path = os.environ.get(variable)
            if not path:
                fail(f"{variable} is not set: run this script with `sluice run pipeline.yaml`")
            return path


        def write_outputs(**values):
            with open(protocol_path("SLUICE_OUTPUTS"), "a", encoding="utf-8") as out:
                for name, value in values.items():
                    out.write(f"{name}={value}\n")


        def generate(args):
            rng = random.Random(args.seed)
            first_day = date(2026, 1, 1)
            rows = 0
            with open(protocol_path("SLUICE_TABLE_SALES"), "w", newline="", encoding="utf-8") as table:
                writer = csv.writer(table, lineterminator="\n")
                writer.writerow(["day", "store", "revenue"])
                for offset in range(args.days):
                    for store in args.stores:
                        day = first_day + timedelta(days=offset)
                        writer.writerow([day.isoformat(), store, f"{rng.uniform(500, 1500):.2f}"])
                        rows += 1
            write_outputs(rows=rows)
            print(f"wrote {rows} rows for {len(args.stores)} stores")


        def read_table(path):
            if path.endswith(".csv"):  # handy when trying the script by hand
                with open(path, newline="", encoding="utf-8") as table:
                    return list(csv.DictReader(table))
            done = subprocess.run(["sluice", "cat", path, "--format", "csv"], capture_output=True, text=True)
            if done.returncode != 0:
                fail(f"sluice cat {path} failed: {done.stderr.strip()}")
            return list(csv.DictReader(io.StringIO(done.stdout)))


        def summarize(args):
            rows = read_table(args.sales)
            if len(rows) != args.expect_rows:
                fail(f"the table has {len(rows)} rows, generate wrote {args.expect_rows}")
            totals = {}
            for row in rows:
                totals[row["store"]] = totals.get(row["store"], 0.0) + float(row["revenue"])
            best = max(sorted(totals), key=lambda store: totals[store])
            total = round(sum(totals.values()), 2)
            write_outputs(best_store=best, total_revenue=total)
            print(f"best store: {best}; total revenue: {total}")


        def main():
            parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
            steps = parser.add_subparsers(dest="step", required=True)
            gen = steps.add_parser("generate")
            gen.add_argument("--stores", nargs="+", required=True)
            gen.add_argument("--days", type=int, required=True)
            gen.add_argument("--seed", type=int, required=True)
            summ = steps.add_parser("summarize")
            summ.add_argument("--sales", required=True)
            summ.add_argument("--expect-rows", type=int, required=True)
            args = parser.parse_args()
            generate(args) if args.step == "generate" else summarize(args)


        if __name__ == "__main__":
            main()

        """#
}
