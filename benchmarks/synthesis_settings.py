"""Tune the patch synthesis on *training* photos: one settings variant against the
network alone and PatchMatch, on the same free-form holes (the validation photos stay for
the benchmark).

    python benchmarks/synthesis_settings.py [--count 6] [--set guide_weight=0.5 --set texture_weight=3]
        [--methods net,detail,plain,pm] [--buckets 20-30 | all] [--seeds 0,1,2] [--sheet sheet.png]

``net`` is the shipped pyramid alone at 256 px, ``detail`` the synthesis guided by it (what
``inpaintkit inpaint`` does), ``plain`` the synthesis guided by Telea's fill, ``pm``
PatchMatch. Prints, per hole-ratio bucket, PSNR, SSIM and L1 of the whole image, edge F1
and gradient ratio in the hole, and the time per image; ``--sheet`` writes the holes' bounding boxes side by side
(masked input, each method, truth) to look at. Photos: every n-th training photo of
configs/split.yaml; holes at 512² from mask seed 5, in the benchmark's free-form buckets
(``--buckets all``: 10–20, 20–30 and 30–40 %).

``--seeds``: the synthesis is run at each seed and its figures are the mean over them, with
the lowest and highest seed's edge F1 beside it. A bucket's edge F1 moves between seeds
by 0.01–0.06, the size of most differences between settings
(docs/experiments/2026-12-07-edge-f1-settings-sweep.md), so compare settings over three.
"""
from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("net", "detail", "plain", "pm")


def parse_settings(pairs, base=None):
    """``base`` (default: the defaults) changed by ``NAME=VALUE`` pairs."""
    from inpaintkit.synthesis import SynthesisSettings

    fields = {field.name: field.type for field in dataclasses.fields(SynthesisSettings)}
    values = {}
    for pair in pairs:
        name, _, text = pair.partition("=")
        if name not in fields:
            raise SystemExit(f"unknown setting {name!r}; choose from {', '.join(fields)}")
        values[name] = int(text) if fields[name] in (int, "int") else float(text)
    return dataclasses.replace(base or SynthesisSettings(), **values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", default=str(ROOT.parent / "shared/data/photos"))
    parser.add_argument("--count", type=int, default=6)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--methods", default="net,detail,pm")
    parser.add_argument("--buckets", default="20-30", help="hole ratios in percent, LOW-HIGH[,…], or all")
    parser.add_argument("--seeds", default="0", help="the synthesis' seeds, comma-separated")
    parser.add_argument("--sheet")
    args = parser.parse_args()

    from inpaintkit.evaluation.protocols import list_photos
    from inpaintkit.inference import GUIDE_SIDE, load_model
    from inpaintkit.masks import evaluation_mask_set

    settings = parse_settings(args.set)
    buckets = parse_buckets(args.buckets)
    try:
        seeds = [int(seed) for seed in args.seeds.split(",")]
    except ValueError:
        raise SystemExit(f"--seeds takes whole numbers separated by commas, e.g. 0,1,2; not {args.seeds!r}") from None
    methods = args.methods.split(",")
    for method in methods:
        if method not in METHODS:
            raise SystemExit(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    photos = list_photos(Path(args.photos), ROOT / "configs/split.yaml", "train")
    photos = photos[::max(1, len(photos) // args.count)][:args.count]
    network = load_model("pyramid", max_side=GUIDE_SIDE, detail="none")
    rows = []
    for low, high in buckets:
        masks = evaluation_mask_set(len(photos), 512, 512, low, high, 5)
        scores, sheet = _score_bucket(photos, masks, network, methods, settings, seeds, args.sheet is not None)
        rows += sheet
        print(f"holes {low:.0%}–{high:.0%}, {len(photos)} training photos, seeds {args.seeds}")
        for method in methods:
            print(_summary(method, [scores[(method, seed)] for seed in seeds]))
    if args.sheet:
        cv2.imwrite(args.sheet, cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))
        print(f"wrote {args.sheet}: masked input, {', '.join(methods)}, truth (the first seed's fills)")


def _score_bucket(photos, masks, network, methods, settings, seeds, with_sheet):
    """Each method's scores per seed on one bucket's holes, and the sheet's rows."""
    from inpaintkit.evaluation.metrics import image_scores
    from inpaintkit.evaluation.protocols import prepare_photo

    scores = {(method, seed): [] for method in methods for seed in seeds}
    rows = []
    for photo, mask in zip(photos, masks):
        image, hole = prepare_photo(photo, 512), mask.astype(bool)
        start = time.perf_counter()
        guide = network(image, hole)
        network_seconds = time.perf_counter() - start
        fills = {}
        for method in methods:
            # Only the synthesis has a seed: the other methods are run once and their
            # scores stand for every seed.
            seeded = method in ("detail", "plain")
            for seed in seeds if seeded else seeds[:1]:
                start = time.perf_counter()
                fill = _fill(method, image, hole, guide, settings, seed)
                seconds = time.perf_counter() - start + (network_seconds if method in ("net", "detail") else 0)
                score = {**image_scores(fill, image, mask), "seconds": seconds}
                for counted in [seed] if seeded else seeds:
                    scores[(method, counted)].append(score)
                fills.setdefault(method, fill)
        if with_sheet:
            ys, xs = np.nonzero(hole)
            box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
            views = [np.where(hole[..., None], 255, image)] + [fills[m] for m in methods] + [image]
            rows.append(np.hstack([cv2.resize(view[box], (256, 256)) for view in views]))
    return scores, rows


def parse_buckets(text: str) -> list[tuple[float, float]]:
    """``all`` or comma-separated ``LOW-HIGH`` percentages, e.g. ``20-30``."""
    from inpaintkit.evaluation.protocols import FREEFORM_BUCKETS

    if text == "all":
        return list(FREEFORM_BUCKETS)
    buckets = []
    for item in text.split(","):
        low, _, high = item.partition("-")
        try:
            low_percent, high_percent = float(low), float(high)
        except ValueError:
            low_percent = high_percent = -1.0
        # In percent: 0.2-0.3 would ask for holes of a fraction of a percent, which the
        # mask generator cannot draw.
        if not 1 <= low_percent < high_percent <= 100:
            raise SystemExit(f"a bucket is LOW-HIGH in percent with 1 <= LOW < HIGH <= 100, e.g. 20-30, "
                             f"or all; not {item!r}")
        buckets.append((low_percent / 100, high_percent / 100))
    return buckets


def _fill(method, image, hole, guide, settings, seed):
    from inpaintkit.synthesis import complete

    if method == "net":
        return guide
    if method == "detail":
        return complete(image, hole, guide, seed=seed, settings=settings)
    if method == "plain":
        return complete(image, hole, None, seed=seed, settings=settings)
    import patchmatch

    patchmatch.set_random_seed(0)
    return patchmatch.inpaint(image, hole.astype(np.uint8), patch_size=3)


def _summary(method: str, per_seed: list[list[dict]]) -> str:
    """One line: the mean over seeds of each seed's mean scores; edge F1's lowest and
    highest seed mean beside it."""
    means = [{key: float(np.nanmean([s[key] for s in scores])) for key in scores[0]} for scores in per_seed]
    mean = {key: float(np.mean([m[key] for m in means])) for key in means[0]}
    f1 = [m["edge_f1_hole"] for m in means]
    return (f"  {method:7s} PSNR {mean['psnr']:.2f}  SSIM {mean['ssim']:.4f}  L1 {mean['l1']:.4f}  "
            f"edge F1 {mean['edge_f1_hole']:.3f} (seeds {min(f1):.3f}–{max(f1):.3f})  "
            f"gradient ratio {mean['gradient_ratio_hole']:.2f}  {mean['seconds']:.2f} s")


if __name__ == "__main__":
    main()
