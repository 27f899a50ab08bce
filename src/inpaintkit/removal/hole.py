"""From a selected object to the hole that is filled: a hole that leaves nothing behind.

A hole that misses the object's soft edge, its anti-aliased fringe or a sliver the
segmentation lost makes the fill copy those pixels inward: a ghost of the object
(Fig. 5.8 of the thesis). Two steps, both measured on the photo:

1. **Adaptive margin** (:func:`edge_margin`). The hole grows by a disc whose radius is
   the object's *edge softness* — how far outside the selection the gradient stays above
   the background's own (a blurred or furry edge is wide, a crisp one is 1 px) — plus a
   share of the object's size and the segmentation's resolution step.
2. **Rim check** (:func:`rim_leftovers`). The object's own colours are those of its
   colour clusters far from every background cluster (k-means in Lab) and rare in the
   background around it. Pixels in a band
   around the hole that are closer to such a colour than to the background are left-
   overs; the hole takes them in and the check runs again (at most ``ROUNDS`` times).

Outside the hole the result is the input's own pixels, so checking the band before the
fill is the same as checking the result after it, and costs no second fill.

A large object's hole is measured on a copy where the object is ``WORK_SIDE`` pixels
across (its equivalent side), then scaled back: every pass here costs in proportion to
the object's surroundings, and an object that large has a margin of tens of pixels,
which places its edge to well within the copy's pixel.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from .gradient import colour_gradient

ROUNDS = 3
# Lab distance (L, a, b in OpenCV's 0..255 scaling) between an object cluster and the
# nearest background cluster for the cluster to count as "the object's colour".
DISTINCT_COLOUR = 24.0
RARE_IN_BACKGROUND = 0.02
MAX_MARGIN = 48
# Pieces of photo shut in by the hole (and the frame) up to this share of the hole join it.
ISLAND_SHARE = 0.02
SOFTNESS_REACH = 24
# Objects wider than this (the square root of their area, pixels) are measured on a copy.
WORK_SIDE = 320


@dataclass
class Hole:
    """``mask``: the ``H×W`` bool hole; ``margin``: the dilation radius used (pixels);
    ``leftovers``: object-coloured pixels found at the rim in each round (the last is 0
    when the hole now leaves nothing behind), counted on the copy the hole was measured on."""

    mask: np.ndarray
    margin: int
    leftovers: list[int]


def hole_for(image: np.ndarray, selection: np.ndarray, min_margin: int = 1) -> Hole:
    """The hole for ``selection`` (``H×W`` bool) in ``image`` (uint8 RGB): grown by the
    adaptive margin, then by the rim check's leftovers. ``min_margin``: at least this
    radius (the caller's resolution step: a mask upscaled from a smaller copy is that many
    pixels uncertain)."""
    if not selection.any():
        return Hole(selection.copy(), 0, [])
    scale = min(1.0, WORK_SIDE / np.sqrt(np.count_nonzero(selection)))
    if scale == 1.0:
        return _measured_hole(image, selection, min_margin)
    height, width = selection.shape
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # Every pixel of the copy that holds some of the selection is selected: the hole may
    # grow by a pixel of the copy, never lose one.
    chosen = cv2.resize(selection.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
    small = _measured_hole(cv2.resize(image, size, interpolation=cv2.INTER_AREA), chosen,
                           max(1, int(np.ceil(min_margin * scale))))
    # Linear, then > ½: a smooth outline, not the copy's staircase; the selection itself
    # always lies in the hole.
    grown = cv2.resize(small.mask.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR) > 0.5
    return Hole(grown | selection, int(round(small.margin / scale)), small.leftovers)


def _measured_hole(image: np.ndarray, selection: np.ndarray, min_margin: int) -> Hole:
    """:func:`hole_for` on ``image`` as given (``selection`` not empty)."""
    # The softness looks 2·SOFTNESS_REACH px out; the rim check 3 bands past the margin.
    inner = _crop_box(selection, margin=2 * SOFTNESS_REACH + 2)
    margin = max(min_margin, edge_margin(image[inner], selection[inner]))
    band = max(3, margin)
    box = _crop_box(selection, margin=margin + 3 * band + 2)
    crop, chosen = image[box], selection[box]
    hole = _dilate_disc(chosen, margin)
    lab = cv2.cvtColor(crop, cv2.COLOR_RGB2LAB).astype(np.float32)
    palette = _palette(lab, chosen, hole, band)
    leftovers = []
    for _ in range(ROUNDS):
        extra = rim_leftovers(lab, hole, band, palette)
        leftovers.append(int(np.count_nonzero(extra)))
        if not extra.any():
            break
        hole |= _dilate_disc(extra, max(1, margin // 2 + 1))
    full = np.zeros(selection.shape, bool)
    full[box] = hole
    return Hole(_without_islands(_to_frame(full, margin)), margin, leftovers)


def _without_islands(hole: np.ndarray, max_share: float = ISLAND_SHARE) -> np.ndarray:
    """``hole`` with the small pieces of photo it encloses taken in: a gap between a
    person's coat flaps, a stretch of trousers the segmentation left out, shut in by the
    hole and the frame. Each is at most ``max_share`` of the hole: kept, it is the fill's
    nearest source and a stranded sliver the fill must match on every side."""
    # The frame counts as hole, so a piece shut in against the photo's edge is an island.
    padded = np.pad(hole, 1, constant_values=True)
    count, labels = cv2.connectedComponents((~padded).astype(np.uint8), connectivity=4)
    count -= 1  # label 0 is the hole
    if count == 0:
        return hole
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    small = sizes <= max_share * np.count_nonzero(hole)
    small[0] = False
    return hole | small[labels][1:-1, 1:-1]


def _to_frame(hole: np.ndarray, gap: int) -> np.ndarray:
    """``hole`` taken on to the photo's edge wherever it stops within ``gap`` pixels of
    it. A sliver that thin between the hole and the frame is within the margin's own
    uncertainty, most often the object's edge that the segmentation lost at the border
    (a coat cut by the frame); left there, it is the nearest source the fill copies
    inward, as a ghost of the object."""
    out = hole.copy()
    reach = np.arange(gap + 1)
    # Each view runs from one edge of the frame inward along its rows; writing to it
    # writes to ``out``.
    for view in (out, out[:, ::-1], out.T, out.T[:, ::-1]):
        near = view[:, :gap + 1]
        first = np.where(near.any(axis=1), near.argmax(axis=1), 0)
        near |= reach[None, :] < first[:, None]
    return out


def edge_margin(image: np.ndarray, selection: np.ndarray) -> int:
    """Dilation radius in pixels: the edge softness plus 1.5 % of the object's
    equivalent diameter (capped at ``MAX_MARGIN``)."""
    area = int(np.count_nonzero(selection))
    size_term = int(round(0.015 * np.sqrt(area)))
    return int(min(MAX_MARGIN, edge_softness(image, selection) + size_term))


def edge_softness(image: np.ndarray, selection: np.ndarray, reach: int = SOFTNESS_REACH) -> int:
    """How many pixels outside ``selection`` the image still changes as at an edge.

    The mean gradient magnitude on each ring at distance 1, 2, … ``reach`` outside the
    selection falls from the edge's peak to the background's level (its median over
    rings ``reach``…``2·reach``); the softness is the first ring below a quarter of the
    way from that level to the peak.
    """
    # Colour, not grey: a red beetle on green leaves can have the leaves' brightness.
    gradient = colour_gradient(image, blur=1)
    ring = np.ceil(_distance_from(selection)).astype(np.int32)
    outside = (ring >= 1) & (ring <= 2 * reach)
    sums = np.bincount(ring[outside], weights=gradient[outside], minlength=2 * reach + 1)
    counts = np.bincount(ring[outside], minlength=2 * reach + 1)
    profile = sums / np.maximum(counts, 1)
    level = float(np.median(profile[reach:2 * reach + 1][counts[reach:2 * reach + 1] > 0])) \
        if counts[reach:].any() else 0.0
    peak = float(profile[1:4].max())
    if peak <= level:
        return 1
    threshold = level + 0.25 * (peak - level)
    below = np.flatnonzero(profile[1:reach + 1] <= threshold)
    return int(below[0] + 1) if below.size else reach


def rim_leftovers(lab: np.ndarray, hole: np.ndarray, band: int, palette) -> np.ndarray:
    """``H×W`` bool: pixels in a ``band``-wide ring around ``hole`` whose colour is the
    object's own (``lab``: the image in Lab, float; ``palette``: from :func:`_palette`),
    in components touching the hole."""
    distinct, background_colours = palette
    distance = _distance_from(hole)
    ring = (distance > 0) & (distance <= band)
    if len(distinct) == 0 or not ring.any():
        return np.zeros_like(hole)  # the object looks like its surroundings: nothing to tell apart
    pixels = lab[ring]
    leftover = np.zeros_like(hole)
    # More the object than its surroundings.
    leftover[ring] = _nearest(distinct, pixels) < _nearest(background_colours, pixels)
    # Only what is attached to the hole is the object's rim; a red flower elsewhere in the
    # band's reach is not.
    labels, _ = ndimage.label(leftover | hole, structure=np.ones((3, 3)))
    attached = np.unique(labels[hole])
    # Every pixel counts: one pixel of the object already shows as a speck on the fill.
    return leftover & np.isin(labels, attached[attached > 0])


def _palette(lab: np.ndarray, selection: np.ndarray, hole: np.ndarray, band: int):
    """(the object's own colours, the background's colours), Lab ``K×3`` each: k-means of
    the selection's core and of a ring 2–3 bands outside the hole."""
    distance = _distance_from(hole)
    far = (distance > 2 * band) & (distance <= 3 * band)
    core = cv2.erode(selection.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    if not core.any():
        core = selection
    if not far.any():
        return np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32)
    background = _sample(lab[far])
    object_colours = _clusters(lab[core])
    background_colours = _clusters(background)
    return object_colours[_distinct(object_colours, background_colours, background)], background_colours


def _distinct(object_colours: np.ndarray, background_colours: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Which object colours are the object's own: far from every background cluster, and
    rare in the background itself (under ``RARE_IN_BACKGROUND`` of its pixels lie closer to
    that colour than to any background cluster; a noisy or varied background has clusters
    that miss colours it still holds)."""
    far_enough = _nearest(background_colours, object_colours) > DISTINCT_COLOUR
    to_background = _nearest(background_colours, background)
    rare = np.array([np.mean(_nearest(colour[None], background) < to_background) < RARE_IN_BACKGROUND
                     for colour in object_colours], bool)
    return far_enough & rare


def _sample(pixels: np.ndarray, size: int = 4000) -> np.ndarray:
    """At most ``size`` rows of ``pixels``, a fixed random choice (repeatable)."""
    if len(pixels) <= size:
        return pixels
    return pixels[np.random.default_rng(0).choice(len(pixels), size, replace=False)]


def _clusters(pixels: np.ndarray, k: int = 4, min_share: float = 0.05) -> np.ndarray:
    """k-means centres (Lab) of ``pixels`` (``N×3``), dropping clusters under ``min_share``."""
    pixels = _sample(pixels)
    k = min(k, len(pixels))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    cv2.setRNGSeed(0)
    _, labels, centres = cv2.kmeans(np.ascontiguousarray(pixels, np.float32), k, None, criteria, 2,
                                    cv2.KMEANS_PP_CENTERS)
    shares = np.bincount(labels.ravel(), minlength=k) / len(pixels)
    return centres[shares >= min_share]


def _nearest(centres: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """Distance from each pixel (``N×3``) to its nearest centre (``K×3``, K ≥ 1).

    One centre at a time over contiguous channels: no ``N×K×3`` temporary (the rim of a
    photo-sized hole holds 10⁵ pixels), and the same float32 sums in the same order."""
    channels = np.ascontiguousarray(pixels.T)
    nearest = None
    for centre in centres:
        squared = (channels[0] - centre[0]) ** 2 + (channels[1] - centre[1]) ** 2 + (channels[2] - centre[2]) ** 2
        nearest = squared if nearest is None else np.minimum(nearest, squared)
    return np.sqrt(nearest)


def _dilate_disc(mask: np.ndarray, radius: int) -> np.ndarray:
    """Dilation by a disc of ``radius`` pixels (a distance threshold: large radii cost the
    same as small ones, unlike a kernel)."""
    if radius <= 0:
        return mask.copy()
    return _distance_from(mask) <= radius


def _distance_from(mask: np.ndarray) -> np.ndarray:
    """Euclidean distance of every pixel to ``mask`` (0 on it)."""
    return cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 5)


def _crop_box(mask: np.ndarray, margin: int) -> tuple[slice, slice]:
    """The mask's bounding box grown by ``margin`` pixels, clipped to the image."""
    ys, xs = np.nonzero(mask)
    height, width = mask.shape
    return (slice(max(0, ys.min() - margin), min(height, ys.max() + 1 + margin)),
            slice(max(0, xs.min() - margin), min(width, xs.max() + 1 + margin)))
