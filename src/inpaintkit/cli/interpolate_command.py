"""``inpaintkit interpolate A.safetensors B.safetensors --alpha 0.5 -o OUT.safetensors``:
network interpolation between two fine-tunes of one model (``inpaintkit.network_interpolation``)."""
from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "interpolate", help="blend two fine-tunes of one model into one weights file",
        description="Write θ = (1 − α)·θ_A + α·θ_B, parameter by parameter (network interpolation, "
        "ESRGAN §3.4), e.g. between L1-trained weights (A) and their adversarial fine-tune (B): "
        "α = 0 gives A's smooth fills, α = 1 B's sharper ones.",
    )
    parser.add_argument("first", type=Path, help="weights A (.safetensors), reached at alpha 0")
    parser.add_argument("second", type=Path, help="weights B (.safetensors), reached at alpha 1; fine-tuned from A")
    parser.add_argument("--alpha", type=float, required=True, help="0 … 1: how far from A towards B")
    parser.add_argument("-o", "--output", type=Path, required=True, help="FILE.safetensors to write")
    parser.add_argument("--fp32", action="store_true", help="keep float32 weights (default: float16)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..network_interpolation import interpolate_weights
    from .arguments import check_file_output

    check_file_output(args.output, [args.first, args.second])
    path = interpolate_weights(args.first, args.second, args.alpha, args.output, half=not args.fp32)
    print(f"wrote {path}")
    return 0
