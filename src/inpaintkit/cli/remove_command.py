"""``inpaintkit remove PHOTO --click X,Y -o OUT``: remove the object under a click (§5.3).

Every argument is checked before any work, and the result and the mask are written
together or not at all; the result never replaces the photo unless ``--overwrite`` says so.
"""
from __future__ import annotations

import argparse

from .arguments import add_detail_argument


def _click(text: str) -> tuple[float, float]:
    """``"X,Y"`` → (x, y); argparse turns the ValueError into a usage message."""
    parts = text.replace(" ", "").split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"a click is X,Y (two numbers), not {text!r}")
    try:
        return float(parts[0]), float(parts[1])
    except ValueError:
        raise argparse.ArgumentTypeError(f"a click is X,Y (two numbers), not {text!r}") from None


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "remove",
        help="remove the person or object under a click and fill the hole",
        description=__doc__,
    )
    parser.add_argument("photo", help="photo to edit (any format Pillow reads)")
    parser.add_argument("--click", type=_click, action="append", required=True, metavar="X,Y",
                        help="pixel on the object to remove (x from the left, y from the top); repeatable")
    parser.add_argument("-o", "--output", required=True, help="where to write the result (.png, .jpg)")
    parser.add_argument("--backend", default="auto", choices=("auto", "people", "click"),
                        help="segmentation: auto (person under the click, else click), people, click")
    parser.add_argument("--dilation", type=int, default=5, help="square dilation kernel in pixels, 0–100 (default 5)")
    parser.add_argument("--guidance", default="auto",
                        help="auto (avoid the other people/objects), none, or a guidance map PATH")
    parser.add_argument("--save-mask", metavar="MASK.png", help="also write the mask that was filled")
    parser.add_argument("--model", default="pyramid", help="model name or .safetensors path (default: pyramid)")
    parser.add_argument("--overwrite", action="store_true", help="allow -o to be the photo itself")
    add_detail_argument(parser)
    parser.set_defaults(func=run)


def check_arguments(args: argparse.Namespace) -> None:
    """Ranges, the model, and the outputs against each other and the inputs, before any work."""
    from ..inference import check_model_source
    from ..removal.pipeline import MAX_DILATION
    from .arguments import check_outputs, check_range

    check_range(args.dilation, 0, MAX_DILATION, "--dilation")
    guidance_file = None if args.guidance in ("auto", "none") else args.guidance
    check_outputs({"-o": args.output, "--save-mask": args.save_mask},
                  {"photo": args.photo, "guidance map": guidance_file}, args.overwrite)
    check_model_source(args.model)


def run(args: argparse.Namespace) -> int:
    from ..image_io import check_whole_photo_hole, read_image, save_images
    from ..removal.pipeline import MAX_PIXELS, remove_detailed

    check_arguments(args)
    image = read_image(args.photo, "photo", max_pixels=MAX_PIXELS)
    result = remove_detailed(image, args.click, backend=args.backend, dilation=args.dilation,
                             guidance=args.guidance, model=args.model, detail=args.detail)
    check_whole_photo_hole(result.mask, what="removal mask", advice="lower --dilation or click a smaller object")
    # Only after all the work succeeded, and both files or neither: a failure never
    # leaves a half-written output, nor a result without its mask.
    outputs = [(result.image, args.output)] + ([(result.mask, args.save_mask)] if args.save_mask else [])
    save_images(outputs)
    stages = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.timings.items())
    print(f"wrote {args.output} ({image.shape[1]}×{image.shape[0]}, {result.mask.mean():.1%} removed; {stages})")
    return 0

