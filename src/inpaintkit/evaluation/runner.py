"""The benchmark runner: every method on every case of every protocol, scored and timed.

A method that raises on one image is recorded as failed *for that image* (its error in
the results) and the run goes on; one that returns the wrong shape or type counts as
failed too. Outputs are composited (known pixels from the truth) before scoring, so a
method is judged on its fill only, as in the thesis' tables.

Timing is the wall time of the method call alone (no file reading, cropping, mask
making or scoring); model methods get one untimed warm-up call first, so the first
image does not pay for lazy initialisation. Peak memory is the RSS peak above the
level before the call (see :mod:`inpaintkit.evaluation.resources`).
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from .methods import Method, ModelMethod
from .metrics import METRIC_NAMES, image_scores, mean_of_defined
from .protocols import Case, Protocol
from .resources import measure

MIB = 2**20


@dataclass
class CaseResult:
    """One method on one case. ``scores`` is None (and ``error`` set) when it failed."""

    protocol: str
    group: str
    x: float
    photo: str
    method: str
    hole_ratio: float
    scores: Optional[dict[str, float]] = None
    seconds: Optional[float] = None
    peak_rss_mib: Optional[float] = None
    peak_cuda_mib: Optional[float] = None
    error: Optional[str] = None

    @property
    def failed(self) -> bool:
        return self.error is not None


@dataclass
class Example:
    """One case kept for the contact sheet: ``outputs`` maps method → composited uint8
    image (None where the method failed)."""

    protocol: str
    group: str
    photo: str
    truth: np.ndarray
    mask: np.ndarray
    outputs: dict[str, Optional[np.ndarray]] = field(default_factory=dict)


@dataclass
class Summary:
    """Aggregate of one method on one group: metric means over the images that did not
    fail and where the metric is defined (not NaN), the median time per image, the
    largest peak memory, and the failure count."""

    protocol: str
    group: str
    x: float
    method: str
    count: int
    failed: int
    means: dict[str, float]
    median_seconds: Optional[float]
    peak_rss_mib: Optional[float]


@dataclass
class BenchmarkResult:
    settings: dict
    protocols: list[Protocol]
    methods: list[str]
    results: list[CaseResult] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)

    def summaries(self, protocol: str) -> list[Summary]:
        """One :class:`Summary` per (group, method) of ``protocol``, groups in protocol order."""
        rows = []
        groups = dict.fromkeys((r.group, r.x) for r in self.results if r.protocol == protocol)
        for group, x in groups:
            for method in self.methods:
                cases = [r for r in self.results if r.protocol == protocol and r.group == group and r.method == method]
                rows.append(summarize(protocol, group, x, method, cases))
        return rows


def summarize(protocol: str, group: str, x: float, method: str, cases: list[CaseResult]) -> Summary:
    done = [c for c in cases if not c.failed]
    means = {name: mean_of_defined(c.scores[name] for c in done) for name in METRIC_NAMES} if done else {}
    seconds = [c.seconds for c in done if c.seconds is not None]
    memory = [c.peak_rss_mib for c in done if c.peak_rss_mib is not None]
    return Summary(
        protocol, group, x, method, count=len(cases), failed=len(cases) - len(done), means=means,
        median_seconds=statistics.median(seconds) if seconds else None,
        peak_rss_mib=max(memory) if memory else None,
    )


def composite(output: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The method's pixels inside the hole, the truth's outside (uint8 ``H×W×3``)."""
    return np.where(mask[:, :, None] != 0, output, truth)


def run_case(method: Method, case: Case) -> tuple[CaseResult, Optional[np.ndarray]]:
    """Run, check, composite, time and score one method on one case; never raises
    for the method's own errors."""
    record = CaseResult(case.protocol, case.group, case.x, case.photo, method.name, case.hole_ratio)
    masked = case.image * (1 - case.mask[:, :, None])  # the hole never reaches a method
    try:
        output, used = measure(lambda: method(masked, case.mask.copy()))
        output = _checked(output, case.image.shape)
    except Exception as error:  # noqa: BLE001 - a failing method is a result, not a crash
        record.error = f"{type(error).__name__}: {error}"
        return record, None
    filled = composite(output, case.image, case.mask)
    record.scores = image_scores(filled, case.image, case.mask)
    record.seconds = used.seconds
    record.peak_rss_mib = used.peak_rss_bytes / MIB
    record.peak_cuda_mib = None if used.peak_cuda_bytes is None else used.peak_cuda_bytes / MIB
    return record, filled


def _checked(output, shape: tuple[int, ...]) -> np.ndarray:
    array = np.asarray(output)
    if array.shape != tuple(shape) or array.dtype != np.uint8:
        raise TypeError(f"the method returned {array.dtype} {array.shape}, expected uint8 {tuple(shape)}")
    return array


def run_benchmark(
    protocols: Sequence[Protocol],
    photos: Sequence[Path],
    methods: Sequence[Method],
    *,
    size: int = 512,
    seed: int = 0,
    examples: int = 4,
    progress: bool = True,
    on_fill: Optional[Callable[[Case, str, Optional[np.ndarray]], None]] = None,
) -> BenchmarkResult:
    """Run ``methods`` on every case of ``protocols`` built from ``photos``.

    ``examples``: how many cases of each protocol (its first ones, in case order) keep
    their outputs for the contact sheet. ``progress`` shows a tqdm bar (one step per method × case).
    ``on_fill(case, method_name, filled)`` sees every composited output (None where the
    method failed) as it is made, e.g. to keep fills for a blind preference test.
    """
    from tqdm.auto import tqdm

    settings = {"size": size, "seed": seed, "photos": [Path(p).name for p in photos]}
    result = BenchmarkResult(settings, list(protocols), [m.name for m in methods])
    total = sum(p.count(photos) for p in protocols) * len(methods)
    warmed: set[str] = set()
    with tqdm(total=total, desc="benchmark", unit="run", disable=not progress) as bar:
        for protocol in protocols:
            for index, case in enumerate(protocol.cases(photos, size, seed)):
                keep = index < examples
                example = Example(protocol.name, case.group, case.photo, case.image, case.mask) if keep else None
                for method in methods:
                    _warm_up(method, case, warmed)
                    bar.set_postfix_str(f"{protocol.name} {case.group} {method.name}", refresh=False)
                    record, filled = run_case(method, case)
                    result.results.append(record)
                    if on_fill is not None:
                        on_fill(case, method.name, filled)
                    if example is not None:
                        example.outputs[method.name] = filled
                    bar.update()
                if example is not None:
                    result.examples.append(example)
    return result


def _warm_up(method: Method, case: Case, warmed: set[str]) -> None:
    """One untimed call per model method (lazy allocation, kernel selection)."""
    if isinstance(method, ModelMethod) and method.name not in warmed:
        warmed.add(method.name)
        try:
            method(case.image * (1 - case.mask[:, :, None]), case.mask.copy())
        except Exception:  # noqa: BLE001 - the timed call will record the failure
            pass
