"""A blind side-by-side test of object removals on the hand-labelled objects of
``benchmarks/data/objects.json`` (issue #21's removal bar: the default against PatchMatch).

For each object: its photo at ``--max-side`` px at most, and the hole ``remove`` would
fill if its selection were the object's reference polygon (the adaptive margin and the
rim check of :func:`inpaintkit.removal.hole.hole_for`, as ``remove`` grows a selection).
Every method fills the same hole; the fills go to ``OUT/fills/METHOD/``, the photos and
holes to ``OUT/photos/`` and ``OUT/masks/``. The first method is paired with each other
one: the pairs judges see go to ``OUT/pairs/`` (``OUT/pairs-METHOD/`` with three methods
or more), each key beside its folder (``OUT/pairs.key.json``), never inside. Give judges
only the pairs folder (docs/preference.md), then score their answers with
``inpaintkit preference score OUT/pairs.key.json answers…``.

Methods: ``removal`` (what ``remove`` does by default: the shipped pyramid, then the
patch synthesis with the removal settings, each ``--set NAME=VALUE`` changing one of
them; filled without the map of other people that ``remove`` passes by default, so
beside other people ``remove``'s own fill may differ: it never copies them),
``removal-network`` (the same network alone, ``--detail none``), or any spec of
``inpaintkit benchmark --methods`` (``patchmatch``, ``telea``, ``detail:pyramid``…).
Objects covering more than ``--max-share`` of their photo are left out: removing most of
a photo is a different task (the apple and the orange, 60–65 %).

    python benchmarks/removal_pairs.py --out judging/removals --methods removal,patchmatch
    python benchmarks/removal_pairs.py --out judging/one-start --methods removal,patchmatch --set layout_starts=1
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from functools import partial
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np

# The package's source and this folder's sibling scripts.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from inpaintkit.errors import UserError  # noqa: E402
from inpaintkit.image_io import read_image, save_image  # noqa: E402
from interactive_segmentation import OBJECTS, PHOTOS, reference_mask  # noqa: E402
from synthesis_settings import parse_settings  # noqa: E402

REMOVAL_METHODS = ("removal", "removal-network")


def removal_case(photo: np.ndarray, entry: dict, max_side: int) -> tuple[np.ndarray, np.ndarray]:
    """The photo at ``max_side`` px at most and the hole ``remove`` grows around the
    object's reference polygon there."""
    from inpaintkit.removal.hole import hole_for
    from inpaintkit.removal.pipeline import SEGMENT_SIDE

    height, width = photo.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    if scale < 1.0:
        photo = cv2.resize(photo, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    selection = reference_mask(entry, photo.shape[:2], scale)
    # remove() grows a selection by at least its segmentation's resolution step.
    step = int(np.ceil(max(photo.shape[:2]) / SEGMENT_SIDE))
    return photo, hole_for(photo, selection, min_margin=max(1, step)).mask


def fill_method(spec: str, changes: Sequence[str] = ()) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """``(photo, hole) -> filled photo`` for a method spec (module docstring); ``changes``
    (``NAME=VALUE``) change the removal's synthesis settings of ``removal``."""
    if spec in REMOVAL_METHODS:
        from inpaintkit.inference import cached_model
        from inpaintkit.removal.pipeline import removal_inpainter, removal_synthesis_settings

        if spec == "removal-network":
            return cached_model("pyramid", "none")
        model = cached_model("pyramid", "synthesis")
        if changes:
            return partial(model, synthesis=parse_settings(changes, removal_synthesis_settings()))
        return removal_inpainter(model)
    from inpaintkit.evaluation.methods import create_method

    method = create_method(spec)
    return lambda photo, hole: method(photo, hole.astype(np.uint8))


def chosen_objects(objects: list[dict], only: list[str], max_share: float) -> list[dict]:
    """The objects named in ``only`` (all when empty) whose polygons cover at most
    ``max_share`` of their photo. Unknown names are an error."""
    unknown = sorted(set(only) - {o["id"] for o in objects})
    if unknown:
        raise UserError(f"no labelled object is called {', '.join(unknown)}.")
    picked = [o for o in objects if not only or o["id"] in only]
    return [o for o in picked if _share(o) <= max_share]


def _share(entry: dict) -> float:
    """The share of its photo the object's polygons cover, from the photo's header size."""
    from PIL import Image

    with Image.open(PHOTOS / entry["photo"]) as image:
        width, height = image.size
    return float(reference_mask(entry, (height, width)).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="a new folder for photos, holes, fills and pairs")
    parser.add_argument("--methods", default="removal,patchmatch", help="two or more method specs, comma-separated")
    parser.add_argument("--max-side", type=int, default=1024, help="photos are scaled to at most this many px")
    parser.add_argument("--max-share", type=float, default=0.5, help="leave out objects over this share of the photo")
    parser.add_argument("--only", nargs="*", default=[], metavar="ID", help="object ids (default: all)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="change a synthesis setting of the removal method (e.g. layout_starts=1)")
    args = parser.parse_args()
    from inpaintkit.evaluation.preference import read_result_pairs, write_pairs

    specs = [s.strip() for s in args.methods.split(",") if s.strip()]
    if len(specs) < 2 or len(set(specs)) != len(specs):
        raise SystemExit("give at least two different methods, e.g. --methods removal,patchmatch")
    if not PHOTOS.is_dir():
        raise SystemExit(f"the labelled objects' photos are not at {PHOTOS}; this benchmark needs ../shared/data/photos.")
    if args.out.exists():
        raise SystemExit(f"{args.out} exists; give a new folder, so that no earlier key is overwritten.")
    objects = chosen_objects(json.loads(OBJECTS.read_text())["objects"], args.only, args.max_share)
    methods = {spec: fill_method(spec, args.set) for spec in specs}
    folders = {name: args.out / name for name in ("photos", "masks")}
    folders.update({spec: args.out / "fills" / spec.replace(":", "-") for spec in specs})
    for folder in folders.values():
        folder.mkdir(parents=True)
    seconds = {spec: 0.0 for spec in specs}
    for entry in objects:
        photo, hole = removal_case(read_image(PHOTOS / entry["photo"]), entry, args.max_side)
        save_image(photo, folders["photos"] / f"{entry['id']}.png")
        save_image(hole.astype(np.uint8) * 255, folders["masks"] / f"{entry['id']}.png")
        for spec, method in methods.items():
            start = time.perf_counter()
            filled = method(photo, hole)
            seconds[spec] += time.perf_counter() - start
            save_image(filled, folders[spec] / f"{entry['id']}.png")
        print(f"{entry['id']}: {photo.shape[1]}×{photo.shape[0]}, hole {hole.mean():.1%}", flush=True)
    first = specs[0]
    for second in specs[1:]:  # the first method against each other one
        pairs = args.out / ("pairs" if len(specs) == 2 else f"pairs-{second}".replace(":", "-"))
        cases, notes = read_result_pairs(folders[first], folders[second], folders["masks"], folders["photos"],
                                         (first, second))
        written = write_pairs(cases, [(first, second)], pairs)
        print(*notes, f"{written.count} pairs in {written.pairs_dir}, key {written.key_path}", sep="\n")
    for spec, total in seconds.items():
        print(f"{spec}: {total / max(1, len(objects)):.2f} s per object")


if __name__ == "__main__":
    try:
        main()
    except UserError as error:  # a wrong method or object name: one sentence, no traceback
        raise SystemExit(str(error)) from None
