"""Compile the patch synthesis' numba kernels once, at set-up (scripts/setup.sh runs it).

numba compiles each kernel on its first use and caches it beside its source (cache=True).
Without this the first fill after set-up took 10-13 s on 2 cores and the next ones 1 s.
One tiny fill through ``inpaintkit.inpaint``, the path ``inpaintkit inpaint`` takes, compiles
every kernel: a removal's fill, with its guidance map, needs no other (checked by
tests/test_compile_synthesis_script.py). The shipped weights only: nothing is downloaded.
"""
import numpy as np

import inpaintkit

photo = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
hole = np.zeros((64, 64), bool)
hole[24:40, 24:40] = True
inpaintkit.inpaint(photo, hole)
