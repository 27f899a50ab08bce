"""``inpaintkit remove PHOTO --click X,Y -o OUT``: remove the object under a click (§5.3);
``inpaintkit remove PHOTO --text -o OUT``: remove all text (the characters' strokes).

Correct the selection as in SAM-style tools: ``--add X,Y`` (a missed part), ``--exclude
X,Y`` (a part to keep), ``--box X0,Y0,X1,Y1`` (bounds it; alone, it frames the object).
A hole over a quarter of the photo is refused unless ``--allow-large-hole``.

Every argument is checked before any work, and the result and the mask are written
together or not at all; the result never replaces the photo unless ``--overwrite`` says so.
"""
from __future__ import annotations

import argparse
import math
from typing import Optional

from .arguments import add_detail_argument
from .input_notes import report_not_kept


def _click(text: str) -> tuple[float, float]:
    """``"X,Y"`` → (x, y); argparse turns the ArgumentTypeError into an argument error."""
    numbers = _numbers(text, 2)
    if numbers is None:
        raise argparse.ArgumentTypeError(f"a click is X,Y (two numbers), not {text!r}")
    return numbers  # type: ignore[return-value]


def _box(text: str) -> tuple[float, float, float, float]:
    """``"X0,Y0,X1,Y1"`` → four numbers."""
    numbers = _numbers(text, 4)
    if numbers is None:
        raise argparse.ArgumentTypeError(f"a box is X0,Y0,X1,Y1 (four numbers), not {text!r}")
    return numbers  # type: ignore[return-value]


def _numbers(text: str, count: int) -> Optional[tuple[float, ...]]:
    """``count`` comma-separated finite numbers (fractions allowed), or None. float() also
    reads "nan" and "inf", which have no place in a photo."""
    parts = text.replace(" ", "").split(",")
    try:
        numbers = tuple(float(part) for part in parts)
    except ValueError:
        return None
    return numbers if len(numbers) == count and all(math.isfinite(n) for n in numbers) else None


def _dilation(text: str):
    """``auto`` or a kernel size in pixels."""
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the dilation is 'auto' or a kernel size in pixels, not {text!r}") from None


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "remove",
        help="remove the person or object under a click (or all text) and fill the hole",
        description=__doc__,
    )
    parser.add_argument("photo", help="photo to edit (any format Pillow reads)")
    parser.add_number_list_argument("--click", type=_click, action="append", default=[], metavar="X,Y",
                                    help="pixel on an object to remove (x from the left, y from the top; a "
                                         "fraction lies in the pixel that holds it); repeatable, one object each")
    parser.add_number_list_argument("--add", type=_click, action="append", default=[], metavar="X,Y",
                                    help="pixel on a part the selection missed (a leg, a handle); repeatable")
    parser.add_number_list_argument("--exclude", type=_click, action="append", default=[], metavar="X,Y",
                                    help="pixel on a part to keep out of the selection; repeatable")
    parser.add_number_list_argument("--box", type=_box, metavar="X0,Y0,X1,Y1",
                                    help="a box that bounds the selection (alone: the object it frames)")
    parser.add_argument("--allow-large-hole", action="store_true",
                        help="allow filling more than a quarter of the photo")
    parser.add_argument("--text", action="store_true",
                        help="remove all text (signs, captions, watermarks) and keep what lies behind it; "
                             "takes no --click, --add, --exclude or --box")
    parser.add_argument("-o", "--output", required=True, help="where to write the result (.png, .jpg)")
    parser.add_argument("--backend", default="auto", choices=("auto", "people", "click"),
                        help="segmentation: auto (person under the click, else click), people, click")
    parser.add_argument("--dilation", type=_dilation, default="auto",
                        help="auto (grow by the object's edge softness and check the rim; default) "
                             "or a square kernel in pixels, 0–100")
    parser.add_argument("--guidance", default="auto",
                        help="auto (avoid the other people/objects), none, or a guidance map PATH")
    parser.add_argument("--save-mask", metavar="MASK.png", help="also write the mask that was filled")
    parser.add_argument("--model", default=None,
                        help="model name or .safetensors path, or harmonic (default: pyramid)")
    parser.add_argument("--overwrite", action="store_true", help="allow -o to be the photo itself")
    add_detail_argument(parser)
    parser.set_defaults(func=run)


def check_arguments(args: argparse.Namespace) -> None:
    """Ranges, the model, and the outputs against each other and the inputs, before any work."""
    from ..inference import check_model_source
    from ..removal.pipeline import MAX_DILATION
    from .arguments import check_outputs, check_range

    if args.dilation != "auto":
        check_range(args.dilation, 0, MAX_DILATION, "--dilation")
    guidance_file = None if args.guidance in ("auto", "none") else args.guidance
    check_outputs({"-o": args.output, "--save-mask": args.save_mask},
                  {"photo": args.photo, "guidance map": guidance_file}, args.overwrite)
    if args.model not in (None, "harmonic"):
        check_model_source(args.model)


def run(args: argparse.Namespace) -> int:
    from ..hole_limit import HoleTooLargeError
    from ..image_io import check_whole_photo_hole, read_image, save_images
    from ..removal.pipeline import MAX_PIXELS, remove_detailed
    from ..removal.prompts import NoPromptError

    check_arguments(args)
    image = read_image(args.photo, "photo", max_pixels=MAX_PIXELS)
    try:
        result = remove_detailed(image, args.click, add=args.add, exclude=args.exclude, box=args.box,
                                 backend=args.backend, dilation=args.dilation, guidance=args.guidance,
                                 model=args.model, detail=args.detail, allow_large_hole=args.allow_large_hole,
                                 text=args.text)
    except HoleTooLargeError as error:
        lower = "lower --dilation or " if args.dilation != "auto" else ""
        raise error.asked_by(f"{lower}add --allow-large-hole to remove it anyway") from None
    except NoPromptError as error:
        raise error.asked_by("pass --click X,Y on the object to remove, or --box X0,Y0,X1,Y1 around it "
                             "(--text: all text)") from None
    check_whole_photo_hole(result.mask, args.allow_large_hole, what="removal mask",
                           advice="lower --dilation or click a smaller object")
    # Only after all the work succeeded, and both files or neither: a failure never
    # leaves a half-written output, nor a result without its mask.
    outputs = [(result.image, args.output)] + ([(result.mask, args.save_mask)] if args.save_mask else [])
    save_images(outputs)
    stages = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.timings.items())
    print(f"wrote {args.output} ({image.shape[1]}×{image.shape[0]}, {result.mask.mean():.1%} removed; {stages})")
    report_not_kept(args.photo)
    return 0

