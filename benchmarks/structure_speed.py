"""How fast is the RTV structure image, and does it match a direct sparse solve?

    python benchmarks/structure_speed.py [--photos DIR] [--threads 2] [--repeats 5]

Prints milliseconds per image (batch 1) at each size for the matrix-free conjugate
gradient (``rtv_smooth``) and, at the smallest sizes, for SciPy's direct sparse solve
(``rtv_smooth_direct``), plus the largest difference between the two. Wall and CPU
time are both shown. Uses the first
photos of ``--photos`` (default ``../shared/data/photos``), area-resized to each size,
or a synthetic image when there are none. Timings depend on the machine's load: quote
them with the thread count and what else was running.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from inpaintkit.structure import rtv_smooth, rtv_smooth_direct

DEFAULT_PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "photos"


def load_images(photos: Path, size: int, count: int) -> list[torch.Tensor]:
    """``count`` images ``1×3×size×size`` in [0, 1]: photos (centre-cropped square, area
    resize) or, without photos, a synthetic pattern with edges and noise."""
    paths = sorted(photos.glob("*.jpg"))[:count] if photos.is_dir() else []
    images = []
    for path in paths:
        rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
        side = min(rgb.shape[:2])
        top, left = (rgb.shape[0] - side) // 2, (rgb.shape[1] - side) // 2
        rgb = cv2.resize(rgb[top : top + side, left : left + side], (size, size), interpolation=cv2.INTER_AREA)
        images.append(torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255.0)
    if not images:
        rng = np.random.default_rng(0)
        base = np.kron(rng.random((8, 8, 3)), np.ones((size // 8, size // 8, 1)))
        noisy = np.clip(base + 0.05 * rng.standard_normal(base.shape), 0, 1)
        images = [torch.from_numpy(noisy).permute(2, 0, 1)[None].float()] * count
    return images


def time_ms(function, images: list[torch.Tensor], repeats: int) -> tuple[float, float]:
    """Median wall-clock and CPU (process) milliseconds per call over ``repeats`` passes.

    On a shared machine the CPU time of a one-thread run is the better estimate of what
    the call costs on an idle one; wall time is what a data loader actually waits.
    """
    function(images[0])  # warm-up
    wall, cpu = [], []
    for _ in range(repeats):
        for image in images:
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            function(image)
            wall.append((time.perf_counter() - start_wall) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=DEFAULT_PHOTOS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256])
    parser.add_argument("--direct-sizes", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--count", type=int, default=3, help="photos per size")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), batch 1, tsmooth defaults")
    for size in args.sizes:
        images = load_images(args.photos, size, args.count)
        wall, cpu = time_ms(rtv_smooth, images, args.repeats)
        line = f"{size:4d}²  conjugate gradient {wall:8.1f} ms wall {cpu:8.1f} ms CPU"
        if size in args.direct_sizes:
            wall, cpu = time_ms(rtv_smooth_direct, images[:1], 1)
            difference = max(float((rtv_smooth(im) - rtv_smooth_direct(im)).abs().max()) for im in images)
            line += f" | direct sparse {wall:8.1f} ms wall {cpu:8.1f} ms CPU | max |CG − direct| {difference:.1e}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
