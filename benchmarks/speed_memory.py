"""Speed and memory of inpainting methods by image size: the README's figures.

For each method and each size (512, 1024, 2048 by default) it fills one photo (the
first validation photo, centre-cropped and resized) with a free-form mask of 20–30 %
hole ratio (seed 0; the masks of ``inpaintkit benchmark --protocol freeform``). Each
(method, size) runs in a *fresh Python process*, so memory left behind by another
method cannot hide its needs:

- time: the median wall time of ``--repeats`` calls after one untimed warm-up;
- peak RSS: the largest rise of the resident set size during any call (the warm-up
  included) above its level just before that call, sampled every 10 ms
  (``inpaintkit.evaluation.resources``), and at least the rise of ``ru_maxrss`` over the
  whole run. In a fresh process the warm-up is where the method's memory is first
  touched, so this is what it needs on top of the loaded method and image.

    OMP_NUM_THREADS=2 python benchmarks/speed_memory.py --photos ../shared/data/photos \\
        --methods telea,ns,patchmatch,untrained:pyramid --sizes 512,1024,2048 --repeats 3

Say how many cores the machine has (and how busy it was) when you publish numbers.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
from pathlib import Path

HOLE_BUCKET = (0.20, 0.30)
ROOT = Path(__file__).resolve().parents[1]


def max_rss_mib() -> float:
    """This process's peak resident set size so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 1024)


def measure_one(method_spec: str, size: int, photo: Path, repeats: int, device) -> dict:
    """Time one method at one size in this process (meant to be a fresh one)."""
    from inpaintkit.evaluation.methods import create_method
    from inpaintkit.evaluation.protocols import prepare_photo
    from inpaintkit.evaluation.resources import measure
    from inpaintkit.masks import evaluation_mask_set

    method = create_method(method_spec, device)
    image = prepare_photo(photo, size)
    mask = evaluation_mask_set(1, size, size, *HOLE_BUCKET, seed=0)[0]
    measure(lambda: None)  # imports what measuring needs (torch) before the baseline
    before = max_rss_mib()
    _, warm = measure(lambda: method(image, mask))  # warm-up: lazy allocation, kernel choice
    timed = [measure(lambda: method(image, mask))[1] for _ in range(repeats)]
    sampled = max(m.peak_rss_bytes for m in [warm, *timed]) / 2**20
    seconds = [m.seconds for m in timed]
    return {"method": method.name, "size": size, "median_seconds": statistics.median(seconds),
            "seconds": seconds, "peak_rss_mib": max(sampled, max_rss_mib() - before)}


def run_isolated(spec: str, size: int, args) -> dict:
    """:func:`measure_one` in a child process; returns its JSON line."""
    command = [sys.executable, __file__, "--one", spec, str(size), "--photo", str(args.photo),
               "--repeats", str(args.repeats)] + (["--device", args.device] if args.device else [])
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return {"method": spec, "size": size, "error": done.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def markdown(rows: list[dict], sizes: list[int]) -> str:
    """methods × sizes table of 'median time / peak RSS'."""
    lines = ["| method | " + " | ".join(f"{s}² time / peak RSS" for s in sizes) + " |",
             "|---|" + "---|" * len(sizes)]
    for name in dict.fromkeys(r["method"] for r in rows):
        cells = []
        for size in sizes:
            row = next(r for r in rows if r["method"] == name and r["size"] == size)
            cells.append("failed" if "error" in row else
                         f"{1000 * row['median_seconds']:.0f} ms / {row['peak_rss_mib']:.0f} MiB")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=ROOT.parent / "shared" / "data" / "photos")
    parser.add_argument("--split", type=Path, default=ROOT / "configs" / "split.yaml",
                        help="the photo is the first validation photo of this split")
    parser.add_argument("--photo", type=Path, help="use this photo instead")
    parser.add_argument("--methods", default="telea,ns,patchmatch,untrained:pyramid")
    parser.add_argument("--sizes", default="512,1024,2048")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", help="cpu or cuda for model methods")
    parser.add_argument("--out", type=Path, help="also write the numbers as JSON here")
    parser.add_argument("--one", nargs=2, metavar=("METHOD", "SIZE"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse(argv)
    if args.one:
        print(json.dumps(measure_one(args.one[0], int(args.one[1]), args.photo, args.repeats, args.device)))
        return 0
    from inpaintkit.evaluation.protocols import list_photos

    if args.photo is None:
        args.photo = list_photos(args.photos, args.split if args.split.is_file() else None)[0]
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for size in sizes:
        for spec in args.methods.split(","):
            rows.append(run_isolated(spec, size, args))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(markdown(rows, sizes))
    if args.out:
        machine = {"machine": platform.machine(), "cores": os.cpu_count(),
                   "omp_threads": os.environ.get("OMP_NUM_THREADS"), "photo": args.photo.name,
                   "repeats": args.repeats}
        args.out.write_text(json.dumps({"machine": machine, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
