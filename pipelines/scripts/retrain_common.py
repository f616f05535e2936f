"""Shared pieces of the model_retraining scripts: features, a ridge fit, the promotion rule."""

from __future__ import annotations

import argparse

from sluice_task import to_bool, to_float

FEATURES = ["lag_1", "lag_7", "weekend", "season_sin", "season_cos"]


def features(row: dict[str, str]) -> list[float]:
    """The model's inputs from one training-set row (booleans as 0/1)."""
    out = []
    for f in FEATURES:
        if f == "weekend":
            out.append(1.0 if to_bool(row[f]) else 0.0)
        else:
            out.append(to_float(row[f]))
    return out


def solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (a is small and well conditioned)."""
    n = len(b)
    m = [row[:] + [bv] for row, bv in zip(a, b)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col and m[col][col]:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]


def ridge_fit(x: list[list[float]], y: list[float], alpha: float) -> tuple[float, list[float]]:
    """Least squares with an L2 penalty on the coefficients (not the intercept)."""
    rows = [[1.0] + xi for xi in x]
    k = len(rows[0])
    xtx = [[sum(r[i] * r[j] for r in rows) + (alpha if i == j and i > 0 else 0.0)
            for j in range(k)] for i in range(k)]
    xty = [sum(r[i] * yi for r, yi in zip(rows, y)) for i in range(k)]
    beta = solve(xtx, xty)
    return beta[0], beta[1:]


def should_promote(candidate_rmse: float, current_rmse: float, beats_current: bool,
                   min_improvement: float, max_rmse: float) -> tuple[bool, str]:
    """The promotion rule, shared by decide_promotion and notify."""
    improvement = 1 - candidate_rmse / current_rmse if current_rmse else 0.0
    if not beats_current:
        return False, f"candidate RMSE {candidate_rmse:.3f} does not beat current {current_rmse:.3f}"
    if improvement < min_improvement:
        return False, f"improvement {improvement:.1%} is below the required {min_improvement:.1%}"
    if candidate_rmse > max_rmse:
        return False, f"candidate RMSE {candidate_rmse:.3f} exceeds the ceiling {max_rmse}"
    return True, f"candidate improves RMSE by {improvement:.1%} ({current_rmse:.3f} -> {candidate_rmse:.3f})"


def promotion_from_args(description: str) -> tuple[bool, str]:
    """Parses the promotion rule's inputs from the command line and applies it.
    decide_promotion and notify take the same flags, so both read them here."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--candidate-rmse", type=float, required=True)
    ap.add_argument("--current-rmse", type=float, required=True)
    ap.add_argument("--beats-current", type=to_bool, required=True)
    ap.add_argument("--min-improvement", type=float, required=True)
    ap.add_argument("--max-rmse", type=float, required=True)
    args = ap.parse_args()
    return should_promote(args.candidate_rmse, args.current_rmse, args.beats_current,
                          args.min_improvement, args.max_rmse)
