"""Hole masks: DeepFill v2 free-form strokes, boxes, centre squares, seeded evaluation sets.

Every mask is an ``H×W`` ``uint8`` array with values {0, 1}, 1 = hole (SYSTEM.md).
Randomness comes only from the ``numpy.random.Generator`` passed in (never the global
RNG) and drawing uses OpenCV's integer-coordinate rasteriser, so a seed gives the same masks
on every run and machine.

Training masks follow DeepFill v2 (Yu et al. 2019, generative_inpainting ``inpaint_ops.py``:
``brush_stroke_mask``, ``random_bbox``/``bbox2mask``), as the thesis does (§3.3: "center
square mask plus random free-form masks for each training sample"). Evaluation masks are
binned by hole ratio 0–10 % … 50–60 %, optionally with a hole-free border, like the
partial-convolution test set (Liu et al. 2018) used in §2.3.5 and Table 4.2.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

#: Hole-ratio bins of the partial-convolution mask set (thesis §2.3.5): [low, high).
HOLE_RATIO_BUCKETS: list[tuple[float, float]] = [
    (0.0, 0.1), (0.1, 0.2), (0.2, 0.3), (0.3, 0.4), (0.4, 0.5), (0.5, 0.6),
]

# brush_stroke_mask's constants (for 256×256 training images).
_VERTICES = (4, 12)               # np.random.randint(4, 12): 4–11 vertices per stroke
_STROKES = (1, 4)                 # np.random.randint(1, 4): 1–3 strokes per mask
_MEAN_ANGLE = 2 * math.pi / 5
_ANGLE_RANGE = 2 * math.pi / 15
_BRUSH_WIDTH = (12.0, 40.0)
_REFERENCE_DIAGONAL = math.hypot(256, 256)
# random_bbox / bbox2mask: a 128×128 box in 256×256, each side shrunk by randint(0, 16).
_BOX_FRACTION = 128 / 256
_BOX_SHRINK_FRACTION = 16 / 256


def hole_ratio(mask: np.ndarray) -> float:
    """Fraction of hole pixels of a mask (non-zero = hole), in [0, 1]."""
    return float(np.count_nonzero(mask)) / mask.size


def _stroke_vertices(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """One stroke's polyline, ``N×2`` int32 (x, y), as brush_stroke_mask draws it.

    Angles alternate between ``U(min, max)`` and ``2π − U(min, max)`` so strokes zig-zag;
    step lengths are ``clip(N(avg, avg // 2), 0, 2·avg)`` with ``avg = √(H²+W²)/8``.
    The original takes ``h, w = mask.size`` (PIL's (width, height)), swapping the axes for
    non-square images; we keep x in the width and y in the height.
    """
    average_radius = math.hypot(height, width) / 8
    count = int(rng.integers(*_VERTICES))
    angle_min = _MEAN_ANGLE - rng.uniform(0, _ANGLE_RANGE)
    angle_max = _MEAN_ANGLE + rng.uniform(0, _ANGLE_RANGE)
    angles = [rng.uniform(angle_min, angle_max) for _ in range(count)]
    angles = [2 * math.pi - a if i % 2 == 0 else a for i, a in enumerate(angles)]
    x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
    vertices = [(x, y)]
    for angle in angles:
        # ``average_radius // 2`` (floor) is the original's scale, kept on purpose.
        step = np.clip(rng.normal(average_radius, average_radius // 2), 0, 2 * average_radius)
        x = int(np.clip(x + step * math.cos(angle), 0, width))
        y = int(np.clip(y + step * math.sin(angle), 0, height))
        vertices.append((x, y))
    return np.asarray(vertices, dtype=np.int32)


def _draw_stroke(mask: np.ndarray, rng: np.random.Generator, scale_widths: bool) -> None:
    """Draw one brush stroke into ``mask`` in place: polyline plus a filled circle at
    every vertex (round joints), brush width ``int(U(12, 40))``."""
    height, width = mask.shape
    vertices = _stroke_vertices(height, width, rng)
    brush = rng.uniform(*_BRUSH_WIDTH)
    if scale_widths:
        brush *= math.hypot(height, width) / _REFERENCE_DIAGONAL
    brush = max(1, int(brush))
    cv2.polylines(mask, [vertices], isClosed=False, color=1, thickness=brush, lineType=cv2.LINE_8)
    for x, y in vertices:
        cv2.circle(mask, (int(x), int(y)), brush // 2, color=1, thickness=-1, lineType=cv2.LINE_8)


def free_form_mask(
    height: int, width: int, rng: np.random.Generator, scale_widths: bool = True
) -> np.ndarray:
    """DeepFill v2 free-form mask: 1–3 zig-zag brush strokes, ``H×W`` uint8 {0, 1}.

    The original's brush width is 12–40 px whatever the image size (it trains at 256²).
    With ``scale_widths`` (default) the width is scaled by the diagonal relative to 256²,
    like the step length already is, so a mask at any size looks like a resized 256² one
    and has the same hole-ratio statistics; at 256² both are identical. The original's
    random flips are a no-op (their result is discarded) and are left out.
    """
    mask = np.zeros((height, width), dtype=np.uint8)
    for _ in range(int(rng.integers(*_STROKES))):
        _draw_stroke(mask, rng, scale_widths)
    return mask


def box_mask(
    height: int,
    width: int,
    rng: np.random.Generator,
    box_fraction: float = _BOX_FRACTION,
    shrink_fraction: float = _BOX_SHRINK_FRACTION,
) -> np.ndarray:
    """DeepFill's random box: a ``H/2 × W/2`` box at a uniform position, each side pair
    shrunk symmetrically by ``randint(0, 16)`` px (at 256², scaled to the size).

    Returns ``H×W`` uint8 {0, 1}.
    """
    box_h, box_w = max(1, round(height * box_fraction)), max(1, round(width * box_fraction))
    top = int(rng.integers(0, height - box_h + 1))
    left = int(rng.integers(0, width - box_w + 1))
    shrink_h = int(rng.integers(0, round(height * shrink_fraction) + 1))
    shrink_w = int(rng.integers(0, round(width * shrink_fraction) + 1))
    mask = np.zeros((height, width), dtype=np.uint8)
    mask[top + shrink_h : top + box_h - shrink_h, left + shrink_w : left + box_w - shrink_w] = 1
    return mask


def training_mask(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """DeepFill v2's training mask: the *union* of a free-form mask and a random box,
    every time (``logical_or(irregular_mask, regular_mask)`` in its ``build_graph``;
    thesis §3.3 "square mask plus random free-form masks for each training sample")."""
    return free_form_mask(height, width, rng) | box_mask(height, width, rng)


def mixed_training_mask(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Half the time DeepFill v2's box ∪ strokes (:func:`training_mask`), half the time the
    strokes alone (:func:`free_form_mask`).

    Why: the box alone covers 14–25 % of the image (median 19 %), so only 3 % of DeepFill's
    masks fall under 20 % and 0.04 % under 15 % (5000 sampled at 256²), while a user's
    brush, and the free-form benchmark buckets, are mostly 10–30 % strokes. The strokes alone have a median hole
    ratio of 15 % at 256²; the mix keeps the large box holes that object removal needs.
    """
    if rng.random() < 0.5:
        return free_form_mask(height, width, rng)
    return training_mask(height, width, rng)


#: The masks a training recipe may ask for (``data.masks``).
TRAINING_MASKS = {"deepfill": training_mask, "strokes": free_form_mask, "mixed": mixed_training_mask}


def center_square_mask(height: int, width: int, hole_ratio: float) -> np.ndarray:
    """A centred square hole covering ``hole_ratio`` of the image (side rounded to whole
    pixels, at most ``min(H, W)``), as in the hole-ratio sweep of Fig. 3.7."""
    if not 0.0 <= hole_ratio <= 1.0:
        raise ValueError(f"hole_ratio must lie in [0, 1], got {hole_ratio}")
    side = min(height, width, round(math.sqrt(hole_ratio * height * width)))
    top, left = (height - side) // 2, (width - side) // 2
    mask = np.zeros((height, width), dtype=np.uint8)
    mask[top : top + side, left : left + side] = 1
    return mask


def bucket_mask(
    height: int,
    width: int,
    low: float,
    high: float,
    rng: np.random.Generator,
    margin: int = 0,
    max_restarts: int = 200,
) -> np.ndarray:
    """A free-form mask whose hole ratio lies in ``[low, high)`` (and is never empty).

    Brush strokes (one at a time, DeepFill v2's stroke parameters) are added while the ratio
    stays below ``high``; a stroke that would overshoot is discarded and another drawn;
    after 20 discards in a row the mask is started again. ``margin`` px along every border
    are kept hole-free (the partial-convolution set uses 50 px at 512²); strokes are cut
    there, so the ratio is that of the whole image. Returns ``H×W`` uint8 {0, 1}.
    """
    if not 0.0 <= low < high <= 1.0:
        raise ValueError(f"need 0 <= low < high <= 1, got [{low}, {high})")
    inner = max(0, height - 2 * margin) * max(0, width - 2 * margin) / (height * width)
    if inner <= low:
        raise ValueError(f"a {margin}px margin leaves {inner:.0%} of a {height}×{width} image, "
                         f"less than the {low:.0%} hole ratio asked for")
    for _ in range(max_restarts):
        mask = _grow_strokes(height, width, low, high, rng, margin)
        if mask is not None:
            return mask
    raise RuntimeError(f"no {height}×{width} stroke mask with hole ratio in [{low}, {high}) "
                       f"after {max_restarts} restarts")


def _grow_strokes(
    height: int, width: int, low: float, high: float, rng: np.random.Generator, margin: int
) -> np.ndarray | None:
    """Add strokes until the ratio reaches ``[low, high)``; ``None`` after 20 misses."""
    mask = np.zeros((height, width), dtype=np.uint8)
    misses = 0
    while misses < 20:
        candidate = mask.copy()
        _draw_stroke(candidate, rng, scale_widths=True)
        _clear_margin(candidate, margin)
        ratio = hole_ratio(candidate)
        if ratio >= high or ratio == hole_ratio(mask):
            misses += 1
            continue
        mask = candidate
        if ratio >= low:
            return mask
    return None


def _clear_margin(mask: np.ndarray, margin: int) -> None:
    """Zero a ``margin``-px border of ``mask`` in place."""
    if margin > 0:
        mask[:margin] = 0
        mask[-margin:] = 0
        mask[:, :margin] = 0
        mask[:, -margin:] = 0


def evaluation_mask_set(
    count: int, height: int, width: int, low: float, high: float, seed: int, margin: int = 0
) -> list[np.ndarray]:
    """``count`` free-form masks with hole ratios in ``[low, high)``, identical for a seed
    across runs and machines (numpy's PCG64 generator, integer OpenCV drawing).

    Each mask is ``H×W`` uint8 {0, 1}; ``margin`` px borders are hole-free.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    return [bucket_mask(height, width, low, high, rng, margin=margin) for _ in range(count)]
