"""A trained detector behind a small image-in, boxes-out API (used by object removal)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from ..errors import InputImageError
from .datasets import to_input
from .engine import load_detector
from .model import SingleShotDetector
from .nms import postprocess

Box = tuple[float, float, float, float]


class Detector:
    """``Detector(model, class_names, size).detect(image) -> [(box_xyxy, label, score)]``.

    ``image``: ``H×W×3`` uint8 RGB (numpy or PIL). The image is warped to ``size``×``size``
    (as in training) and the boxes are mapped back to image pixels, best score first.
    ``class_names`` excludes the background (label i ↦ ``class_names[i − 1]``).
    """

    def __init__(self, model: SingleShotDetector, class_names: Sequence[str],
                 size: int | None = None):
        self.model = model.eval()
        self.class_names = list(class_names)
        self.size = size or model.config.image_size
        if self.size != model.config.image_size:
            raise ValueError(f"the model's priors are for {model.config.image_size} px input, "
                             f"not {self.size}")

    @classmethod
    def from_checkpoint(cls, path: str | Path, device: str = "cpu") -> "Detector":
        model, class_names = load_detector(path, device)
        return cls(model, class_names)

    @torch.no_grad()
    def detect(self, image, score_threshold: float = 0.3,
               nms_threshold: float = 0.45) -> list[tuple[Box, str, float]]:
        array = np.asarray(image)
        if array.ndim != 3 or array.shape[2] != 3 or array.dtype != np.uint8 or array.size == 0:
            raise InputImageError("the detector needs an H×W×3 uint8 RGB image.")
        h, w = array.shape[:2]
        batch = to_input(array, self.size)[None].to(self.model.priors.device)
        locations, logits = self.model(batch)
        found = postprocess(locations, logits, self.model.priors,
                            score_threshold=score_threshold, nms_threshold=nms_threshold)[0]
        scale = torch.tensor([w, h, w, h], dtype=torch.float32)
        return [(tuple(float(v) for v in box), self.class_names[int(label) - 1], float(score))
                for box, label, score in zip(found.boxes.cpu() * scale, found.labels.cpu(),
                                             found.scores.cpu())]
