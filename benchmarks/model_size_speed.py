"""Parameter counts and CPU forward time of the inpainting generators.

    python benchmarks/model_size_speed.py                 # gated, pyramid, aff at width 48 and 24
    python benchmarks/model_size_speed.py --models pyramid-pgs256 --widths 8 --size 256

Random weights, batch 1, ``torch.set_num_threads(--threads)`` (2), a 512×512 input with a
centred square hole of a quarter of the area, one warm-up run, then the median of
``--repeats`` (3) timed runs under ``torch.inference_mode``. ``forward s`` is wall time;
``cpu s`` is the process's CPU time for the same run (all threads), which a machine shared
with other work inflates far less than wall time. The Pyramid Generator is timed
as at inference, i.e. *including* the RTV structure image it computes from the masked
¼-scale input (``structure=None``); the ``structure`` column times that step alone.
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from inpaintkit.models import create_model


def inputs(size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A reproducible random image in [-1, 1] and a centred square hole (25 % area)."""
    generator = torch.Generator().manual_seed(0)
    image = torch.rand(1, 3, size, size, generator=generator) * 2 - 1
    mask = torch.zeros(1, 1, size, size)
    mask[..., size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = 1.0
    return image, mask


def median_seconds(function, repeats: int, clock=time.perf_counter) -> float:
    """Median ``clock`` time of ``repeats`` calls after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = clock()
        function()
        times.append(clock() - start)
    return statistics.median(times)


def structure_seconds(model, image, mask, repeats: int) -> float:
    """Time of the RTV step alone (0 for models that need no structure image)."""
    if model.structure_scale is None:
        return 0.0
    from inpaintkit.structure import structure_image

    images, masks = model.pyramid_inputs(image, mask)
    return median_seconds(lambda: structure_image(images[0], masks[0]), repeats)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["gated", "pyramid", "aff"])
    parser.add_argument("--widths", nargs="+", type=int, default=[48, 24])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    image, mask = inputs(args.size)
    print(f"{args.size}×{args.size}, batch 1, {args.threads} threads, median of {args.repeats} after a warm-up")
    print(f"{'model':<12} {'width':>5} {'params':>10} {'forward s':>10} {'cpu s':>8} {'structure s':>12}")
    for name in args.models:
        for width in args.widths:
            model = create_model(name, width=width).eval()
            params = sum(p.numel() for p in model.parameters())
            with torch.inference_mode():
                forward = median_seconds(lambda: model(image, mask), args.repeats)
                cpu = median_seconds(lambda: model(image, mask), args.repeats, clock=time.process_time)
                rtv = structure_seconds(model, image, mask, args.repeats)
            print(f"{name:<12} {width:>5} {params / 1e6:>9.2f}M {forward:>10.2f} {cpu:>8.2f} {rtv:>12.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
