"""``inpaintkit export CHECKPOINT -o FILE.safetensors [--fp32]``: the generator of a
training checkpoint as a self-describing safetensors weights file (fp16 by default)."""
from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export", help="export a training checkpoint's generator to safetensors",
        description="Write the generator of a training checkpoint (or run folder) as a "
        "safetensors weights file that `inpaintkit inpaint --model FILE` and load_model read.",
    )
    parser.add_argument("checkpoint", type=Path, help="checkpoint.pt or the run folder holding it")
    parser.add_argument("-o", "--output", type=Path, required=True, help="FILE.safetensors to write")
    parser.add_argument("--fp32", action="store_true", help="keep float32 weights (default: float16)")
    parser.add_argument("--max-side", type=int,
                        help="working resolution recorded for inference (default: twice the training crop)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..training.export import export_checkpoint

    path = export_checkpoint(args.checkpoint, args.output, half=not args.fp32, max_side=args.max_side)
    print(f"wrote {path}")
    return 0
