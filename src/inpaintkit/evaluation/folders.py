"""Scoring results made elsewhere: a folder of inpainted images against a folder of truths.

Files are paired by stem (``a.png`` in each folder; extensions may differ), masks too
(non-zero = hole). Outputs are scored as they are (not composited): a method that alters
known pixels pays for it in the whole-image numbers. FID and LPIPS are added when asked
for and their weights are on the machine (:mod:`inpaintkit.evaluation.perceptual`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..errors import InputImageError, UserError
from ..image_io import images_by_stem, read_image, read_mask
from .metrics import METRIC_NAMES, image_scores, mean_of_defined


@dataclass
class FolderScores:
    """``per_image``: stem → metric → value; ``means``: metric → mean over the images."""

    per_image: dict[str, dict[str, float]] = field(default_factory=dict)
    means: dict[str, float] = field(default_factory=dict)


def score_folders(pred_dir: Path, truth_dir: Path, mask_dir: Path, *, lpips=None, fid=None) -> FolderScores:
    """Score every prediction that has a truth and a mask of the same stem.

    ``lpips``: an :class:`~inpaintkit.evaluation.perceptual.LPIPS` (adds ``lpips`` per image);
    ``fid``: an :class:`~inpaintkit.evaluation.perceptual.FID` (adds ``fid`` to the means).
    """
    preds, truths, masks = images_by_stem(pred_dir), images_by_stem(truth_dir), images_by_stem(mask_dir)
    stems = sorted(preds.keys() & truths.keys() & masks.keys())
    if not stems:
        raise UserError(f"no file names are shared by {pred_dir}, {truth_dir} and {mask_dir}.")
    scores = FolderScores()
    for stem in stems:
        truth = read_image(truths[stem], "truth")
        pred = read_image(preds[stem], "prediction")
        if pred.shape != truth.shape:
            raise InputImageError(f"{preds[stem].name} is {pred.shape[1]}×{pred.shape[0]} but its truth is "
                                  f"{truth.shape[1]}×{truth.shape[0]}; they must be the same size.")
        mask = read_mask(masks[stem], truth.shape[:2])
        scores.per_image[stem] = image_scores(pred, truth, mask)
        if lpips is not None:
            scores.per_image[stem]["lpips"] = lpips(pred, truth)
        if fid is not None:
            fid.update([pred], [truth])
    names = list(METRIC_NAMES) + (["lpips"] if lpips is not None else [])
    scores.means = {name: mean_of_defined(s[name] for s in scores.per_image.values()) for name in names}
    if fid is not None:
        scores.means["fid"] = fid.compute()
    return scores


def missing_pairs(pred_dir: Path, truth_dir: Path, mask_dir: Path) -> Optional[str]:
    """Sentences naming predictions without a truth or a mask, and truths (with a mask)
    without a prediction, or None. The second matters most: a method that failed on the
    hard photos would otherwise score the mean of the easy ones."""
    preds, truths, masks = images_by_stem(pred_dir), images_by_stem(truth_dir), images_by_stem(mask_dir)
    lonely = sorted(set(preds) - (truths.keys() & masks.keys()))
    unanswered = sorted((truths.keys() & masks.keys()) - set(preds))
    sentences = []
    if lonely:
        sentences.append(f"{len(lonely)} predictions have no truth or mask of the same name "
                         f"(e.g. {lonely[0]}); they were skipped.")
    if unanswered:
        sentences.append(f"warning: {len(unanswered)} truths have no prediction (e.g. {unanswered[0]}); "
                         "the means leave them out.")
    return " ".join(sentences) or None
