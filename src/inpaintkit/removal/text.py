"""Text back end: the strokes of every text line in a photo, for removal in one step.

Four steps, none with weights of our own:

1. **Lines.** PaddleOCR's PP-OCRv4 DB text detector (Liao et al. 2020, "Real-time Scene
   Text Detection with Differentiable Binarization"), whose ONNX file ships inside the
   ``rapidocr-onnxruntime`` wheel; we run it with onnxruntime directly. DB predicts a
   "shrunk text" probability map; a line is a connected region above ``threshold`` whose
   mean probability passes ``box_threshold``, grown back by the DB "unclip" offset
   ``D = area · unclip_ratio / perimeter`` (§3.3 of the paper) into a rotated rectangle.
2. **Reading.** DB also finds petals, bokeh and boats; a line counts only if the wheel's
   recogniser reads it (:mod:`.text_reading`). Letters spaced far apart come as lines of
   one letter each, which never read as text alone: a row of them is read as one line;
   and a symbol beside a line read, on its row (a "©"), goes with it.
3. **Strokes.** A line's rectangle holds letters *and* the sign, caption bar or photo
   behind them, which must survive the fill. Inside each rectangle the pixels are
   clustered by colour (k-means in CIELAB); a cluster is text when it is common in the
   line's core (DB's shrunk region) and rare in the rectangle's rim away from every core
   (so a neighbouring line never counts as background). A ring around those strokes adds
   the colours no rim pixel explains (a caption's outline). The strokes, dilated by a
   few per cent of the line's height to take in the anti-aliased edge, are the mask.
4. **Second look.** The detector runs again on a quick fill of those strokes: what is
   left of the text beside them (a "©" split off, an outline's remnant) joins the mask,
   and nothing much taller than the text or away from its rows unless it reads as text.

Measured on signs, captions and watermarks in ``docs/TEXT_REMOVAL.md``.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, Optional

import cv2
import numpy as np

from ..errors import NothingToRemoveError
from .rapidocr_models import cpu_session, wheel_model_path
from .text_reading import TextReader, get_text_reader

NO_TEXT_MESSAGE = "no text found in the photo, so nothing was removed."


@dataclass
class TextLine:
    """One detected line: ``quad`` the 4×2 float32 corners (x, y) of its rotated rectangle
    in image pixels, ``score`` DB's mean probability inside it, in [0, 1]."""

    quad: np.ndarray
    score: float

    @property
    def height(self) -> float:
        """The rectangle's short side in pixels (the line's height, margins included)."""
        a, b, c = self.quad[0], self.quad[1], self.quad[2]
        return float(min(np.linalg.norm(a - b), np.linalg.norm(b - c)))


def detector_model_path() -> Path:
    """The DB detector's ONNX file inside the installed ``rapidocr_onnxruntime`` wheel."""
    return wheel_model_path("ch_PP-OCRv4_det_infer.onnx", "text detector")


class TextDetector:
    """``TextDetector()(image) -> (lines, core)``: ``image`` uint8 RGB ``H×W×3``; ``lines``
    a list of :class:`TextLine`; ``core`` the ``H×W`` bool map of DB's shrunk text regions.

    ``max_side``: the detector sees a copy whose long side is at most this (rounded to a
    multiple of 32, as the network needs). At 1024 a 1024×768 photo takes 0.11 s on 2
    idle cores and stayed under 1 s with the cores shared by other jobs; smaller inputs
    lose small lines (``benchmarks/text_detection_speed.py``).
    ``threshold``, ``box_threshold``, ``unclip_ratio``: DB's post-processing, PaddleOCR's
    defaults as rapidocr ships them. ``threads``: onnxruntime's intra-op threads.
    The session is created once and shared under a lock.
    """

    def __init__(self, max_side: int = 1024, threshold: float = 0.3, box_threshold: float = 0.5,
                 unclip_ratio: float = 1.6, min_side: int = 3, threads: int = 2) -> None:
        self.max_side, self.threshold, self.box_threshold = max_side, threshold, box_threshold
        self.unclip_ratio, self.min_side, self.threads = unclip_ratio, min_side, threads
        self._session = None
        self._lock = threading.Lock()

    def probability(self, image: np.ndarray) -> np.ndarray:
        """DB's text probability map at the network's input size (``h×w`` float32)."""
        height, width = image.shape[:2]
        scale = min(1.0, self.max_side / max(height, width))
        size = (max(32, int(round(width * scale / 32)) * 32), max(32, int(round(height * scale / 32)) * 32))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        # PaddleOCR's normalisation: (x / 255 − 0.5) / 0.5, channels first, RGB order.
        batch = ((small.astype(np.float32) / 127.5) - 1.0).transpose(2, 0, 1)[None]
        with self._lock:
            session = self._get_session()
            output = session.run(None, {session.get_inputs()[0].name: batch})[0]
        return output[0, 0]

    def __call__(self, image: np.ndarray) -> tuple[list[TextLine], np.ndarray]:
        height, width = image.shape[:2]
        prob = self.probability(image)
        sy, sx = height / prob.shape[0], width / prob.shape[1]
        bitmap = cv2.dilate((prob > self.threshold).astype(np.uint8), np.ones((2, 2), np.uint8))
        contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        lines = []
        for contour in contours:
            (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
            if min(w, h) < self.min_side:
                continue
            score = _mean_inside(prob, contour)
            if score < self.box_threshold:
                continue
            # DB's unclip: the shrunk region grown by D = A·r / L (paper §3.3), here on
            # the rotated rectangle, whose offset polygon is the rectangle grown by 2D.
            offset = w * h * self.unclip_ratio / (2 * (w + h))
            quad = cv2.boxPoints(((cx, cy), (w + 2 * offset, h + 2 * offset), angle))
            quad[:, 0] = np.clip(quad[:, 0] * sx, 0, width - 1)
            quad[:, 1] = np.clip(quad[:, 1] * sy, 0, height - 1)
            lines.append(TextLine(quad.astype(np.float32), score))
        core = cv2.resize(bitmap, (width, height), interpolation=cv2.INTER_NEAREST) > 0
        return lines, core

    def _get_session(self):
        if self._session is None:
            self._session = cpu_session(detector_model_path(), self.threads)
        return self._session


def _mean_inside(prob: np.ndarray, contour: np.ndarray) -> float:
    """Mean of ``prob`` inside ``contour`` (DB's "slow" box score, exact for any shape)."""
    x, y, w, h = cv2.boundingRect(contour)
    inside = np.zeros((h, w), np.uint8)
    cv2.fillPoly(inside, [contour - np.array([x, y])], 1)
    return float(prob[y:y + h, x:x + w][inside > 0].mean()) if inside.any() else 0.0


@lru_cache(maxsize=None)
def get_text_detector() -> TextDetector:
    """The shared detector (its ONNX session loads once per process, ~0.2 s)."""
    return TextDetector()


def stroke_mask(image: np.ndarray, lines: list[TextLine], core: np.ndarray, clusters: int = 3,
                grow: float = 0.05) -> np.ndarray:
    """``H×W`` bool: the strokes of the characters inside each line of ``lines``.

    ``image`` uint8 RGB; ``core`` the detector's shrunk text regions (``H×W`` bool).
    ``clusters``: k of the per-line colour k-means (3: text, background, and one for an
    outline, a shadow or a two-tone background). ``grow``: the dilation radius as a share
    of the line's height (at least 1 px): anti-aliased and JPEG-smeared stroke edges.
    """
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)
    # Background samples must not come from any line's core: a neighbouring line of a
    # multi-line sign would otherwise teach the text's own colour as "background".
    near_text = cv2.dilate(core.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    mask = np.zeros(image.shape[:2], bool)
    for line in lines:
        x0, y0 = np.floor(line.quad.min(axis=0)).astype(int)
        x1, y1 = np.ceil(line.quad.max(axis=0)).astype(int) + 1
        box = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(box, [np.round(line.quad - [x0, y0]).astype(np.int32)], 1)
        # The rectangle's rim is the line's surroundings (DB's unclip puts it outside the
        # letters); its pixels away from every core are the background samples. Not a
        # band outside the rectangle: that is where a sign's frame runs.
        rim = max(2, int(round(_RIM * line.height)))
        inner = cv2.erode(box, np.ones((2 * rim + 1, 2 * rim + 1), np.uint8),
                          borderType=cv2.BORDER_CONSTANT, borderValue=0)
        background = (box > inner) & ~near_text[y0:y1, x0:x1]
        radius = max(1, int(round(grow * line.height)))
        strokes = _line_strokes(lab[y0:y1, x0:x1], box > 0, core[y0:y1, x0:x1], background, clusters, radius)
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        mask[y0:y1, x0:x1] |= (cv2.dilate(strokes.astype(np.uint8), disc) > 0) & (box > 0)
    return mask


def _line_strokes(lab: np.ndarray, box: np.ndarray, core: np.ndarray, background: np.ndarray,
                  clusters: int, radius: int) -> np.ndarray:
    """Bool mask (the crop's size, inside ``box``) of the text pixels of one line.

    The box's pixels are clustered by colour. A cluster is text when its share of the
    core pixels is at least ``_TEXT_RATIO`` times its share of the ``background`` pixels;
    the most core-heavy cluster always counts (the detector saw text, so some colour is
    text), unless it is the background's most common colour. Then the ring of
    ``2·radius`` px around those strokes gets a second look, pixel by pixel (see
    :func:`_unexplained`): the letters' outline or drop shadow (white captions drawn with
    a dark edge) would otherwise be smeared back into the hole by the fill.
    """
    pixels = lab[box].astype(np.float32)
    core_in_box = core[box]
    if pixels.shape[0] < clusters or not core_in_box.any():
        return np.zeros(box.shape, bool)
    if np.count_nonzero(background) < 8:
        # Lines packed so tightly that other cores cover the rim: the rim itself it is.
        background = box & ~(cv2.erode(box.astype(np.uint8), np.ones((3, 3), np.uint8),
                                       borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5)
    # k-means seeds from OpenCV's global RNG: seeded, the same photo gives the same mask
    # (as a side effect, OpenCV calls after this one start from that state too).
    cv2.setRNGSeed(0)
    _, labels, _ = cv2.kmeans(pixels, clusters, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    labels = labels.ravel()
    image_labels = np.full(box.shape, -1, np.int32)
    image_labels[box] = labels
    core_share = np.bincount(labels[core_in_box], minlength=clusters) / max(1, np.count_nonzero(core_in_box))
    bg_labels = image_labels[background]
    bg_share = np.bincount(bg_labels, minlength=clusters) / max(1, bg_labels.size)
    ratio = core_share / (bg_share + 0.01)
    # The background's most common colour is never text, however much of the core it
    # holds: a small symbol ("©") leaves more background than ink inside its core.
    if bg_labels.size:
        ratio[np.argmax(bg_share)] = -1.0
    text = (ratio >= _TEXT_RATIO) & (core_share >= 0.02)
    text[np.argmax(ratio)] = True
    strokes = np.isin(image_labels, np.flatnonzero(text)) & box
    size = 4 * radius + 1
    near_strokes = cv2.dilate(strokes.astype(np.uint8), np.ones((size, size), np.uint8)) > 0
    ring = near_strokes & box & ~strokes
    # Ascenders and descenders reach into the rim: their outlines must not teach the
    # background model, so the second look samples the rim away from the strokes.
    clear = background & ~near_strokes
    if ring.any() and np.count_nonzero(clear) >= 8:
        strokes[ring] = _unexplained(lab[ring].astype(np.float32), lab[clear].astype(np.float32))
    return strokes


def _unexplained(colours: np.ndarray, background: np.ndarray, samples: int = 2000) -> np.ndarray:
    """Bool per row of ``colours`` (N×3 CIELAB): farther from every background colour than
    the background's own colours are from one another (their 99th nearest-neighbour
    distance, at least ``_MIN_COLOUR_DISTANCE``). A textured background explains its own
    dark and light spots; a black outline on it is explained by nothing."""
    from scipy.spatial import cKDTree

    if background.shape[0] > samples:
        background = background[np.random.default_rng(0).choice(background.shape[0], samples, replace=False)]
    tree = cKDTree(background)
    spread = np.percentile(tree.query(background, k=2)[0][:, 1], 99) if background.shape[0] > 2 else 0.0
    distance = tree.query(colours, k=1)[0]
    return distance > max(_MIN_COLOUR_DISTANCE, spread)


# The rim of a line's rectangle that samples its background, as a share of its height:
# DB's unclip (ratio 1.6) leaves about a fifth of the height on each side of the letters.
_RIM = 0.12

# In OpenCV's 8-bit CIELAB units (L scaled to 0–255): about 8 ΔE, a difference anyone sees.
_MIN_COLOUR_DISTANCE = 20.0

# A text colour is ~5× more common in the core than around it on the signs and captions
# we looked at; a background colour about as common in both (ratio ≈ 1).
_TEXT_RATIO = 3.0

# A leftover of the removed text (a "©", an outline's remnant) is about its height; the
# second look takes a taller line only if it reads as text.
_LEFTOVER_HEIGHT_RATIO = 1.5

# Letter-spaced words: the detector outlines each letter, a box about as wide as high
# (a "W" with its margins is under twice its height); six spaces between letters leave a
# gap of about 1.5 letter heights.
_LETTER_ASPECT = 2.0
_ROW_HEIGHT_RATIO = 1.5
_ROW_GAP = 2.5


class FoundText(NamedTuple):
    """The strokes of the text in a photo (``mask``, ``H×W`` bool) and the lines they lie
    in (both looks'), whose rectangles are the text's surroundings."""

    mask: np.ndarray
    lines: list[TextLine]


def text_mask(image: np.ndarray, detector: Optional[TextDetector] = None,
              reader: Optional[TextReader] = None) -> np.ndarray:
    """``H×W`` bool mask of the strokes of all text in ``image`` (uint8 RGB ``H×W×3``):
    :func:`find_text`'s mask."""
    return find_text(image, detector, reader).mask


def find_text(image: np.ndarray, detector: Optional[TextDetector] = None,
              reader: Optional[TextReader] = None) -> FoundText:
    """The strokes of all text in ``image`` (uint8 RGB ``H×W×3``) and their lines.

    Two looks: the lines the detector finds that the recogniser reads as text
    (:func:`read_lines`), then, on a quick classical fill of their strokes (OpenCV's
    Telea), the text left beside them (see :func:`leftover_lines`) — so the mask shown
    before a removal is the mask the removal fills.
    Raises :class:`~inpaintkit.errors.NothingToRemoveError` ("no text found …") when no
    line reads as text.
    """
    detector = detector or get_text_detector()
    reader = reader or get_text_reader()
    lines, core = detector(image)
    lines = read_lines(image, lines, reader)
    mask = stroke_mask(image, lines, core) if lines else np.zeros(image.shape[:2], bool)
    if not mask.any():
        raise NothingToRemoveError(NO_TEXT_MESSAGE)
    quick_fill = cv2.inpaint(np.ascontiguousarray(image), mask.astype(np.uint8), 3, cv2.INPAINT_TELEA)
    leftovers, leftover_core = leftover_lines(quick_fill, mask, lines, detector, reader)
    if leftovers:
        mask = mask | stroke_mask(quick_fill, leftovers, leftover_core)
    return FoundText(mask, lines + leftovers)


def surroundings(shape: tuple[int, int], lines: list[TextLine], reach: float = 1.0) -> np.ndarray:
    """``H×W`` bool: the lines' rectangles, each grown by ``reach`` times its height — the
    sign, caption bar or patch of photo the text was written on, which its strokes are
    filled from (a sign's letters from the sign, not the paving beyond its frame)."""
    region = np.zeros(shape, np.uint8)
    for line in lines:
        cv2.fillPoly(region, [np.round(_widened(line.quad, reach * line.height)).astype(np.int32)], 1)
    return region > 0


def read_lines(image: np.ndarray, lines: list[TextLine], reader: TextReader) -> list[TextLine]:
    """The lines that read as text; for each row of unread lines of about one letter's
    size (letter-spaced words: "H O T E L"), that row as one line when it reads as text;
    and the unread lines that sit beside a line read, on its row, no taller than
    ``_LEFTOVER_HEIGHT_RATIO`` times it (a "©" before a watermark, which reads as one
    character), grown as :func:`leftover_lines` grows a lone symbol."""
    read, unread = [], []
    for line in lines:
        (read if reader.is_text(image, line.quad) else unread).append(line)
    for row in _rows_of_letters(unread):
        quad = cv2.boxPoints(cv2.minAreaRect(np.concatenate([line.quad for line in row]))).astype(np.float32)
        if reader.is_text(image, quad):
            read.append(TextLine(quad, min(line.score for line in row)))
    if not read:
        return read
    tallest = max(line.height for line in read)
    symbols = [_symbol(line) for line in unread
               if line.height <= _LEFTOVER_HEIGHT_RATIO * tallest and _on_a_row(line, read)]
    return read + symbols


def _symbol(line: TextLine) -> TextLine:
    """A lone symbol's line grown by half its height on every side: DB draws a small
    region's rectangle too tight (its unclip offset scales with the region's size), and
    the stroke clustering needs the rim clear of ink."""
    return TextLine(_widened(line.quad, 0.5 * line.height), line.score)


def _rows_of_letters(lines: list[TextLine]) -> list[list[TextLine]]:
    """Groups of two or more lines, each about as wide as it is high, side by side on one
    baseline: centres within half a height of each other vertically, heights within
    ``_ROW_HEIGHT_RATIO``, gaps under ``_ROW_GAP`` heights."""
    letters = sorted((line for line in lines if _box(line)[2] - _box(line)[0] <= _LETTER_ASPECT * line.height),
                     key=lambda line: _box(line)[0])
    rows: list[list[TextLine]] = []
    for line in letters:
        x0, y0, _, y1 = _box(line)
        for row in rows:
            last = row[-1]
            _, ly0, lx1, ly1 = _box(last)
            if (abs((y0 + y1) - (ly0 + ly1)) / 2 <= 0.5 * last.height
                    and max(line.height, last.height) <= _ROW_HEIGHT_RATIO * min(line.height, last.height)
                    and x0 - lx1 <= _ROW_GAP * last.height):
                row.append(line)
                break
        else:
            rows.append([line])
    return [row for row in rows if len(row) >= 2]


def _box(line: TextLine) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1): the line's axis-aligned bounds."""
    (x0, y0), (x1, y1) = line.quad.min(axis=0), line.quad.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def leftover_lines(filled: np.ndarray, removed: np.ndarray, removed_lines: list[TextLine],
                   detector: TextDetector, reader: TextReader) -> tuple[list[TextLine], np.ndarray]:
    """The lines of text still visible in ``filled`` (a photo whose ``removed`` mask was
    filled) near that mask, and the detector's core map of ``filled``: a "©" the detector
    took for a separate symbol beside its watermark, the dark outline of a white caption
    that the first look's colour clusters missed. Lines elsewhere are ignored: a second
    look must not start removing things the first one judged not to be text.

    A leftover is a line within two heights of the mask (the smaller of its own and the
    tallest of ``removed_lines``, those whose strokes were removed) that is no more than
    ``_LEFTOVER_HEIGHT_RATIO`` times as tall and lies on the removed strokes or beside a
    removed line, on its row; any other line only if ``reader`` reads it as text. No
    lines when nothing is left over.
    """
    lines, core = detector(filled)
    tallest = max(line.height for line in removed_lines)
    near = []
    for line in lines:
        if not lies_near(line, removed, min(line.height, tallest)):
            continue
        on_strokes = _share_covered(line, removed) >= 0.05
        if not ((line.height <= _LEFTOVER_HEIGHT_RATIO * tallest and (on_strokes or _on_a_row(line, removed_lines)))
                or reader.is_text(filled, line.quad)):
            continue
        # A lone symbol beside the removed text is grown (:func:`_symbol`); not a line on
        # the removed strokes (a remnant such as a caption's outline): grown, it would
        # reach a sign's frame.
        near.append(line if on_strokes else _symbol(line))
    height, width = removed.shape
    for line in near:
        line.quad[:, 0] = np.clip(line.quad[:, 0], 0, width - 1)
        line.quad[:, 1] = np.clip(line.quad[:, 1], 0, height - 1)
    return near, core


def _on_a_row(line: TextLine, rows: list[TextLine]) -> bool:
    """Whether ``line`` sits beside one of ``rows``, on its baseline: centres within half
    that line's height vertically, the gap between them under two of its heights (a "©"
    before a watermark; not a patch of cloud under a caption)."""
    x0, y0, x1, y1 = _box(line)
    for row in rows:
        rx0, ry0, rx1, ry1 = _box(row)
        if abs((y0 + y1) - (ry0 + ry1)) / 2 <= 0.5 * row.height and max(x0 - rx1, rx0 - x1) <= 2 * row.height:
            return True
    return False


def _share_covered(line: TextLine, mask: np.ndarray) -> float:
    """The share of the line's rectangle that ``mask`` covers."""
    inside = np.zeros(mask.shape, np.uint8)
    cv2.fillPoly(inside, [np.round(line.quad).astype(np.int32)], 1)
    area = np.count_nonzero(inside)
    return np.count_nonzero(mask & (inside > 0)) / area if area else 0.0


def _widened(quad: np.ndarray, margin: float) -> np.ndarray:
    """The rotated rectangle ``quad`` (4×2) grown by ``margin`` px on every side."""
    (cx, cy), (w, h), angle = cv2.minAreaRect(quad.astype(np.float32))
    return cv2.boxPoints(((cx, cy), (w + 2 * margin, h + 2 * margin), angle)).astype(np.float32)


def lies_near(line: TextLine, mask: np.ndarray, height: Optional[float] = None) -> bool:
    """Whether ``mask`` has a pixel within two line heights (the line's own, or ``height``)
    of the line's rectangle (its axis-aligned bounds, grown): a word space and the
    rectangles' margins fit in that."""
    reach = 2 * (line.height if height is None else height)
    x0, y0 = np.floor(line.quad.min(axis=0) - reach).astype(int)
    x1, y1 = np.ceil(line.quad.max(axis=0) + reach).astype(int) + 1
    return bool(mask[max(0, y0):max(0, y1), max(0, x0):max(0, x1)].any())
