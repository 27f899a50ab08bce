"""Inference time per image, SSD vs FSSD vs MPSSD (the comparison of the thesis' Fig. 5.5).

Full-width detectors with random weights (speed does not depend on the weights), batch 1,
the network forward only — NMS excluded, as in §5.2.3 — median of ``--runs`` timed runs
after ``--warmup`` untimed ones. The models take turns run by run, so that a shared
machine's changing load hits them alike. Also prints the post-processing time separately.

    python benchmarks/detect_speed.py --size 300 --threads 2 --runs 10
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from inpaintkit.detect import build
from inpaintkit.detect.nms import postprocess


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


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
    models = {name: build(name, args.classes, image_size=args.size).eval()
              for name in args.models}
    for _ in range(args.warmup):
        for model in models.values():
            model(image)
    times = {name: [] for name in models}
    for _ in range(args.runs):
        for name, model in models.items():
            times[name].append(timed(lambda: model(image)))
    results = {}
    for name, model in models.items():
        forward = statistics.median(times[name])
        outputs = model(image)
        post = statistics.median(timed(lambda: postprocess(*outputs, model.priors))
                                 for _ in range(3))
        params = sum(p.numel() for p in model.parameters()) / 1e6
        results[name] = {"forward_ms": forward * 1e3, "postprocess_ms": post * 1e3,
                         "parameters_m": params}
        print(f"{name}: {forward * 1e3:.0f} ms forward, {post * 1e3:.0f} ms NMS "
              f"({params:.1f} M parameters, {args.size}², batch 1, {args.threads} threads)",
              flush=True)
    return results


if __name__ == "__main__":
    main()
