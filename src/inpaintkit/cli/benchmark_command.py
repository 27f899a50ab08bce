"""``inpaintkit benchmark --photos DIR --protocol freeform --size 512``: run inpainting
methods on a seeded evaluation protocol and write tables, JSON, plots and contact sheets.

With ``--pairs DIR`` it also writes a blind preference test of its fills (the first method
against each of the others, unless ``--pair-methods`` says otherwise; every case, unless
``--pair-buckets`` picks groups) and its key beside the folder; see docs/preference.md."""
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
                        help="comma-separated: telea, ns, diffusion, push-pull, patchmatch, model:NAME (the "
                             "network alone), detail:NAME (the network and the photo's own detail, as "
                             "inpaint fills by default), weights:PATH, untrained:NAME (default: telea,ns,patchmatch)")
    parser.add_argument("--limit", type=int, help="use only the first N photos")
    parser.add_argument("--seed", type=int, default=0, help="mask seed (default 0)")
    parser.add_argument("--examples", type=int, default=4, help="cases per protocol on the contact sheet (default 4)")
    parser.add_argument("--out", type=Path, default=Path("benchmark-results"), help="output folder (default: benchmark-results)")
    parser.add_argument("--device", help="device for model methods: cpu or cuda (default: cuda when available)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    pairs = parser.add_argument_group("blind preference test (inpaintkit preference score)")
    pairs.add_argument("--pairs", type=Path, metavar="DIR",
                       help="write side-by-side pairs of fills for judges into this new folder")
    pairs.add_argument("--pair-methods", metavar="A:B,C:D",
                       help="method pairs to show (default: the first method against each of the others)")
    pairs.add_argument("--pair-buckets", metavar="20-30,…",
                       help="only cases of these groups (default: every case), e.g. 20-30")
    pairs.add_argument("--pair-key", type=Path, metavar="KEY.json",
                       help="where the key goes, outside DIR (default: DIR.key.json beside it)")
    pairs.add_argument("--pair-seed", type=int,
                       help="seed of the sides and numbering (default: random, kept in the key)")
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
    pairs = plan_preference_pairs(args, methods, protocols) if args.pairs else None
    result = run_benchmark(protocols, photos, methods, size=args.size, seed=args.seed,
                           examples=args.examples, progress=not args.no_progress,
                           on_fill=pairs[1] if pairs else None)
    written = write_report(result, args.out)
    failed = sum(r.failed for r in result.results)
    print((args.out / "results.md").read_text(encoding="utf-8"))
    print(f"{len(result.results)} runs, {failed} failed; wrote {', '.join(str(p) for p in written)}")
    if pairs:
        write_preference_pairs(args, *pairs)
    return 0


def plan_preference_pairs(args: argparse.Namespace, methods, protocols):
    """Check the pair options before the run (a typo must not cost a benchmark);
    returns the method pairs and the collector that keeps their fills."""
    from ..errors import UserError
    from ..evaluation.preference import FillCollector, check_destination, default_key_path, parse_method_pairs

    check_destination(args.pairs, args.pair_key or default_key_path(args.pairs))
    pairs_dir, out = args.pairs.resolve(), args.out.resolve()
    if pairs_dir == out or out.is_relative_to(pairs_dir):
        raise UserError(f"--pairs {args.pairs} would hold the benchmark's results (--out {args.out}); "
                        "give the pairs a folder of their own.")
    names = {m.name: m.name for m in methods} | {spec: m.name for spec, m in zip(_specs(args.methods), methods)}
    method_pairs = parse_method_pairs(args.pair_methods, names)
    if not args.pair_methods:
        if len(methods) < 2:
            raise UserError("--pairs needs at least two methods to compare; add one to --methods.")
        method_pairs = [(methods[0].name, m.name) for m in methods[1:]]
    groups = None
    if args.pair_buckets:
        labels = {g.label.replace("%", "").replace(" ", ""): g.label for p in protocols for g in p.groups}
        wanted = [b.strip().replace("%", "").replace(" ", "") for b in args.pair_buckets.split(",") if b.strip()]
        unknown = [b for b in wanted if b not in labels] or ([] if wanted else [args.pair_buckets])
        if unknown:
            raise UserError(f"--pair-buckets: {unknown[0]!r} is not a group of this protocol; "
                            f"choose from {', '.join(labels)}.")
        groups = [labels[b] for b in wanted]
    return method_pairs, FillCollector({m for pair in method_pairs for m in pair}, groups)


def _specs(methods: str) -> list[str]:
    """The specs of --methods, as create_methods reads them."""
    return [spec.strip() for spec in methods.split(",") if spec.strip()]


def write_preference_pairs(args: argparse.Namespace, method_pairs, collector) -> None:
    from ..evaluation.preference import write_pairs

    done = write_pairs(list(collector.cases.values()), method_pairs, args.pairs, args.pair_key, args.pair_seed)
    if done.missing:
        print(f"{done.missing} case and method pairs were left out of the pairs: a method failed there.")
    print(f"wrote {done.count} pairs for judges to {done.pairs_dir} and their key to {done.key_path} "
          "(give judges the folder only; score with inpaintkit preference score KEY ANSWERS…)")
