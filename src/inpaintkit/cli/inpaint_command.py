"""``inpaintkit inpaint IMAGE MASK -o OUT``: fill the mask's white pixels (the hole).

``inpaintkit inpaint PHOTOS/ MASKS/ -o RESULTS/`` fills a folder: each image with the mask
of the same name (or one mask file for all), results as ``RESULTS/<name>.png``. An image
that cannot be filled is reported and skipped; the exit status is then 1.

Every argument is checked before any work; the result never replaces an input unless
``--overwrite`` says so, and a mask that makes (nearly) the whole photo a hole is refused
unless ``--allow-large-hole`` says so.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .arguments import add_detail_argument
from .input_notes import report_not_kept


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "inpaint",
        help="fill the holes of an image, or of a folder of images (mask: white = hole)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("image", help="photo to repair (any format Pillow reads), or a folder of photos")
    parser.add_argument("mask", help="mask image of the same size, white = hole (alpha when it varies); with a photo "
                                     "folder: a folder of masks named like the photos, or one mask for all")
    parser.add_argument("-o", "--output", required=True,
                        help="where to write the result (.png, .jpg); with a photo folder: the results folder")
    parser.add_argument("--model", default="pyramid", help="model name or .safetensors path (default: pyramid)")
    parser.add_argument("--guidance", help="optional guidance map: white = region not to copy from (§5.4); "
                                           "with a photo folder: a folder of maps named like the photos")
    parser.add_argument("--max-side", type=int, help="working resolution of the model (default: the one its weights were trained for)")
    parser.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--skip-existing", action="store_true",
                        help="with a photo folder: keep results already written (resume a run)")
    parser.add_argument("--overwrite", action="store_true", help="allow -o to be the input image itself")
    parser.add_argument("--allow-large-hole", action="store_true",
                        help="fill a mask that covers more than 90%% of the photo (refused by default: "
                             "usually an inverted mask)")
    parser.add_argument("--removal", action="store_true",
                        help="the mask covers objects to remove (not scratches or strokes): fill it as "
                             "`inpaintkit remove` does")
    add_detail_argument(parser)
    parser.set_defaults(func=run)


def check_model_arguments(args: argparse.Namespace) -> None:
    """The working resolution, the device and the model, checked before any work."""
    from ..inference import check_max_side, check_model_source, resolve_device

    check_max_side(args.max_side)
    resolve_device(args.device)
    check_model_source(args.model)


def run(args: argparse.Namespace) -> int:
    if Path(args.image).is_dir():
        return run_folder(args)
    from ..errors import UserError
    from ..image_io import check_whole_photo_hole, read_inpainting_inputs, save_images
    from ..inference import load_model
    from ..removal.pipeline import removal_inpainter
    from .arguments import check_outputs

    if Path(args.mask).is_dir() or (args.guidance and Path(args.guidance).is_dir()):
        raise UserError(f"{args.image} is one image, so the mask (and guidance) must be one image too, not a folder.")
    check_model_arguments(args)
    check_outputs({"-o": args.output}, {"image": args.image, "mask": args.mask, "guidance map": args.guidance},
                  args.overwrite)
    image, mask, guidance = read_inpainting_inputs(args.image, args.mask, args.guidance or None)
    check_whole_photo_hole(mask, args.allow_large_hole)
    inpainter = load_model(args.model, device=args.device, max_side=args.max_side, detail=args.detail)
    start = time.perf_counter()
    result = removal_inpainter(inpainter, objects=args.removal)(image, mask, guidance)
    elapsed = time.perf_counter() - start
    save_images([(result, args.output)])
    print(f"wrote {args.output} ({image.shape[1]}×{image.shape[0]}, {mask.mean():.1%} hole, "
          f"model {inpainter.name}, {elapsed:.2f} s)")
    report_not_kept(args.image)
    return 0


def run_folder(args: argparse.Namespace) -> int:
    from ..batch import inpaint_folder, plan_folder
    from ..inference import load_model
    from ..removal.pipeline import removal_inpainter

    check_model_arguments(args)
    jobs, unpaired = plan_folder(args.image, args.mask, args.output, args.guidance)
    inpainter = load_model(args.model, device=args.device, max_side=args.max_side, detail=args.detail)
    start = time.perf_counter()
    report = inpaint_folder(removal_inpainter(inpainter, objects=args.removal), jobs, skip_existing=args.skip_existing,
                            allow_large_hole=args.allow_large_hole)
    elapsed = time.perf_counter() - start
    skipped = {**unpaired, **report.skipped}
    for name, why in skipped.items():
        print(f"skipped {name}: {why}", file=sys.stderr)
    per_image = f", {elapsed / len(report.written):.2f} s per image" if report.written else ""
    kept = f", {len(report.kept)} kept from an earlier run" if report.kept else ""
    print(f"wrote {len(report.written)} of {len(jobs) + len(unpaired)} images to {args.output}"
          f" ({len(skipped)} skipped{kept}; model {inpainter.name}{per_image})")
    return 1 if skipped else 0
