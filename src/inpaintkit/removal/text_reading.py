"""Reading check: a line the text detector finds is text only if a recogniser reads it.

DB's detector (:mod:`.text`) answers "does this look like text?", and in photos without
any it says yes to petals, bokeh, a butterfly's wing, aloe leaves, boats in a row: lines
in 21 of the 55 shared photos without text, each of which ``remove --text`` cut strokes
from. A recogniser tells them apart: it reads a sign, a caption or a watermark with a
mean confidence of 0.86–1.00 on the shared photos, and those look-alikes as nothing, as
one character, or as two or more at 0.50 at most (docs/TEXT_REMOVAL.md).

The recogniser is PaddleOCR's PP-OCRv4 text recogniser (an SVTR network with a CTC head),
whose ONNX file ships inside the ``rapidocr-onnxruntime`` wheel beside the detector; we run
it with onnxruntime directly. It was trained on Chinese and Latin text; Cyrillic, Greek,
Hebrew and Arabic captions still read above the bar, Georgian did not (0.46): such text
gets "no text found", and the photo is left as it was.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, Optional

import cv2
import numpy as np

from .rapidocr_models import cpu_session, wheel_model_path

# The recogniser's input height (PaddleOCR's rec_img_shape) and the widest line it is
# shown, in multiples of that height: longer lines are squeezed, which it still reads.
_INPUT_HEIGHT = 48
_MAX_ASPECT = 40


class Reading(NamedTuple):
    """What the recogniser made of a line: how many ``characters`` it read, and their mean
    ``confidence`` (the CTC head's probability of each character read, PaddleOCR's score;
    0 when it read none)."""

    characters: int
    confidence: float


def recogniser_model_path() -> Path:
    """The PP-OCRv4 recogniser's ONNX file inside the installed ``rapidocr_onnxruntime`` wheel."""
    return wheel_model_path("ch_PP-OCRv4_rec_infer.onnx", "text recogniser")


@dataclass
class TextReader:
    """``TextReader().is_text(image, quad)``: whether the recogniser reads the line in the
    rotated rectangle ``quad`` (4×2 corners, image pixels) of ``image`` (uint8 RGB).

    A line is text when it reads as at least ``min_characters`` characters with a mean
    confidence of at least ``min_confidence``. One character is never enough: a petal, a
    latch or a lens reads as one letter or digit at up to 0.98. On the shared photos the
    signs, captions and watermarks read at 0.86–1.00 and every look-alike of two or more
    characters at 0.50 or less (docs/TEXT_REMOVAL.md); graffiti lies between (0.53–0.81).
    ``threads``: onnxruntime's intra-op threads. The session is created once and shared
    under a lock.
    """

    min_characters: int = 2
    min_confidence: float = 0.7
    threads: int = 2

    def __post_init__(self) -> None:
        self._session = None
        self._other_case: Optional[np.ndarray] = None
        self._lock = threading.Lock()

    def is_text(self, image: np.ndarray, quad: np.ndarray) -> bool:
        """Whether the line reads as text upright, or else turned half a turn (text upside
        down in the photo); the second reading only when the first fails."""
        return any(self._passes(self._read_crop(crop)) for crop in _both_ways(line_crop(image, quad)))

    def read(self, image: np.ndarray, quad: np.ndarray) -> Reading:
        """The line read upright and turned half a turn, whichever reads more characters
        with more confidence."""
        readings = [self._read_crop(crop) for crop in _both_ways(line_crop(image, quad))]
        return max(readings, key=lambda r: (r.confidence * r.characters, r.confidence), default=Reading(0, 0.0))

    def _passes(self, reading: Reading) -> bool:
        return reading.characters >= self.min_characters and reading.confidence >= self.min_confidence

    def _read_crop(self, crop: np.ndarray) -> Reading:
        height, width = crop.shape[:2]
        input_width = int(np.clip(np.ceil(_INPUT_HEIGHT * width / height), _INPUT_HEIGHT // 4,
                                  _INPUT_HEIGHT * _MAX_ASPECT))
        # PaddleOCR's input: BGR, (x / 255 − 0.5) / 0.5, channels first.
        bgr = cv2.resize(np.ascontiguousarray(crop[..., ::-1]), (input_width, _INPUT_HEIGHT),
                         interpolation=cv2.INTER_LINEAR)
        batch = ((bgr.astype(np.float32) / 127.5) - 1.0).transpose(2, 0, 1)[None]
        with self._lock:
            session = self._get_session()
            probabilities = session.run(None, {session.get_inputs()[0].name: batch})[0][0]
        return ctc_reading(probabilities, self._other_case)

    def _get_session(self):
        if self._session is None:
            session = cpu_session(recogniser_model_path(), self.threads)
            # The alphabet is stored in the model file; PaddleOCR appends a space class.
            alphabet = session.get_modelmeta().custom_metadata_map.get("character", "").splitlines()
            self._other_case = other_case_classes(alphabet)
            self._session = session
        return self._session


def other_case_classes(alphabet: list[str]) -> np.ndarray:
    """For each class of the recogniser's output (0 the CTC blank, then ``alphabet``, then
    PaddleOCR's appended space), the class of the same letter in the other case, or the
    class itself."""
    other = np.arange(len(alphabet) + 2)
    first_of: dict[str, int] = {}
    for index, character in enumerate(alphabet, start=1):
        twin = first_of.setdefault(character.casefold(), index)
        if twin != index:
            other[index], other[twin] = twin, index
    return other


def ctc_reading(probabilities: np.ndarray, other_case: Optional[np.ndarray] = None) -> Reading:
    """Greedy CTC decoding of ``T×classes`` probabilities (class 0 the blank): the best
    class per step, repeats merged, blanks dropped. A character's confidence counts its
    other case too (``other_case``, from :func:`other_case_classes`): the recogniser is
    often torn between "o" and "O" in a word it reads well ("cOpy", the O at 0.52)."""
    best = probabilities.argmax(axis=1)
    kept = np.flatnonzero((best != 0) & np.r_[True, best[1:] != best[:-1]])
    if kept.size == 0:
        return Reading(0, 0.0)
    classes = best[kept]
    confidence = probabilities[kept, classes]
    if other_case is not None and other_case.size == probabilities.shape[1]:
        twins = other_case[classes]
        confidence = confidence + np.where(twins != classes, probabilities[kept, twins], 0.0)
    return Reading(int(kept.size), float(np.clip(confidence, 0.0, 1.0).mean()))


def _both_ways(crop: np.ndarray):
    """The crop and the crop turned half a turn; nothing for a sliver too thin to read."""
    if min(crop.shape[:2]) >= 2:
        yield crop
        yield crop[::-1, ::-1]


def line_crop(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The rotated rectangle ``quad`` cut out of ``image`` and turned level, its long side
    horizontal (a vertical line is turned a quarter, as PaddleOCR does)."""
    corners = _clockwise_from_top_left(np.asarray(quad, np.float32))
    width = int(round(max(np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[2] - corners[3]))))
    height = int(round(max(np.linalg.norm(corners[3] - corners[0]), np.linalg.norm(corners[2] - corners[1]))))
    width, height = max(width, 1), max(height, 1)
    target = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    crop = cv2.warpPerspective(image, cv2.getPerspectiveTransform(corners, target), (width, height),
                               flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    return np.rot90(crop) if height >= 1.5 * width else crop


def _clockwise_from_top_left(quad: np.ndarray) -> np.ndarray:
    """The four corners ordered clockwise on screen (by their angle around the centre),
    starting at the top left one (the least x + y)."""
    offsets = quad - quad.mean(axis=0)
    ordered = quad[np.argsort(np.arctan2(offsets[:, 1], offsets[:, 0]))]
    return np.roll(ordered, -int(np.argmin(ordered.sum(axis=1))), axis=0).astype(np.float32)


@lru_cache(maxsize=None)
def get_text_reader() -> TextReader:
    """The shared reader (its ONNX session loads once per process)."""
    return TextReader()
