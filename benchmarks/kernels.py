"""The two inner loops that dominate the CPU cost of a harmonic base and of contextual
attention, each timed against the single PyTorch op it replaces, on the shipped pyramid's
own shapes at 512², interleaved, best of ``--repeats``:

- ``inpaintkit.fills._neighbour_sum`` (four shifted views, added) against a depthwise 3×3
  ``conv2d`` with the cross-shaped kernel: the whole harmonic fill of 512² validation
  images, one conjugate-gradient sweep calling it once;
- the paste of ``ContextualAttention`` (a matrix product and ``F.fold``) against
  ``conv_transpose2d`` with the 4096 background patches as kernels.

    OMP_NUM_THREADS=2 python benchmarks/kernels.py --photos ../shared/data/photos [--repeats 5]

Both pairs must agree (printed: the largest difference); the ratio says whether the
replacement still pays on this machine and torch version.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F

CROSS = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])


def depthwise_neighbour_sum(u: torch.Tensor) -> torch.Tensor:
    """The reference: replicate padding, then the cross-shaped kernel per channel."""
    kernel = CROSS.to(u).expand(u.shape[1], 1, 3, 3)
    return F.conv2d(F.pad(u, (1, 1, 1, 1), mode="replicate"), kernel, groups=u.shape[1])


def best_time(function, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def harmonic_fills(photos: Path, split: Path, repeats: int) -> None:
    from inpaintkit import fills
    from inpaintkit.evaluation.protocols import get_protocols, list_photos

    cases = list(get_protocols("freeform")[0].cases(list_photos(photos, split)[:4], 512, 0))
    inputs = []
    for case in cases[4:8]:  # the 20–30 % bucket
        image = torch.from_numpy(case.image).permute(2, 0, 1)[None].float() / 127.5 - 1
        mask = torch.from_numpy(case.mask)[None, None].float()
        inputs.append((image * (1 - mask), mask))
    shifted = fills._neighbour_sum
    times, outputs = {}, {}
    for name, neighbour_sum in (("depthwise conv2d", depthwise_neighbour_sum), ("shifted views", shifted)):
        fills._neighbour_sum = neighbour_sum
        outputs[name] = [fills.harmonic_fill(*pair) for pair in inputs]
        times[name] = best_time(lambda: [fills.harmonic_fill(*pair) for pair in inputs], repeats) / len(inputs)
    fills._neighbour_sum = shifted
    difference = max(float((a - b).abs().max()) for a, b in zip(*outputs.values()))
    _report("harmonic fill of a 512² image (20–30 % hole)", times, difference)


def attention_paste(repeats: int) -> None:
    from inpaintkit.layers.attention import ContextualAttention

    candidates, channels, side, rate = 4096, 64, 64, 2  # the top layer's features at 512² input
    generator = torch.Generator().manual_seed(0)
    weights = torch.softmax(3 * torch.randn(1, candidates, side, side, generator=generator), 1)
    raw = torch.randn(candidates, channels, 2 * rate, 2 * rate, generator=generator)
    layer = ContextualAttention(rate=rate)
    size = side * rate + rate

    def fold():
        pasted = torch.zeros(1, channels, size, size)
        layer._paste(weights, raw, pasted, 0)
        return pasted

    def transposed():
        return F.conv_transpose2d(weights, raw, stride=rate)

    times = {"conv_transpose2d": best_time(transposed, repeats), "matmul + fold": best_time(fold, repeats)}
    difference = float((fold() - transposed()).abs().max())
    _report(f"attention paste ({candidates} patches, {channels} channels, {side}×{side})", times, difference)


def _report(title: str, times: dict[str, float], difference: float) -> None:
    (old, old_time), (new, new_time) = times.items()
    print(f"{title}: {old} {1000 * old_time:.0f} ms, {new} {1000 * new_time:.0f} ms, "
          f"ratio {new_time / old_time:.2f}; largest difference {difference:.1e}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=Path("../shared/data/photos"))
    parser.add_argument("--split", type=Path, default=Path("configs/split.yaml"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    with torch.no_grad():
        harmonic_fills(args.photos, args.split, args.repeats)
        attention_paste(args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
