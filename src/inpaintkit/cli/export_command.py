"""``inpaintkit export CHECKPOINT -o FILE.safetensors [--fp32]``: the generator of a
training checkpoint (or of a portable checkpoint folder) as a self-describing safetensors
weights file (fp16 by default). ``inpaintkit export CHECKPOINT --portable -o DIR``: the
generator and discriminators as parts a lent GPU machine can return (``--init DIR`` goes on)."""
from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export", help="export a training checkpoint's generator to safetensors",
        description="Write the generator of a training checkpoint (or run folder) as a "
        "safetensors weights file that `inpaintkit inpaint --model FILE` and load_model read.",
    )
    parser.add_argument("checkpoint", type=Path,
                        help="checkpoint.pt, the run folder holding it, or a portable checkpoint folder")
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="FILE.safetensors to write (with --portable: a folder)")
    parser.add_argument("--portable", action="store_true",
                        help="write generator and discriminators as 15 MiB parts that a lent GPU can "
                             "return, to continue training with `inpaintkit train --init FOLDER`")
    parser.add_argument("--fp32", action="store_true", help="keep float32 weights (default: float16)")
    parser.add_argument("--max-side", type=int,
                        help="working resolution recorded for inference (default: twice the training crop)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import UserError
    from ..training.export import export_checkpoint, export_portable
    from ..inference import check_max_side
    from .arguments import check_file_output

    check_file_output(args.output, [args.checkpoint], folder=args.portable)
    check_max_side(args.max_side)
    if args.portable:
        if args.fp32 or args.max_side is not None:
            raise UserError("--portable keeps the generator in float32 and records no max_side: "
                            "drop --fp32 / --max-side (they are for weights files).")
        for path in export_portable(args.checkpoint, args.output):
            print(f"wrote {path} ({path.stat().st_size / 2**20:.1f} MiB)")
        return 0
    path = export_checkpoint(args.checkpoint, args.output, half=not args.fp32, max_side=args.max_side)
    print(f"wrote {path}")
    return 0
