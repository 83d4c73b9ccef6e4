"""LogHistogram: percentiles within the relative accuracy, in a fixed number of buckets."""

from __future__ import annotations

import math
import random

import pytest

from llmgine.sinks import LogHistogram

QUANTILES = (0.0, 0.5, 0.9, 0.99, 1.0)


def exact(values: list[float], q: float) -> float:
    """The nearest-rank quantile: the value with ceil(q * n) values at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered) - 1e-9) - 1, 0)]


def samples(kind: str, n: int) -> list[float]:
    rng = random.Random(kind)
    if kind == "lognormal":
        return [rng.lognormvariate(3, 1.5) for _ in range(n)]
    if kind == "uniform":
        return [rng.uniform(0.5, 2_000) for _ in range(n)]
    if kind == "bimodal":
        return [
            rng.gauss(5, 0.5) if rng.random() < 0.9 else rng.gauss(4_000, 300) for _ in range(n)
        ]
    return [rng.choice((1.0, 10.0, 100.0)) for _ in range(n)]


@pytest.mark.parametrize("kind", ["lognormal", "uniform", "bimodal", "three values"])
@pytest.mark.parametrize("n", [1, 3, 10, 1_000, 50_000])
def test_percentiles_are_within_the_relative_accuracy_of_the_exact_values(kind, n) -> None:
    values = [abs(v) for v in samples(kind, n)]
    histogram = LogHistogram(0.01)
    for value in values:
        histogram.add(value)
    for q in QUANTILES:
        estimate = histogram.quantile(q)
        assert estimate is not None
        truth = exact(values, q)
        assert abs(estimate - truth) <= 0.01 * truth + 1e-12, (q, estimate, truth)
    assert histogram.count == n
    assert histogram.max == max(values)
    assert histogram.min == min(values)
    assert histogram.total == pytest.approx(sum(values))


def test_a_coarser_accuracy_has_a_wider_but_still_kept_bound() -> None:
    values = samples("lognormal", 20_000)
    histogram = LogHistogram(0.05)
    for value in values:
        histogram.add(value)
    errors = [abs(histogram.quantile(q) - exact(values, q)) / exact(values, q) for q in QUANTILES]  # type: ignore[operator]
    assert max(errors) <= 0.05
    assert max(errors) > 0.001  # the buckets really are coarse: the bound is not vacuous


def test_the_number_of_buckets_is_bounded_whatever_the_values() -> None:
    histogram = LogHistogram(0.01)
    rng = random.Random(7)
    for _ in range(200_000):
        histogram.add(10 ** rng.uniform(-9, 12))  # far beyond both ends of the range
    assert histogram.bucket_count <= histogram.max_buckets < 1_400
    assert histogram.count == 200_000
    assert histogram.quantile(1.0) == histogram.max  # clamped to the exact extremes
    assert histogram.quantile(0.0) == histogram.min


def test_tiny_and_zero_values_share_the_bottom_bucket() -> None:
    histogram = LogHistogram(0.01, min_value=1e-3)
    for value in (0.0, 0.0, 1e-6, 5.0):
        histogram.add(value)
    assert histogram.quantile(0.5) == pytest.approx(1e-3)
    assert histogram.quantile(0.0) == 0.0
    assert histogram.quantile(1.0) == 5.0


def test_merging_equals_adding_everything_to_one() -> None:
    values = samples("lognormal", 5_000)
    one, left, right = LogHistogram(), LogHistogram(), LogHistogram()
    for i, value in enumerate(values):
        one.add(value)
        (left if i % 2 else right).add(value)
    left.merge(right)
    assert [left.quantile(q) for q in QUANTILES] == [one.quantile(q) for q in QUANTILES]
    assert (left.count, left.min, left.max) == (one.count, one.min, one.max)
    with pytest.raises(ValueError, match="same accuracy"):
        left.merge(LogHistogram(0.02))


def test_empty_nan_and_bad_arguments() -> None:
    histogram = LogHistogram()
    assert histogram.quantile(0.5) is None
    histogram.add(float("nan"))
    assert histogram.count == 0
    with pytest.raises(ValueError, match="between 0 and 1"):
        histogram.quantile(1.5)
    with pytest.raises(ValueError, match="relative_accuracy"):
        LogHistogram(0)
