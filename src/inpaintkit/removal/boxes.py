"""Boxes back end: a detector's boxes (MPSSD, thesis §5.2) refined to masks by GrabCut.

§5.3 describes exactly this route ("the proposed MPSSD could output the bounding boxes …
Next, we could apply a post-processing segmentation tool to extract the mask area"): each
box initialises GrabCut as its rectangle (Rother et al. 2004). Any detector works: an
object with ``detect(image, score_threshold) -> [(box_xyxy, label, score), …]`` (the
``inpaintkit.detect`` interface) or a plain callable ``image -> [(box, label, score), …]``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import cv2
import numpy as np

from .click_segmentation import refine_box
from .instances import Click, Instance


@dataclass
class BoxSegmenter:
    """``BoxSegmenter(detector)(image, clicks) -> list[Instance]``, one per detected box.

    ``score_threshold``: boxes below it are ignored. ``work_side``: GrabCut runs on a copy
    whose long side is at most this; boxes are scaled to it and masks scaled back.
    ``only_under_clicks``: refine only boxes that contain a click (GrabCut is the slow
    part; the other boxes still come back, as filled rectangles, for guidance maps).
    """

    detector: Any
    score_threshold: float = 0.5
    work_side: int = 480
    only_under_clicks: bool = True
    name: str = "boxes"

    def __call__(self, image: np.ndarray, clicks: Sequence[Click] = ()) -> list[Instance]:
        height, width = image.shape[:2]
        scale = min(1.0, self.work_side / max(height, width))
        small = image if scale == 1.0 else cv2.resize(
            image, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA
        )
        instances = []
        for box, label, score in self._detections(image):
            if not self.only_under_clicks or any(_inside(box, click) for click in clicks):
                small_box = tuple(value * scale for value in box)
                mask = refine_box(small, small_box)
                if scale != 1.0:
                    mask = cv2.resize(mask.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST) > 0
            else:
                mask = refine_box_filled(box, (height, width))
            instances.append(Instance(mask, str(label), float(score)))
        return instances

    def _detections(self, image: np.ndarray) -> list[tuple[Sequence[float], Any, float]]:
        if hasattr(self.detector, "detect"):
            found = self.detector.detect(image, self.score_threshold)
        else:
            found = self.detector(image)
        return [(box, label, score) for box, label, score in found if score >= self.score_threshold]


def refine_box_filled(box: Sequence[float], shape: tuple[int, int]) -> np.ndarray:
    """The box itself as an ``H×W`` bool mask (clipped to the image)."""
    height, width = shape
    mask = np.zeros(shape, bool)
    x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
    x1, y1 = min(width, int(np.ceil(box[2]))), min(height, int(np.ceil(box[3])))
    mask[y0:y1, x0:x1] = True
    return mask


def _inside(box: Sequence[float], click: Click) -> bool:
    x, y = click
    return box[0] <= x < box[2] and box[1] <= y < box[3]
