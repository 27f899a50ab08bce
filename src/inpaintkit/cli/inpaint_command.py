"""``inpaintkit inpaint IMAGE MASK -o OUT``: fill the mask's non-zero pixels."""
from __future__ import annotations

import argparse
import time


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "inpaint",
        help="fill the holes of an image (mask: non-zero = hole)",
        description=__doc__,
    )
    parser.add_argument("image", help="photo to repair (any format Pillow reads)")
    parser.add_argument("mask", help="mask image of the same size; non-zero (white) = hole")
    parser.add_argument("-o", "--output", required=True, help="where to write the result (.png, .jpg)")
    parser.add_argument("--model", default="pyramid", help="model name or .safetensors path (default: pyramid)")
    parser.add_argument("--guidance", help="optional guidance map: non-zero = region not to copy from (§5.4)")
    parser.add_argument("--max-side", type=int, help="working resolution of the model (default: the one its weights were trained for)")
    parser.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..image_io import read_image, read_mask, save_image
    from ..inference import load_model

    image = read_image(args.image)
    mask = read_mask(args.mask, image.shape[:2])
    guidance = read_mask(args.guidance, image.shape[:2], "guidance map") if args.guidance else None
    inpainter = load_model(args.model, device=args.device, max_side=args.max_side)
    start = time.perf_counter()
    result = inpainter(image, mask, guidance)
    elapsed = time.perf_counter() - start
    save_image(result, args.output)
    print(f"wrote {args.output} ({image.shape[1]}×{image.shape[0]}, {mask.mean():.1%} hole, "
          f"model {inpainter.name}, {elapsed:.2f} s)")
    return 0
