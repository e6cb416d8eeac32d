"""Percentiles and the figures of a series of timings."""

import math


def percentile(values, p: float) -> float:
    """The p-th percentile (0–100) by linear interpolation between the closest ranks (what
    numpy.percentile and statistics.quantiles(method="inclusive") give)."""
    if not values:
        raise ValueError("no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} is not between 0 and 100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values) -> dict:
    """p50, p95 and max of timings in milliseconds, to 0.1 ms."""
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 1),
        "p95_ms": round(percentile(values, 95), 1),
        "max_ms": round(max(values), 1),
    }
