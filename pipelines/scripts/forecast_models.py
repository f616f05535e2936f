"""Candidate hourly forecasting models, pure stdlib (shared by train and publish).

Every model maps an hourly history (oldest first, at least one week) to the
next ``horizon`` hours.
"""

from __future__ import annotations

import math
from typing import Callable

SEASON = 24  # hours


def naive(history: list[float], horizon: int) -> list[float]:
    """Tomorrow looks like the last hour."""
    return [history[-1]] * horizon


def seasonal_naive(history: list[float], horizon: int) -> list[float]:
    """Each hour repeats the same hour of the last day."""
    last_day = history[-SEASON:]
    return [last_day[h % SEASON] for h in range(horizon)]


def linear_trend(history: list[float], horizon: int, window_days: int = 14) -> list[float]:
    """Least-squares trend over the last two weeks plus an hour-of-day profile."""
    n = min(len(history), window_days * SEASON)
    y = history[-n:]
    xs = range(n)
    mx, my = (n - 1) / 2, sum(y) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (v - my) for x, v in zip(xs, y)) / sxx
    intercept = my - slope * mx
    resid = [v - (intercept + slope * x) for x, v in zip(xs, y)]
    # hour-of-day profile, aligned so that position n continues the cycle
    profile = [0.0] * SEASON
    counts = [0] * SEASON
    for x, r in enumerate(resid):
        k = (x - n) % SEASON
        profile[k] += r
        counts[k] += 1
    profile = [p / c if c else 0.0 for p, c in zip(profile, counts)]
    return [intercept + slope * (n + h) + profile[h % SEASON] for h in range(horizon)]


MODELS: dict[str, Callable[[list[float], int], list[float]]] = {
    "naive": naive,
    "seasonal_naive": seasonal_naive,
    "linear_trend": linear_trend,
}


def rmse(actual: list[float], predicted: list[float]) -> float:
    return math.sqrt(sum((a - p) ** 2 for a, p in zip(actual, predicted)) / len(actual))
