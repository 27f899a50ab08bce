"""``inpaintkit benchmark --photos DIR --protocol freeform --size 512``: run inpainting
methods on a seeded evaluation protocol and write tables, JSON, plots and contact sheets."""
from __future__ import annotations

import argparse
from pathlib import Path

PROTOCOL_CHOICES = ("freeform", "center", "ratio-sweep", "resolution-sweep", "all")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "benchmark",
        help="score methods on the thesis' evaluation protocols (SSIM, PSNR, L1, time, memory)",
        description=__doc__,
    )
    parser.add_argument("--photos", required=True, type=Path, help="folder of photos (the ground truth)")
    parser.add_argument("--split", type=Path, help="YAML split file with a validation: list (e.g. configs/split.yaml)")
    parser.add_argument("--subset", default="validation", choices=("validation", "train"),
                        help="which part of --split to use (default: validation)")
    parser.add_argument("--protocol", default="freeform", choices=PROTOCOL_CHOICES,
                        help="mask protocol (default: freeform); resolution-sweep ignores --size")
    parser.add_argument("--size", type=int, default=512, help="test size: photos are centre-cropped and resized (default 512)")
    parser.add_argument("--methods", default="telea,ns,patchmatch",
                        help="comma-separated: telea, ns, diffusion, push-pull, patchmatch, model:NAME, "
                             "weights:PATH, untrained:NAME (default: telea,ns,patchmatch)")
    parser.add_argument("--limit", type=int, help="use only the first N photos")
    parser.add_argument("--seed", type=int, default=0, help="mask seed (default 0)")
    parser.add_argument("--examples", type=int, default=4, help="cases per protocol on the contact sheet (default 4)")
    parser.add_argument("--out", type=Path, default=Path("benchmark-results"), help="output folder (default: benchmark-results)")
    parser.add_argument("--device", help="device for model methods: cpu or cuda (default: cuda when available)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import UserError
    from ..evaluation.methods import create_methods
    from ..evaluation.protocols import get_protocols, list_photos
    from ..evaluation.report import write_report
    from ..evaluation.runner import run_benchmark

    if args.size < 32:
        raise UserError("--size must be at least 32 pixels.")
    if args.limit is not None and args.limit < 1:
        raise UserError("--limit must be at least 1.")
    photos = list_photos(args.photos, args.split, args.subset)[: args.limit]
    protocols = get_protocols(args.protocol)
    methods = create_methods(args.methods, args.device)
    result = run_benchmark(protocols, photos, methods, size=args.size, seed=args.seed,
                           examples=args.examples, progress=not args.no_progress)
    written = write_report(result, args.out)
    failed = sum(r.failed for r in result.results)
    print((args.out / "results.md").read_text(encoding="utf-8"))
    print(f"{len(result.results)} runs, {failed} failed; wrote {', '.join(str(p) for p in written)}")
    return 0
