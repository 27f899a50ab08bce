"""Tune the patch synthesis on *training* photos: one settings variant against the
network alone and PatchMatch, on the same free-form holes (the validation photos stay for
the benchmark).

    python benchmarks/synthesis_settings.py [--count 6] [--set guide_weight=0.5 --set texture_weight=3]
        [--methods net,detail,plain,pm] [--sheet sheet.png]

``net`` is the shipped pyramid alone at 256 px, ``detail`` the synthesis guided by it (what
``inpaintkit inpaint`` does), ``plain`` the synthesis guided by Telea's fill, ``pm``
PatchMatch. Prints PSNR, SSIM, L1, edge F1 and gradient ratio in the hole and the time per
image; ``--sheet`` writes the holes' bounding boxes side by side (masked input, each method,
truth) to look at. Photos: every n-th training photo of configs/split.yaml; holes of
20–30 % at 512² from mask seed 5.
"""
from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def parse_settings(pairs):
    from inpaintkit.synthesis import SynthesisSettings

    fields = {field.name: field.type for field in dataclasses.fields(SynthesisSettings)}
    values = {}
    for pair in pairs:
        name, _, text = pair.partition("=")
        if name not in fields:
            raise SystemExit(f"unknown setting {name!r}; choose from {', '.join(fields)}")
        values[name] = int(text) if fields[name] in (int, "int") else float(text)
    return SynthesisSettings(**values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", default=str(ROOT.parent / "shared/data/photos"))
    parser.add_argument("--count", type=int, default=6)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--methods", default="net,detail,pm")
    parser.add_argument("--sheet")
    args = parser.parse_args()

    import patchmatch

    from inpaintkit.evaluation.metrics import image_scores
    from inpaintkit.evaluation.protocols import list_photos, prepare_photo
    from inpaintkit.inference import GUIDE_SIDE, load_model
    from inpaintkit.masks import evaluation_mask_set
    from inpaintkit.synthesis import complete

    settings = parse_settings(args.set)
    photos = list_photos(Path(args.photos), ROOT / "configs/split.yaml", "train")
    photos = photos[::max(1, len(photos) // args.count)][:args.count]
    masks = evaluation_mask_set(len(photos), 512, 512, 0.2, 0.3, 5)
    network = load_model("pyramid", max_side=GUIDE_SIDE, detail="none")
    methods = args.methods.split(",")
    scores = {method: [] for method in methods}
    rows = []
    for photo, mask in zip(photos, masks):
        image, hole = prepare_photo(photo, 512), mask.astype(bool)
        start = time.perf_counter()
        guide = network(image, hole)
        network_seconds = time.perf_counter() - start
        fills = {}
        for method in methods:
            start = time.perf_counter()
            if method == "net":
                fill = guide
            elif method == "detail":
                fill = complete(image, hole, guide, settings=settings)
            elif method == "plain":
                fill = complete(image, hole, None, settings=settings)
            elif method == "pm":
                patchmatch.set_random_seed(0)
                fill = patchmatch.inpaint(image, hole.astype(np.uint8), patch_size=3)
            else:
                raise SystemExit(f"unknown method {method!r}")
            seconds = time.perf_counter() - start + (network_seconds if method in ("net", "detail") else 0)
            scores[method].append({**image_scores(fill, image, mask), "seconds": seconds})
            fills[method] = fill
        if args.sheet:
            ys, xs = np.nonzero(hole)
            box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
            views = [np.where(hole[..., None], 255, image)] + [fills[m] for m in methods] + [image]
            rows.append(np.hstack([cv2.resize(view[box], (256, 256)) for view in views]))
    for method in methods:
        mean = {key: float(np.nanmean([s[key] for s in scores[method]])) for key in scores[method][0]}
        print(f"{method:7s} PSNR {mean['psnr']:.2f}  SSIM {mean['ssim']:.4f}  L1 {mean['l1']:.4f}  "
              f"edge F1 {mean['edge_f1_hole']:.3f}  gradient ratio {mean['gradient_ratio_hole']:.2f}  "
              f"{mean['seconds']:.2f} s")
    if args.sheet:
        cv2.imwrite(args.sheet, cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))
        print(f"wrote {args.sheet}: masked input, {', '.join(methods)}, truth")


if __name__ == "__main__":
    main()
