"""Does method A beat method B beyond these photos? Paired bootstrap intervals from a
benchmark's results.json (inpaintkit.evaluation.significance).

    python benchmarks/paired_bootstrap.py results/freeform-512/results.json pyramid ns \
        [--metrics ssim,psnr,l1] [--confidence 0.95] [--resamples 10000] [--seed 0]

One row per protocol group and metric: the mean of A − B over the photos, its bootstrap
interval, on how many photos A is better, and whether the interval excludes zero.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="results.json written by `inpaintkit benchmark`")
    parser.add_argument("a", help="method name as in the results (e.g. pyramid)")
    parser.add_argument("b", help="the method to compare against (e.g. ns)")
    parser.add_argument("--metrics", default="ssim,psnr,l1")
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from inpaintkit.evaluation.significance import compare

    try:
        results = json.loads(args.results.read_text())
        rows = compare(results, args.a, args.b, args.metrics.split(","), args.confidence,
                       args.resamples, args.seed)
    except (OSError, ValueError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    percent = round(100 * args.confidence)
    print(f"| protocol | group | metric | mean {args.a} − {args.b} | {percent} % interval "
          f"| {args.a} better on | separated |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row.protocol} | {row.group} | {row.metric} | {row.mean_difference:+.5f} "
              f"| [{row.low:+.5f}, {row.high:+.5f}] | {row.a_better}/{row.count} "
              f"| {'yes' if row.separated else 'no'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
