"""Blend two models' *outputs* instead of their weights: does it buy more structure for the
same SSIM than network interpolation (ESRGAN §3.4, ``inpaintkit interpolate``)?

    python benchmarks/output_blends.py A.safetensors B.safetensors \
        [--blend src/inpaintkit/pretrained/pyramid.safetensors] [--detail B|ns] [--sigmas 1,2,4] [--limit N]

A is a smooth L1 model, B its adversarial fine-tune (sharper, lower SSIM) and ``--blend``
their weight interpolation. On the free-form protocol (the validation photos of
``configs/split.yaml``, 512², seed 0: the cases of ``inpaintkit benchmark``) every model
runs once per case, then the outputs are combined:

- ``mean A,B``: the pixel average of the two fills;
- ``low(X)+high(D) σ`` and ``low(X)+½high(D) σ``: detail transfer, the Gaussian low-pass
  (σ px) of X = the weight blend (else A) plus the high-pass of D, at full or half strength.
  D is B, or with ``--detail ns`` OpenCV's Navier–Stokes fill, which carries the edges
  meeting the hole along their direction.

Each fill is composited into the truth and scored like the benchmark (whole-image SSIM /
PSNR / L1, edge F1 / gradient ratio in the hole). The pyramid weights' card ("Adversarial
fine-tune and network interpolation") was measured with the defaults.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

Fills = dict[str, np.ndarray]  # method name → its uint8 fill of one case


def low_pass(image: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(image.astype(np.float32), (0, 0), sigma)


def to_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def detail_transfer(smooth: np.ndarray, sharp: np.ndarray, sigma: float, strength: float) -> np.ndarray:
    """``smooth``'s low frequencies plus ``strength`` × ``sharp``'s high frequencies."""
    high = sharp.astype(np.float32) - low_pass(sharp, sigma)
    return to_uint8(low_pass(smooth, sigma) + strength * high)


def combinations(sigmas: list[float], base: str, detail: str = "B") -> dict[str, Callable[[Fills], np.ndarray]]:
    """Name → how to make that row's fill from the fills of one case (keyed by method)."""
    rows: dict[str, Callable[[Fills], np.ndarray]] = {
        "mean A,B": lambda f: to_uint8((f["A"].astype(np.float32) + f["B"]) / 2),
    }
    for sigma in sigmas:
        for strength, label in ((1.0, "high"), (0.5, "½high")):
            rows[f"low({base})+{label}({detail}) σ{sigma:g}"] = (
                lambda f, s=sigma, k=strength: detail_transfer(f[base], f[detail], s, k))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path, help="the smooth (L1) weights")
    parser.add_argument("b", type=Path, help="the sharp (adversarial) weights")
    parser.add_argument("--blend", type=Path, help="their weight interpolation")
    parser.add_argument("--photos", type=Path, default=Path("../shared/data/photos"))
    parser.add_argument("--split", type=Path, default=Path("configs/split.yaml"))
    parser.add_argument("--detail", choices=("B", "ns"), default="B", help="whose high-pass to add")
    parser.add_argument("--sigmas", default="1,2,4")
    parser.add_argument("--limit", type=int, help="only the first N photos")
    args = parser.parse_args(argv)

    from inpaintkit.errors import UserError
    from inpaintkit.evaluation.methods import create_method
    from inpaintkit.evaluation.metrics import image_scores
    from inpaintkit.evaluation.protocols import get_protocols, list_photos
    from inpaintkit.evaluation.runner import composite

    try:  # a missing folder, split, photo or weights file: one line, no traceback
        photos = list_photos(args.photos, args.split, "validation")[: args.limit]
        specs = {"ns": "ns", "A": f"weights:{args.a}", "B": f"weights:{args.b}"}
        if args.blend:
            specs["weight blend"] = f"weights:{args.blend}"
        methods = {name: create_method(spec) for name, spec in specs.items()}
    except (OSError, ValueError, UserError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    rows = combinations([float(s) for s in args.sigmas.split(",")], "weight blend" if args.blend else "A", args.detail)
    scores: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for case in get_protocols("freeform")[0].cases(photos, 512):
        masked = case.image * (1 - case.mask[:, :, None])
        fills = {name: method(masked, case.mask.copy()) for name, method in methods.items()}
        fills.update({name: make(fills) for name, make in rows.items()})
        for name, fill in fills.items():
            scores[(name, case.group)].append(image_scores(composite(fill, case.image, case.mask), case.image, case.mask))
        print(f"{case.group} {case.photo}", file=sys.stderr, flush=True)
    print(table(scores))
    return 0


def table(scores: dict[tuple[str, str], list[dict]]) -> str:
    """Markdown: one row per method, one ``SSIM / PSNR / L1, F1 / ratio`` cell per bucket."""
    from inpaintkit.evaluation.metrics import mean_of_defined

    groups = list(dict.fromkeys(group for _, group in scores))
    names = list(dict.fromkeys(name for name, _ in scores))
    lines = ["| fill | " + " | ".join(groups) + " |", "|---" * (len(groups) + 1) + "|"]
    for name in names:
        cells = []
        for group in groups:
            mean = {key: mean_of_defined(s[key] for s in scores[(name, group)])
                    for key in ("ssim", "psnr", "l1", "edge_f1_hole", "gradient_ratio_hole")}
            cells.append(f"{mean['ssim']:.4f} / {mean['psnr']:.2f} / {mean['l1']:.4f}, "
                         f"{mean['edge_f1_hole']:.3f} / {mean['gradient_ratio_hole']:.2f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
