"""``inpaintkit remove PHOTO --click X,Y -o OUT``: remove the object under a click (§5.3);
``inpaintkit remove PHOTO --text -o OUT``: remove all text (the characters' strokes)."""
from __future__ import annotations

import argparse


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
        help="remove the person or object under a click (or all text) and fill the hole",
        description=__doc__,
    )
    parser.add_argument("photo", help="photo to edit (any format Pillow reads)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--click", type=_click, action="append", metavar="X,Y",
                        help="pixel on the object to remove (x from the left, y from the top); repeatable")
    target.add_argument("--text", action="store_true",
                        help="remove all text (signs, captions, watermarks) and keep what lies behind it")
    parser.add_argument("-o", "--output", required=True, help="where to write the result (.png, .jpg)")
    parser.add_argument("--backend", default="auto", choices=("auto", "people", "click"),
                        help="segmentation: auto (person under the click, else click), people, click")
    parser.add_argument("--dilation", type=int, default=5, help="square dilation kernel in pixels (default 5)")
    parser.add_argument("--guidance", default="auto",
                        help="auto (avoid the other people/objects), none, or a guidance map PATH")
    parser.add_argument("--save-mask", metavar="MASK.png", help="also write the mask that was filled")
    parser.add_argument("--model", default=None,
                        help="model name or .safetensors path, or harmonic (default: pyramid; with --text harmonic)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..image_io import read_image, save_image
    from ..removal.pipeline import MAX_PIXELS, remove_detailed

    image = read_image(args.photo, "photo", max_pixels=MAX_PIXELS)
    result = remove_detailed(image, args.click or (), backend=args.backend, dilation=args.dilation,
                             guidance=args.guidance, model=args.model, text=args.text)
    # Both files are written atomically (tmp + rename) and only after all the work
    # succeeded, so a failure never leaves a half-written or stale-looking output.
    save_image(result.image, args.output)
    if args.save_mask:
        save_image(result.mask, args.save_mask)
    stages = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.timings.items())
    print(f"wrote {args.output} ({image.shape[1]}×{image.shape[0]}, {result.mask.mean():.1%} removed; {stages})")
    return 0

