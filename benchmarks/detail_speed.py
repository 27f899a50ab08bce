"""The default fill (network structure + patch-synthesis detail) against PatchMatch, timed
side by side in one run on the same inputs (issue #21's speed bars).

    python benchmarks/detail_speed.py [--photos ../shared/data/photos] [--count 4] [--threads 2]

Three measurements, each a ratio to PatchMatch (``pypatchmatch``, 7×7 patches) on the
same machine in the same process:

1. **512²**, free-form holes of 20–30 % (the benchmark's masks, first ``--count``
   validation photos): ``inpaintkit.inpaint`` with the model loaded (median of the
   warm runs) over PatchMatch on the same image and mask. Bar: ≤ 0.5.
2. **12 MP**: a validation photo resized to 4000×3000 with a 3 % hole (an ellipse of
   840×600-odd px): the default fill of the whole photo over PatchMatch on a 1600×1200
   crop around the hole; peak resident memory of the default fill above the level before
   it. Bars: ≤ 0.7 and < 2 GiB.
3. **Removal at 1024×768**, click to result, warm (``inpaintkit.remove`` on the camera
   photo; segmentation included). Bar: ≤ 1.5 s.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def _patchmatch(image, hole):
    import patchmatch

    patchmatch.set_random_seed(0)
    return patchmatch.inpaint(image, hole.astype(np.uint8), patch_size=3)


def at_512(photos, count):
    from inpaintkit.evaluation.protocols import list_photos, prepare_photo
    from inpaintkit.inference import cached_model
    from inpaintkit.masks import evaluation_mask_set

    paths = list_photos(Path(photos), ROOT / "configs/split.yaml", "validation")[:count]
    masks = evaluation_mask_set(len(paths), 512, 512, 0.2, 0.3, 200)  # freeform seed 2, bucket 1
    model = cached_model("pyramid")
    ratios, ours, theirs = [], [], []
    for path, mask in zip(paths, masks):
        image, hole = prepare_photo(path, 512), mask.astype(bool)
        model(image, hole)  # warm: numba's compiled kernels, torch's first call
        _, mine = _timed(model, image, hole)
        _, pm = _timed(_patchmatch, image, hole)
        ours.append(mine), theirs.append(pm), ratios.append(mine / pm)
    print(f"512², 20–30 % holes, {len(paths)} photos: default {statistics.median(ours):.2f} s, "
          f"PatchMatch {statistics.median(theirs):.2f} s, ratio (median of per-photo) "
          f"{statistics.median(ratios):.2f} (bar ≤ 0.5)")


def at_12mp(photos):
    from inpaintkit.evaluation.resources import measure
    from inpaintkit.image_io import read_image
    from inpaintkit.inference import cached_model

    image = cv2.resize(read_image(Path(photos) / "mate-backgrounds__GreenMeadow.jpg"), (4000, 3000),
                       interpolation=cv2.INTER_CUBIC)
    hole = np.zeros((3000, 4000), np.uint8)
    cv2.ellipse(hole, (2200, 1900), (430, 300), 0, 0, 360, 1, -1)
    hole = hole.astype(bool)
    print(f"12 MP photo, hole {hole.mean():.1%}")
    model = cached_model("pyramid")
    _, measured = measure(lambda: model(image, hole))
    ys, xs = np.nonzero(hole)
    top = max(0, (ys.min() + ys.max()) // 2 - 600)
    left = max(0, (xs.min() + xs.max()) // 2 - 800)
    crop, crop_hole = image[top:top + 1200, left:left + 1600], hole[top:top + 1200, left:left + 1600]
    _, pm = _timed(_patchmatch, crop, crop_hole)
    print(f"12 MP, 3 % hole: default {measured.seconds:.2f} s (peak {measured.peak_rss_bytes / 2**30:.2f} GiB above "
          f"the start), PatchMatch on a 1600×1200 crop {pm:.2f} s, ratio {measured.seconds / pm:.2f} "
          f"(bars ≤ 0.7 and < 2 GiB)")


def removal_1024():
    import inpaintkit
    from inpaintkit.image_io import read_image

    photo = cv2.resize(read_image(ROOT / "examples/camera.jpg"), (1024, 768), interpolation=cv2.INTER_CUBIC)
    click = (300, 400)
    inpaintkit.remove(photo, click=click, allow_large_hole=True)  # cold: MediaPipe, the model, numba
    times = [_timed(inpaintkit.remove, photo, click=click, allow_large_hole=True)[1] for _ in range(3)]
    print(f"removal at 1024×768, click to result, warm: median {statistics.median(times):.2f} s (bar ≤ 1.5 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", default=str(ROOT.parent / "shared/data/photos"))
    parser.add_argument("--count", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", choices=("512", "12mp", "removal"))
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import inpaintkit  # noqa: F401 (first: it sets OpenMP's spin count and numba's threads before torch starts OpenMP)
    import torch

    torch.set_num_threads(args.threads)
    if args.only in (None, "512"):
        at_512(args.photos, args.count)
    if args.only in (None, "12mp"):
        at_12mp(args.photos)
    if args.only in (None, "removal"):
        removal_1024()


if __name__ == "__main__":
    main()
