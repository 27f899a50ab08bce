"""``inpaintkit`` command line: one small module per sub-command.

Each module in ``COMMANDS`` exposes ``register(subparsers)``, which adds its parser and
sets ``func`` to a ``run(args) -> int`` function. Modules import heavy libraries inside
``run`` so that ``inpaintkit --help`` stays fast.

Errors a user can cause (``UserError``, and argument errors: :mod:`.parser`) are printed as
one sentence and exit with 2; anything else is a bug and keeps its traceback. Every
sub-command takes ``--verbose``, which lets third-party libraries (MediaPipe, TensorFlow
Lite) print their own log lines.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import UserError
from ..third_party_logs import set_verbose
from .parser import CommandParser

COMMANDS = [
    "inpaint",    # inpaintkit inpaint IMAGE MASK -o OUT
    "remove",     # inpaintkit remove PHOTO --click X,Y -o OUT
    "train",      # inpaintkit train CONFIG
    "export",     # inpaintkit export CHECKPOINT -o WEIGHTS.safetensors
    "interpolate",  # inpaintkit interpolate A B --alpha 0.5 -o WEIGHTS.safetensors
    "evaluate",   # inpaintkit evaluate ...
    "benchmark",  # inpaintkit benchmark --photos DIR --protocol freeform --size 512
    "preference",  # inpaintkit preference make|score: blind side-by-side tests
    "serve",      # inpaintkit serve
    "detect",     # inpaintkit detect train|eval|predict
]


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="inpaintkit",
        description="Deep image inpainting and one-click object removal. "
        "Run `inpaintkit COMMAND --help` for a command's options.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}_command")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}_command":
                raise
            continue  # sub-command not built yet
        module.register(subparsers)
    for subparser in subparsers.choices.values():
        subparser.add_argument("--verbose", action="store_true",
                               help="also show third-party libraries' log lines (MediaPipe, TensorFlow Lite)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    set_verbose(args.verbose)
    try:
        return int(args.func(args) or 0)
    except UserError as error:
        print(f"inpaintkit {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
