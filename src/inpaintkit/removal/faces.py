"""Faces, as evidence that a "person" mask is a person and as one seed per person.

MediaPipe 0.10.21 ships BlazeFace (short- and full-range models) inside the same wheel as
the selfie segmenter, so it runs offline. The full-range model looks at the whole frame;
a second look at a square around each click finds faces too small for the full frame
(a group at a table, seen from across the room).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..third_party_logs import quiet_native_logs
from .instances import Click
from .photo_memory import PhotoMemory, photo_digest

# Both models see at most 192×192; more input only costs conversion time.
_MODEL_SIDE = 640
# Looks remembered (lists of faces): a few photos' frames and their click squares.
_REMEMBERED_LOOKS = 64


@dataclass(frozen=True)
class Face:
    """A face box in pixels, ``x0 <= x < x1``, ``y0 <= y < y1``, and the detector's score."""

    x0: int
    y0: int
    x1: int
    y1: int
    score: float

    @property
    def centre(self) -> Click:
        return (self.x0 + self.x1) // 2, (self.y0 + self.y1) // 2

    @property
    def height(self) -> int:
        return self.y1 - self.y0


class FaceDetector:
    """``FaceDetector()(image, clicks) -> list[Face]``; the graph is created once and used
    under a lock (MediaPipe graphs are not thread-safe), and its looks at a photo are
    remembered.

    ``min_score`` 0.65: on the shared photos real faces score 0.73–0.86, while an apple's
    two highlights and a spaniel's face score 0.60."""

    def __init__(self, min_score: float = 0.65) -> None:
        self.min_score = min_score
        self._graph = None
        self._lock = threading.Lock()
        self._seen = PhotoMemory(_REMEMBERED_LOOKS)

    def __call__(self, image: np.ndarray, clicks: Sequence[Click] = ()) -> list[Face]:
        height, width = image.shape[:2]
        # Each look is remembered per photo: a correction sends the same photo again.
        digest = photo_digest(image)
        faces = list(self._seen.get((digest, "frame"), lambda: self._detect(image, 0, 0)))
        side = max(32, min(height, width) // 2)
        for x, y in clicks:
            x0 = int(np.clip(x - side // 2, 0, max(0, width - side)))
            y0 = int(np.clip(y - side // 2, 0, max(0, height - side)))
            crop = image[y0:y0 + side, x0:x0 + side]
            seen = self._seen.get((digest, x0, y0, side), lambda: self._detect(crop, x0, y0))
            faces += [f for f in seen if not any(_overlap(f, g) > 0.3 for g in faces)]
        return faces

    def _detect(self, image: np.ndarray, x_offset: int, y_offset: int) -> list[Face]:
        import cv2

        height, width = image.shape[:2]
        scale = min(1.0, _MODEL_SIDE / max(height, width))
        small = image if scale == 1.0 else cv2.resize(
            image, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
        with self._lock, quiet_native_logs():
            result = self._graph_instance().process(np.ascontiguousarray(small))
        faces = []
        for detection in result.detections or []:
            score = float(detection.score[0])
            box = detection.location_data.relative_bounding_box
            x0, y0 = max(0, int(box.xmin * width)), max(0, int(box.ymin * height))
            x1, y1 = min(width, int((box.xmin + box.width) * width)), min(height, int((box.ymin + box.height) * height))
            if score >= self.min_score and x1 > x0 and y1 > y0:
                faces.append(Face(x0 + x_offset, y0 + y_offset, x1 + x_offset, y1 + y_offset, score))
        return faces

    def _graph_instance(self):
        if self._graph is None:
            from mediapipe.python.solutions.face_detection import FaceDetection

            # 1 = the full-range model (faces up to ~5 m), as people are in photos.
            self._graph = FaceDetection(model_selection=1, min_detection_confidence=self.min_score)
        return self._graph


def _overlap(a: Face, b: Face) -> float:
    """Intersection over the smaller box."""
    w = max(0, min(a.x1, b.x1) - max(a.x0, b.x0))
    h = max(0, min(a.y1, b.y1) - max(a.y0, b.y0))
    smaller = min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0))
    return w * h / max(1, smaller)
