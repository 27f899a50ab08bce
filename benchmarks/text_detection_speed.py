"""Text detection speed at 1024×768: the DB detector alone, and the whole text mask
(:func:`text_mask`: detection, per-line stroke clustering, and the second look on a quick
fill), at several detector input sizes.

    OMP_NUM_THREADS=1 python benchmarks/text_detection_speed.py --threads 2

The photo is scenetext01 (a street sign, people, a newspaper box) resized to 1024×768.
Prints the median of ``--repeats`` runs after one warm-up, and how many lines each size
finds (a smaller input is faster but loses small text).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from inpaintkit.removal.text import TextDetector, text_mask  # noqa: E402

PHOTO = Path(__file__).resolve().parents[2] / "shared" / "data" / "photos" / "opencv-doc__examples_text__scenetext01.jpg"


def median_seconds(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads (default 2)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sides", type=int, nargs="+", default=[640, 800, 1024, 1280])
    args = parser.parse_args()
    image = np.asarray(Image.open(PHOTO).convert("RGB").resize((1024, 768), Image.Resampling.LANCZOS))
    print(f"1024×768, {args.threads} threads, median of {args.repeats}; machine load {os.getloadavg()[0]:.1f}")
    print(f"{'max_side':>8s} {'lines':>5s} {'detect s':>9s} {'mask s':>7s}")
    for side in args.sides:
        detector = TextDetector(max_side=side, threads=args.threads)
        lines, _ = detector(image)
        detect = median_seconds(lambda: detector(image), args.repeats)
        whole = median_seconds(lambda: text_mask(image, detector), args.repeats)
        print(f"{side:8d} {len(lines):5d} {detect:9.3f} {whole:7.3f}")


if __name__ == "__main__":
    main()
