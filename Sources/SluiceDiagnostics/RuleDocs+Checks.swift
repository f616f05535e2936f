// Manual entries for data checks on table outputs (`checks:`).

extension RuleDoc {
    static let checkDocs: [RuleDoc] = [
        RuleDoc(
            .unknownColumn,
            catches: """
                A data check under `checks:` naming a column its table output does not declare in \
                `table(col: type, ...)`. The diagnostic points at the column and suggests the closest \
                declared one.
                """,
            why: """
                A validation script that tests `df["uniqe_id"].duplicated()` raises a KeyError at run \
                time, after the expensive step that produced the frame; one written defensively \
                (`if col in df`) silently checks nothing, and the duplicates it was written to stop \
                reach training. A check is checked against the declared schema before anything runs.
                """,
            failing: [File("forecast.yaml", """
                pipeline: forecast
                tasks:
                  prepare_clean:
                    run: python3 prepare.py
                    outputs:
                      clean: "table(unique_id: string, ds: timestamp, y: float64)"
                    checks:
                      clean:
                        - unique: [uniqe_id, ds]

                """)],
            fixed: [File("forecast.yaml", """
                pipeline: forecast
                tasks:
                  prepare_clean:
                    run: python3 prepare.py
                    outputs:
                      clean: "table(unique_id: string, ds: timestamp, y: float64)"
                    checks:
                      clean:
                        - unique: [unique_id, ds]

                """)]),
        RuleDoc(
            .invalidCheck,
            catches: """
                A data check that cannot apply: `range` on a string or bool column, a bound or an \
                accepted value that is not of the column's type (`min: "zero"` on a float64 column, \
                `2024-13-01` on a date column), a `max` below its `min`, a `rows` bound that is not a \
                whole number, or checks on an output that is not a table.
                """,
            why: """
                In pandas, `df["ticker"].between(0, 100)` compares strings lexically and `"10" < "9"`: \
                the check passes or fails for reasons no one meant. A bound that can never be met fails \
                every run only once it reaches production. The check and its column's type are compared \
                when the spec is linted.
                """,
            failing: [File("ohlcv.yaml", """
                pipeline: ohlcv
                tasks:
                  fetch:
                    run: python3 fetch.py
                    outputs:
                      bars: "table(ticker: string, ts: timestamp, close: float64)"
                    checks:
                      bars:
                        - range: { column: ticker, min: 0 }

                """)],
            fixed: [File("ohlcv.yaml", """
                pipeline: ohlcv
                tasks:
                  fetch:
                    run: python3 fetch.py
                    outputs:
                      bars: "table(ticker: string, ts: timestamp, close: float64)"
                    checks:
                      bars:
                        - range: { column: close, min: 0 }

                """)]),
    ]
}
