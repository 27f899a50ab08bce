"""inpaintkit: deep image inpainting and one-click object removal.

Public API (imported lazily so that ``import inpaintkit`` is cheap):

- ``load_model(name_or_path)`` → an :class:`~inpaintkit.inference.Inpainter`; call it with
  ``(image, mask)`` — uint8 RGB arrays, PIL images or file paths — to get the inpainted image.
- ``inpaint(image, mask, model="pyramid")`` — one-shot convenience; a mask over 90 % of the
  photo only with ``allow_large_hole=True``.
- ``remove(image, click=(x, y))`` — one-click object removal (§5.3).
"""
from __future__ import annotations

import os

__version__ = "0.1.0"

# OpenMP's idle worker threads (PyTorch's, and numba's parallel kernels') spin while they
# wait for the next parallel region: GNU OpenMP's default is 300 000 turns. With another
# process on one of the cores the spinning threads take the turns of the working ones, and
# a warm removal at 1024×768 took 2.7–24 s instead of 1.9; told to sleep at once
# (OMP_WAIT_POLICY=PASSIVE) they cost 0.1–0.2 s of its 1.3 on an idle machine, where the
# next region starts while they still spin. A thousand turns keeps both: 1.26–1.29 s idle,
# 2.0 s beside a busy process (docs/experiments/2026-12-07-removal-speed.md). Read when
# OpenMP starts, so it is set before anything imports torch or runs a kernel; a wait
# policy or spin count the user set wins, and other OpenMP runtimes ignore it.
if "OMP_WAIT_POLICY" not in os.environ:
    os.environ.setdefault("GOMP_SPINCOUNT", "1000")

# One thread count for every pool. numba's parallel kernels run on its OpenMP layer, which
# shares the OpenMP runtime with PyTorch and, when it starts, sets that runtime's thread
# count to numba's own (every core unless NUMBA_NUM_THREADS says otherwise). Under
# OMP_NUM_THREADS=1 the network then ran on one thread before the first synthesis and on
# two after it, and its fills differed by a grey level in a few pixels: a result that
# depended on what the process had run before. numba reads this when it is first imported.
_openmp_threads = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
if _openmp_threads.isdigit() and int(_openmp_threads) > 0:
    os.environ.setdefault("NUMBA_NUM_THREADS", _openmp_threads)

_LAZY = {
    "load_model": ("inpaintkit.inference", "load_model"),
    "inpaint": ("inpaintkit.inference", "inpaint"),
    "Inpainter": ("inpaintkit.inference", "Inpainter"),
    "remove": ("inpaintkit.removal.pipeline", "remove"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module_name, attribute = _LAZY[name]
        return getattr(importlib.import_module(module_name), attribute)
    raise AttributeError(f"module 'inpaintkit' has no attribute {name!r}")
