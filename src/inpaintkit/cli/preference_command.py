"""``inpaintkit preference make|score``: blind pairwise preference tests.

    inpaintkit preference make --a RESULTS_A --b RESULTS_B --masks MASKS [--photos PHOTOS] --out PAIRS
    inpaintkit preference score PAIRS.key.json judge1.txt [judge2.txt …] [--json scores.json]

``make`` shows two results folders' fills of the same holes side by side (files paired by
name, as ``inpaintkit inpaint DIR DIR -o RESULTS`` writes them) and writes the key beside
the pairs folder; ``score`` joins judges' answers with the key. Judges get the pairs
folder only (see its INSTRUCTIONS.md), never the key.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser("preference", help="blind side-by-side tests of two fills, and their scores",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", required=True)

    make = actions.add_parser("make", help="pairs for judges from two results folders (paired by name)")
    make.add_argument("--a", required=True, type=Path, help="results folder of the first method")
    make.add_argument("--b", required=True, type=Path, help="results folder of the second method")
    make.add_argument("--masks", required=True, type=Path,
                      help="folder of the filled masks, named like the results (non-zero = hole; "
                           "for removals: the masks saved with remove --save-mask)")
    make.add_argument("--photos", type=Path,
                      help="the original photos: results are pasted into them inside the mask, so only the fills differ")
    make.add_argument("--out", required=True, type=Path, help="new folder for the pairs")
    make.add_argument("--key", type=Path, help="where the key goes, outside --out (default: OUT.key.json beside it)")
    make.add_argument("--names", metavar="NAME_A,NAME_B", help="the methods' names in the key (default: the folder names)")
    make.add_argument("--seed", type=int, help="seed of the sides and numbering (default: random, kept in the key)")
    make.set_defaults(func=run_make)

    score = actions.add_parser("score", help="win rates with 95 %% intervals from judges' answer files")
    score.add_argument("key", type=Path, help="the key file written with the pairs")
    score.add_argument("answers", type=Path, nargs="+",
                       help="one text file per judge, lines like 'pair-001 A reason' (A, B, or = for a tie)")
    score.add_argument("--json", type=Path, metavar="OUT", help="also write every number to this JSON file")
    score.set_defaults(func=run_score)


def run_make(args: argparse.Namespace) -> int:
    from ..errors import UserError
    from ..evaluation.preference import check_destination, default_key_path, read_result_pairs, write_pairs

    names = _names(args.names, args.a, args.b)
    check_destination(args.out, args.key or default_key_path(args.out))
    cases, skipped = read_result_pairs(args.a, args.b, args.masks, args.photos, names)
    for sentence in skipped:
        print(sentence, file=sys.stderr)
    if not cases:
        raise UserError(f"no result in {args.a} has a result, mask (and photo) of the same name; nothing to judge.")
    done = write_pairs(cases, [names], args.out, args.key, args.seed)
    print(f"wrote {done.count} pairs for judges to {done.pairs_dir} and their key to {done.key_path} "
          "(give judges the folder only)")
    return 0


def _names(text, folder_a: Path, folder_b: Path) -> tuple[str, str]:
    from ..errors import UserError

    if text:
        names = tuple(n.strip() for n in text.split(","))
        if len(names) != 2 or not all(names):
            raise UserError(f"--names {text!r} must be two names joined by a comma, e.g. detail,patchmatch.")
    else:
        names = (folder_a.resolve().name, folder_b.resolve().name)
    if names[0] == names[1]:
        raise UserError(f"both methods would be called {names[0]!r} in the key; name them with --names A,B.")
    return names


def run_score(args: argparse.Namespace) -> int:
    from ..errors import UserError
    from ..evaluation.preference import markdown_table, parse_answers, read_key, score
    from ..image_io import check_creatable

    if args.json:
        check_creatable(args.json, "JSON file")
        if args.json.is_dir():
            raise UserError(f"--json {args.json} is a folder; give a file name such as {args.json / 'scores.json'}.")
    key = read_key(args.key)
    judges = _judge_names(args.answers)
    answers = {}
    for judge, path in zip(judges, args.answers):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UserError(f"cannot read the answers file {path}: {error}.") from error
        answers[judge] = parse_answers(text, str(path), key["pairs"])
    report = score(key, answers)
    for sentence in report.warnings:
        print(sentence, file=sys.stderr)
    print(markdown_table(report), end="")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        data = {"rows": [asdict(r) for r in report.rows], "agreements": [asdict(a) for a in report.agreements],
                "warnings": report.warnings}
        args.json.write_text(json.dumps(data, indent=1), encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


def _judge_names(paths: list[Path]) -> list[str]:
    """Each file's stem, or its path where two files share a stem."""
    from ..errors import UserError

    if len({p.resolve() for p in paths}) != len(paths):
        raise UserError("an answers file is given twice; each judge's file counts once.")
    stems = [p.stem for p in paths]
    return [p.stem if stems.count(p.stem) == 1 else str(p) for p in paths]
