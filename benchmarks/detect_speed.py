"""Inference time per image, SSD vs FSSD vs MPSSD (the comparison of the thesis' Fig. 5.5).

Full-width detectors with random weights (speed does not depend on the weights), batch 1,
the network forward only — NMS excluded, as in §5.2.3 — median of ``--runs`` timed runs
after ``--warmup`` untimed ones. Also prints the post-processing time separately.

    python benchmarks/detect_speed.py --size 300 --threads 2 --runs 10
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from inpaintkit.detect import build
from inpaintkit.detect.nms import postprocess


def median_seconds(fn, runs: int, warmup: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@torch.no_grad()
def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["ssd300", "fssd300", "mpssd300"])
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--classes", type=int, default=21, help="with background (VOC: 21)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    image = torch.rand(1, 3, args.size, args.size) * 2 - 1
    results = {}
    for name in args.models:
        model = build(name, args.classes, image_size=args.size).eval()
        forward = median_seconds(lambda: model(image), args.runs, args.warmup)
        outputs = model(image)
        post = median_seconds(lambda: postprocess(*outputs, model.priors), args.runs, 1)
        params = sum(p.numel() for p in model.parameters()) / 1e6
        results[name] = {"forward_ms": forward * 1e3, "postprocess_ms": post * 1e3,
                         "parameters_m": params}
        print(f"{name}: {forward * 1e3:.0f} ms forward, {post * 1e3:.0f} ms NMS "
              f"({params:.1f} M parameters, {args.size}², batch 1, {args.threads} threads)",
              flush=True)
    return results


if __name__ == "__main__":
    main()
