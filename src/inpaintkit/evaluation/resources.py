"""Wall time and peak memory of one call, for the "time per image" column and the
speed/memory benchmark.

Peak memory is the *peak resident set size above the level before the call*, sampled
by a background thread every ``interval`` seconds (psutil when it is installed,
otherwise ``/proc/self/statm`` on Linux). Why sampling and not ``resource.ru_maxrss``:
``ru_maxrss`` is the high-water mark of the whole process, so after one large method
every later, smaller call would read as 0 extra bytes. Sampling misses spikes shorter
than the interval (10 ms), and it counts only *newly* resident pages: memory that an
earlier call freed but the allocator kept (glibc arenas, PyTorch's CPU cache) is reused
without showing up, so in a long run the numbers are lower bounds (a few MiB for
OpenCV's methods means "fits in memory already held"); ``benchmarks/speed_memory.py``
measures each method in a fresh process instead. On macOS/Windows without psutil it
falls back to ``ru_maxrss`` deltas. On CUDA devices the peak of
``torch.cuda.max_memory_allocated`` is reported too.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional, TypeVar

T = TypeVar("T")
SAMPLE_INTERVAL = 0.01


def current_rss() -> int:
    """Resident set size of this process in bytes (0 when no source is available)."""
    try:
        import psutil

        return int(psutil.Process().memory_info().rss)
    except ImportError:
        pass
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return _max_rss()


def _max_rss() -> int:
    try:
        import resource
    except ImportError:  # Windows without psutil
        return 0
    import sys

    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * scale


@dataclass(frozen=True)
class Measurement:
    """``seconds``: wall time of the call; ``peak_rss_bytes``: peak RSS above the level
    before it; ``peak_cuda_bytes``: peak CUDA allocation during it, resident
    weights included (None without CUDA)."""

    seconds: float
    peak_rss_bytes: int
    peak_cuda_bytes: Optional[int] = None


class _PeakSampler(threading.Thread):
    def __init__(self, interval: float):
        super().__init__(daemon=True)
        self.interval = interval
        self.peak = current_rss()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self.peak = max(self.peak, current_rss())

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return max(self.peak, current_rss())


def measure(call: Callable[[], T], interval: float = SAMPLE_INTERVAL) -> tuple[T, Measurement]:
    """Run ``call()`` and return its result with its :class:`Measurement`.

    Exceptions propagate (after the sampler is stopped).
    """
    cuda = _cuda_reset()
    before = current_rss()
    sampler = _PeakSampler(interval)
    sampler.start()
    start = time.perf_counter()
    try:
        result = call()
        if cuda:
            import torch

            torch.cuda.synchronize()  # kernels are asynchronous: time them to completion
    finally:
        seconds = time.perf_counter() - start
        peak = sampler.stop()
    cuda_peak = _cuda_peak() if cuda else None
    return result, Measurement(seconds, max(0, peak - before), cuda_peak)


def _cuda_reset() -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return False
    if not torch.cuda.is_available():
        return False
    torch.cuda.reset_peak_memory_stats()
    return True


def _cuda_peak() -> int:
    import torch

    return int(torch.cuda.max_memory_allocated())
