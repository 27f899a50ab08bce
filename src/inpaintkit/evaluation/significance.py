"""Is one method really better than another on these photos? A paired bootstrap.

A benchmark bucket averages a dozen photos, and two methods a few tenths of a percent apart
may swap places with the next dozen. Each photo is filled by both methods under the same
mask, so the honest test is on the per-photo *differences*: resample the photos with
replacement, take the mean difference each time, and read a confidence interval off those
means (``scipy.stats.bootstrap``, BCa). An interval that excludes zero says the sign of the
difference holds beyond these photos; one that straddles zero says they cannot separate
the two methods.

:func:`compare` reads a benchmark's ``results.json`` (see :mod:`.report`) and returns one
:class:`Comparison` per protocol, group and metric.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

import numpy as np

#: Metrics where a lower value is better; every other one not below is higher-is-better.
LOWER_IS_BETTER = frozenset({"l1", "l1_hole"})
#: Metrics where the value nearer 1 is better (the gradient ratio: below 1 is a smear,
#: above 1 invented detail).
NEARER_ONE_IS_BETTER = frozenset({"gradient_ratio_hole"})


@dataclass(frozen=True)
class Comparison:
    """Method ``a`` minus method ``b`` on one metric in one group, over ``count`` photos."""

    protocol: str
    group: str
    metric: str
    mean_difference: float
    low: float
    high: float
    a_better: int   # photos on which a is strictly better (by the metric's direction)
    count: int

    @property
    def separated(self) -> bool:
        """True when the interval excludes zero: the photos tell the methods apart."""
        return self.low > 0 or self.high < 0


def bootstrap_interval(differences: Sequence[float], confidence: float = 0.95,
                       resamples: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """The BCa bootstrap interval of the mean of paired ``differences``."""
    from scipy.stats import bootstrap

    values = np.asarray(differences, dtype=float)
    if values.size < 2:
        raise ValueError("a bootstrap needs at least two paired photos")
    if np.ptp(values) == 0:  # every resample has the same mean; BCa would divide by zero
        return float(values[0]), float(values[0])
    result = bootstrap((values,), np.mean, confidence_level=confidence, n_resamples=resamples,
                       method="BCa", random_state=np.random.default_rng(seed))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def compare(results: dict, a: str, b: str, metrics: Iterable[str] = ("ssim", "psnr", "l1"),
            confidence: float = 0.95, resamples: int = 10_000, seed: int = 0) -> list[Comparison]:
    """Paired comparisons of methods ``a`` and ``b`` in a benchmark's ``results.json``.

    Photos are paired within each protocol and group; a photo is left out of a metric when
    either method failed on it or scored a non-finite value there (the PSNR of a perfect
    fill is stored as ``null``).
    """
    scores = _scores_by_case(results["cases"])
    for method in (a, b):
        if not any(key[2] == method for key in scores):
            raise ValueError(f"no cases of method {method!r} in these results")
    comparisons = []
    for protocol, group in dict.fromkeys((p, g) for p, g, _, _ in scores):
        photos = sorted({photo for p, g, _, photo in scores if (p, g) == (protocol, group)})
        for metric in metrics:
            pairs = [_pair(scores, protocol, group, photo, a, b, metric) for photo in photos]
            pairs = [pair for pair in pairs if pair is not None]
            if len(pairs) >= 2:
                comparisons.append(_comparison(protocol, group, metric, pairs, confidence, resamples, seed))
    return comparisons


def _scores_by_case(cases: list[dict]) -> dict[tuple[str, str, str, str], dict]:
    return {(c["protocol"], c["group"], c["method"], c["photo"]): c["scores"]
            for c in cases if not c.get("error") and c.get("scores")}


def _pair(scores, protocol, group, photo, a, b, metric) -> Optional[tuple[float, float]]:
    first = scores.get((protocol, group, a, photo), {}).get(metric)
    second = scores.get((protocol, group, b, photo), {}).get(metric)
    if first is None or second is None or not (math.isfinite(first) and math.isfinite(second)):
        return None
    return float(first), float(second)


def _comparison(protocol, group, metric, pairs, confidence, resamples, seed) -> Comparison:
    first, second = np.array(pairs).T
    differences = first - second
    low, high = bootstrap_interval(differences, confidence, resamples, seed)
    if metric in NEARER_ONE_IS_BETTER:
        better = np.abs(first - 1) < np.abs(second - 1)
    else:
        better = differences < 0 if metric in LOWER_IS_BETTER else differences > 0
    return Comparison(protocol, group, metric, float(differences.mean()), low, high,
                      int(better.sum()), len(pairs))
