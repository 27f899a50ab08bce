"""``inpaintkit evaluate --pred DIR --truth DIR --masks DIR``: score inpainted images made
by any tool against their ground truth (SSIM, PSNR, L1 on the whole image and the hole;
optionally LPIPS and FID when their network weights are on this machine)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="score a folder of inpainted images against the truths (files paired by name)",
        description=__doc__,
    )
    parser.add_argument("--pred", required=True, type=Path, help="folder of inpainted images")
    parser.add_argument("--truth", required=True, type=Path, help="folder of ground-truth images")
    parser.add_argument("--masks", required=True, type=Path, help="folder of masks (white = hole)")
    parser.add_argument("--out", type=Path, help="write every number to this JSON file")
    parser.add_argument("--lpips", action="store_true", help="add LPIPS (needs torchvision and the backbone weights)")
    parser.add_argument("--lpips-backbone", type=Path,
                        help="torchvision AlexNet checkpoint alexnet-owt-7be5be79.pth (or $INPAINTKIT_LPIPS_BACKBONE)")
    parser.add_argument("--fid", action="store_true", help="add FID (needs torch-fidelity, torchvision and Inception weights)")
    parser.add_argument("--fid-weights", type=Path,
                        help="weights-inception-2015-12-05-6726825d.pth (or $INPAINTKIT_FID_WEIGHTS)")
    parser.add_argument("--device", help="device for LPIPS/FID: cpu or cuda (default cpu)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..evaluation.folders import missing_pairs, score_folders
    from ..evaluation.perceptual import FID, LPIPS
    from ..errors import UserError
    from ..evaluation.report import json_safe
    from ..image_io import check_creatable

    if args.out:  # checked before the scoring, not after it
        if args.out.is_dir():
            raise UserError(f"--out {args.out} is a folder; give a file name such as {args.out / 'scores.json'}.")
        check_creatable(args.out, "JSON file --out")
    # Build the networks first: missing weights stop the command before any work.
    lpips = LPIPS(backbone=args.lpips_backbone, device=args.device) if args.lpips or args.lpips_backbone else None
    fid = FID(weights=args.fid_weights, device=args.device) if args.fid or args.fid_weights else None
    scores = score_folders(args.pred, args.truth, args.masks, lpips=lpips, fid=fid)
    warning = missing_pairs(args.pred, args.truth, args.masks)
    if warning:
        print(warning)
    print(f"{len(scores.per_image)} images")
    for name, value in scores.means.items():
        print(f"  {name:20s} {value:.4f}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        data = {"means": scores.means, "per_image": scores.per_image}
        args.out.write_text(json.dumps(json_safe(data), indent=1), encoding="utf-8")
        print(f"wrote {args.out}")
    return 0

