"""Click back end: any object from one click, with no learned weights.

GrabCut (Rother et al. 2004, ``cv2.grabCut``) needs a rectangle that contains the
object; a click gives only a point. We search for the rectangle: square windows of
growing size centred on the click, each run through GrabCut with

- the click (a small disc) as *sure foreground*, so the object under it is kept;
- a band around the window as *sure background*, so GrabCut learns the surroundings;
- the window itself as *probably foreground*, the usual rectangle initialisation.

A window whose result — the foreground component under the click — does not reach the
window's edge contains a whole object; of those, the one whose outline runs along the
strongest colour edges gives the answer (see :meth:`ClickSegmenter.object_at`), and its
edge is redrawn at the image's resolution (:mod:`.boundary`). A click on sky, grass or a
wall never gives a closed component of a plausible size (only the sure-foreground disc,
or a region lying along the frame), so "nothing here" falls out of the same test. An
object larger than a quarter of the photo (an apple that fills the frame) is answered only
when no window closed around anything smaller and it stays off the frame; ``remove`` then
refuses it unless the user asks (see :mod:`.pipeline`), and a page shows it and asks.
This search is our choice; the thesis uses PointRend (§5.3.2), which needs weights.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple, Optional, Sequence

import cv2
import numpy as np
from scipy import ndimage
from skimage.measure import perimeter

from .boundary import refine_boundary
from .fill import fill_holes
from .gradient import colour_gradient
from .instances import Click, Instance
from .photo_memory import PhotoMemory, photo_digest

# Windows as fractions of the image's short side, smallest first.
_WINDOW_FRACTIONS = (0.08, 0.14, 0.24, 0.4, 0.6, 0.85)
# Objects remembered per (image, click): a few prompts' worth, about 20 MB of 640×480 masks.
_REMEMBERED = 64


class Found(NamedTuple):
    """The object under a click: its ``mask``, and whether the search is ``sure`` of it
    (False: found only below every window's area floor, see :meth:`ClickSegmenter.object_at`)."""

    mask: np.ndarray
    sure: bool


@dataclass
class ClickSegmenter:
    """``ClickSegmenter()(image, clicks) -> list[Instance]`` with label ``"object"``,
    one instance per click that lands on a closed object (none for background).

    ``work_side``: GrabCut runs on a copy whose long side is at most this (speed);
    the mask is scaled back. ``grabcut_side``: each window (with its band) is further
    reduced to at most this long side for GrabCut itself, so every window costs about
    the same. ``iterations``: GrabCut iterations per window.
    ``border_tolerance``: share of a window's edge the object may touch and still count
    as inside it (thin background structures crossing the edge).
    ``min_area_fraction``: a component smaller than this share of the window is not an
    answer for that window — either GrabCut kept little more than the seed disc (the
    window lies inside a larger region whose colours the band also holds) or the object
    is too small for the window (a smaller window has already been tried). Only when no
    window holds more is such a component the answer, and not a sure one (see
    :meth:`object_at`).
    ``max_image_fraction``: a "closed" component larger than this share of the image
    ends the search (it has grown from the object into its surroundings).
    ``max_object_fraction``: such a large component is still the answer when no window
    closed around anything smaller (a fruit that fills the photo) and it stays below this
    share and off the frame: no more than ``max_large_frame_contact`` of its outline on
    the frame. Otherwise it is background (a lawn bounded by the frame, the wall above a
    fruit) and the click gets "nothing here".
    ``max_frame_contact``: likewise when more than this share of the component's outline
    runs along the image frame (sky, ceiling, floor).
    ``refine``: redraw the found object's edge at the image's resolution
    (:func:`.boundary.refine_boundary`): the windows' GrabCut works on coarse copies.
    ``agreement``: two successive windows that close around components overlapping by at
    least this IoU end the search: the object stands clear of its surroundings, and a
    larger window finds it again or grows into the background (on the labelled set no
    answer changed; see docs/REMOVAL.md).
    """

    work_side: int = 480
    grabcut_side: int = 128
    iterations: int = 3
    border_tolerance: float = 0.03
    min_area_fraction: float = 0.03
    max_image_fraction: float = 0.25
    max_object_fraction: float = 0.75
    max_large_frame_contact: float = 0.02
    max_frame_contact: float = 0.15
    refine: bool = True
    agreement: float = 0.9
    name: str = "click"
    searches_points = True  # takes ``search`` (see :mod:`.instances`)

    def __post_init__(self) -> None:
        self._found = PhotoMemory(_REMEMBERED)

    def __call__(self, image: np.ndarray, clicks: Sequence[Click],
                 search: Optional[Sequence[Click]] = None) -> list[Instance]:
        """``search``: the points to search objects for (default: all ``clicks``)."""
        height, width = image.shape[:2]
        scale = min(1.0, self.work_side / max(height, width))
        small = _resize(image, scale, cv2.INTER_AREA)
        # A page refines one prompt click by click and sends the whole prompt each time:
        # the object under an earlier click is remembered (per image content), not searched again.
        digest = photo_digest(small)
        points = [(int(x), int(y)) for x, y in (clicks if search is None else search)]
        # Each click's object is searched in a thread of its own: GrabCut releases the GIL,
        # so a correction's new add and exclude points are searched side by side.
        with ThreadPoolExecutor(max_workers=max(1, min(len(points), os.cpu_count() or 1))) as pool:
            found = list(pool.map(lambda point: self._remembered(image, small, digest, point), points))
        # Copies: a remembered mask must not change with the caller's.
        return [Instance(f.mask.copy(), "object", 1.0, f.sure, point)
                for point, f in zip(points, found) if f is not None]

    def _remembered(self, image: np.ndarray, small: np.ndarray, digest: bytes, click: Click) -> Optional[Found]:
        return self._found.get((digest, image.shape, click), lambda: self._object(image, small, click))

    def _object(self, image: np.ndarray, small: np.ndarray, click: Click) -> Optional[Found]:
        """The object under ``click`` (pixels of ``image``), found on ``small`` and its
        edge redrawn on ``image`` (:mod:`.boundary`), as an image-sized mask, or None."""
        # GrabCut starts its colour models by k-means on OpenCV's random generator, one per
        # thread: a fixed seed makes the object under a click the same whatever ran before.
        cv2.setRNGSeed(0)
        height, width = image.shape[:2]
        scale = small.shape[1] / width
        x, y = click
        point = (min(int(x * scale), small.shape[1] - 1), min(int(y * scale), small.shape[0] - 1))
        coarse = self.object_at(small, point)
        if coarse is None:
            return None
        full = _resize(coarse.mask.astype(np.uint8), 1 / scale, cv2.INTER_NEAREST, (width, height)) > 0
        if not self.refine:
            return Found(full, coarse.sure)
        refined = _component_at(refine_boundary(image, full), click)
        # The redrawn edge must still hold the click and most of the object.
        return Found(refined if np.count_nonzero(refined) >= 0.5 * np.count_nonzero(full) else full, coarse.sure)

    def object_at(self, image: np.ndarray, click: Click) -> Optional[Found]:
        """The closed object under ``click`` in ``image`` (its ``H×W`` bool mask and
        whether the search is sure of it), or None.

        Every window size is tried, smallest first; each window whose component closes
        around the click is a candidate, and the candidate whose outline runs along the
        strongest colour edges wins (a small window may close around a *part*, one stripe
        of a butterfly, a large one around the object and its neighbour, a plate with its
        barrier: both cut through the object's own colours somewhere). The search stops
        at the first component that looks like background (see :func:`_is_background`),
        so it cannot grow from the object into its surroundings, and when two successive
        windows agree (``agreement``). When no window closed
        around anything, the object may be larger than the squares (see
        :meth:`_large_object`), or smaller than ``min_area_fraction`` of every window that
        could tell it from its surroundings: a small shoulder beside a shirt of its colour
        is lost in the small windows, whose band holds that shirt, and is found by a larger
        one as a speck. Such a speck is the answer only then, and not a sure one
        (``Found.sure``): an add point on it marks a missed part instead (:mod:`.selection`).
        """
        short = min(image.shape[:2])
        closed: list[np.ndarray] = []
        small: list[np.ndarray] = []
        large: Optional[np.ndarray] = None
        centre = click
        previous: Optional[np.ndarray] = None  # the last window's component, when it closed
        for fraction in _WINDOW_FRACTIONS:
            side = max(8, int(round(fraction * short)))
            result = self._grabcut_window(image, click, side, centre)
            if result is None:
                previous = None
                continue
            component, touches_edge = result
            background = _is_background(component, self.max_image_fraction, self.max_frame_contact)
            if np.count_nonzero(component) < self.min_area_fraction * side * side:
                if not touches_edge and not background:
                    small.append(component)
                previous = None
                continue
            if background:
                if not closed and self._plausibly_large(component):
                    large = component
                    break
                return _found(image, closed, small)
            if touches_edge:
                previous = None
            else:
                closed.append(component)
                if previous is not None and _iou(previous, component) >= self.agreement:
                    return _found(image, closed, small)
                previous = component
            # The next, larger window is centred on what was found so far, not on the
            # click: a click near an object's edge would otherwise need a window twice
            # the object's size before one holds it.
            centre = _box_centre(component)
        if not closed:
            found = self._large_object(image, click, large)
            if found is not None:
                return Found(found, True)
        return _found(image, closed, small)

    def _large_object(self, image: np.ndarray, click: Click, found: Optional[np.ndarray]) -> Optional[np.ndarray]:
        """An object over ``max_image_fraction`` of the image under ``click``, or None.

        No square window closed around anything, or the largest grew into ``found`` (too
        large to be closed, yet off the frame). GrabCut once more in a window of the
        photo's own shape: a fruit across a landscape photo is wider than any square that
        fits its height, and a square's band would hold some of the fruit."""
        height, width = image.shape[:2]
        side = (round(_WINDOW_FRACTIONS[-1] * width), round(_WINDOW_FRACTIONS[-1] * height))
        result = self._grabcut_window(image, click, side, click if found is None else _box_centre(found))
        if (result is None or np.count_nonzero(result[0]) <= self.max_image_fraction * result[0].size
                or not self._plausibly_large(result[0])):
            return found
        return result[0]

    def _plausibly_large(self, component: np.ndarray) -> bool:
        """Whether a component over ``max_image_fraction`` of the image may be an object:
        at most ``max_object_fraction`` of it, and clear of the frame. A large region that
        reaches the frame at all is more often the background the click grew into (the
        wall above a fruit, with the fruit's lit half) than an object; the user can box it."""
        if np.count_nonzero(component) > self.max_object_fraction * component.size:
            return False
        outline, sides = _frame_contact(component)
        return sum(sides) <= self.max_large_frame_contact * outline

    def _grabcut_window(
        self, image: np.ndarray, click: Click, side, centre: Optional[Click] = None
    ) -> Optional[tuple[np.ndarray, bool]]:
        """GrabCut on a window of ``side`` pixels (a square, or ``(width, height)``) around
        ``centre`` (default: the click; the window is shifted so that it always holds the
        click) plus a background band.

        Returns (the foreground component under the click as an image-sized mask,
        whether it reaches the window edge), or None when it is no bigger than the seed.
        """
        height, width = image.shape[:2]
        side_x, side_y = (side, side) if np.isscalar(side) else side
        x, y = click
        cx, cy = centre or click
        # Keep the click (and its seed disc) inside the window.
        cx = int(np.clip(cx, x - side_x // 2 + side_x // 8, x + side_x // 2 - side_x // 8))
        cy = int(np.clip(cy, y - side_y // 2 + side_y // 8, y + side_y // 2 - side_y // 8))
        window = _clip_box(cx - side_x // 2, cy - side_y // 2, (side_x, side_y), width, height)
        band = max(4, min(side_x, side_y) // 4)
        outer = _clip_box(window[0] - band, window[1] - band, (side_x + 2 * band, side_y + 2 * band),
                          width, height, window)
        ox0, oy0, ox1, oy1 = outer
        wx0, wy0, wx1, wy1 = window
        if (ox1 - ox0) * (oy1 - oy0) - (wx1 - wx0) * (wy1 - wy0) < 16:
            return None  # the window is the whole image: no surroundings to learn from
        side = min(side_x, side_y)
        seed_radius = max(1, side // 40)
        fg = _grabcut(image[oy0:oy1, ox0:ox1], (wx0 - ox0, wy0 - oy0, wx1 - ox0, wy1 - oy0),
                      (x - ox0, y - oy0), seed_radius, self.iterations, self.grabcut_side)
        component = _component_at(fg, (x - ox0, y - oy0))
        if component.sum() < 4 * np.pi * seed_radius**2:
            return None  # GrabCut kept little more than the seed disc
        inner = component[wy0 - oy0:wy1 - oy0, wx0 - ox0:wx1 - ox0]
        edge = np.concatenate([inner[0], inner[-1], inner[:, 0], inner[:, -1]])
        # An image border is not a window edge: an object cut by the frame is still whole.
        edge_open = np.concatenate([
            [wy0 > 0] * inner.shape[1], [wy1 < height] * inner.shape[1],
            [wx0 > 0] * inner.shape[0], [wx1 < width] * inner.shape[0],
        ])
        touches = edge[edge_open].mean() > self.border_tolerance if edge_open.any() else False
        full = np.zeros((height, width), bool)
        full[oy0:oy1, ox0:ox1] = component
        return full, bool(touches)


def _grabcut(crop: np.ndarray, window: tuple[int, int, int, int], seed: Click, seed_radius: int,
             iterations: int, max_side: int) -> np.ndarray:
    """GrabCut on ``crop`` (uint8 RGB): outside ``window`` sure background, inside probably
    foreground, a disc at ``seed`` sure foreground. Runs on a copy whose long side is at
    most ``max_side`` (GrabCut's cost grows with the pixel count; a large window needs
    less detail) and returns the ``crop``-sized bool foreground."""
    height, width = crop.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    small = np.ascontiguousarray(_resize(crop, scale, cv2.INTER_AREA))
    sy, sx = small.shape[0] / height, small.shape[1] / width
    labels = np.full(small.shape[:2], cv2.GC_BGD, np.uint8)
    x0, y0, x1, y1 = window
    labels[int(y0 * sy):max(int(y0 * sy) + 1, round(y1 * sy)), int(x0 * sx):max(int(x0 * sx) + 1, round(x1 * sx))] = cv2.GC_PR_FGD
    seed_small = (min(int(seed[0] * sx), small.shape[1] - 1), min(int(seed[1] * sy), small.shape[0] - 1))
    cv2.circle(labels, seed_small, max(1, round(seed_radius * scale)), cv2.GC_FGD, -1)
    background, foreground = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.grabCut(small, labels, None, background, foreground, iterations, cv2.GC_INIT_WITH_MASK)
    fg = ((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)).astype(np.uint8)
    fg = _resize(fg, 1.0, cv2.INTER_NEAREST, (width, height)) > 0
    cv2.circle(fg.view(np.uint8), seed, seed_radius, 1, -1)  # the seed survives the resize
    return fg


def _is_background(component: np.ndarray, max_image_fraction: float, max_frame_contact: float) -> bool:
    """Whether a component looks like background: too large, or lying along the frame.

    Sky, a floor or a lawn runs along two or more sides of the frame; an object cut by
    the frame (a boat at the bottom edge, a sign at the top) lies along one side only, so
    one side counts only when it holds over 0.4 of the outline. The rest of the outline
    joins the ends of the frame's straight stretch, so that share is at most ½; over 0.4
    is a band more than four times as long as it is deep (a half-disc, a shoulder cut by
    the frame, holds 2 / (π + 2) = 0.39)."""
    if np.count_nonzero(component) > max_image_fraction * component.size:
        return True
    outline, sides = _frame_contact(component)
    on_frame = sum(sides)
    touched = sum(count > 0.02 * outline for count in sides)
    if touched >= 2:
        return on_frame > max_frame_contact * outline
    return on_frame > 0.4 * outline


def _frame_contact(component: np.ndarray) -> tuple[float, list[int]]:
    """(the length of the component's outline in pixels, the frame included, at least 1;
    how many of its pixels lie on each side of the frame: top, bottom, left, right).

    The outline is measured as a Euclidean length (``skimage.measure.perimeter``), not
    as a count of edge pixels: a count undercounts a curved or slanted outline by up to
    √2 against the straight frame, and a half-disc cut by the frame (a shoulder) would
    count as lying "mostly" on it."""
    sides = [np.count_nonzero(side) for side in (component[0], component[-1], component[:, 0], component[:, -1])]
    ys, xs = np.nonzero(component)
    if ys.size == 0:
        return 1.0, sides
    # Padded by a pixel of background, so that the frame is part of the outline.
    box = np.pad(component[ys.min():ys.max() + 1, xs.min():xs.max() + 1], 1)
    return max(1.0, float(perimeter(box))), sides


def _found(image: np.ndarray, closed: list[np.ndarray], small: list[np.ndarray]) -> Optional[Found]:
    """The best outlined of the components that closed around the click, or else (not
    sure) of those too small for their windows; None when there are none."""
    best = _best_outlined(image, closed or small)
    return None if best is None else Found(best, bool(closed))


def _best_outlined(image: np.ndarray, closed: list[np.ndarray]) -> Optional[np.ndarray]:
    """Of the components that closed around the click, the one whose outline runs along
    the strongest colour edges (None when there are none)."""
    if len(closed) <= 1:
        return closed[0] if closed else None
    # The gradient only where the candidates lie (the largest holds the others' area).
    ys, xs = np.nonzero(np.logical_or.reduce(closed))
    y0, y1 = max(0, ys.min() - 2), min(image.shape[0], ys.max() + 3)
    x0, x1 = max(0, xs.min() - 2), min(image.shape[1], xs.max() + 3)
    gradient = colour_gradient(image[y0:y1, x0:x1])
    return max(closed, key=lambda component: _outline_contrast(component[y0:y1, x0:x1], gradient))


def _outline_contrast(component: np.ndarray, gradient: np.ndarray) -> float:
    """The mean colour gradient on the component's outline (its inner edge pixels)."""
    outline = component & ~ndimage.binary_erosion(component)
    return float(gradient[outline].mean()) if outline.any() else 0.0


def _box_centre(mask: np.ndarray) -> Click:
    ys, xs = np.nonzero(mask)
    return int((xs.min() + xs.max()) // 2), int((ys.min() + ys.max()) // 2)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.count_nonzero(a | b)
    return np.count_nonzero(a & b) / union if union else 0.0


def refine_box(image: np.ndarray, box: tuple[int, int, int, int], iterations: int = 4) -> np.ndarray:
    """GrabCut initialised with a rectangle (``x0, y0, x1, y1``, pixels) → ``H×W`` bool mask.

    The classic rectangle initialisation of Rother et al. 2004: outside the box is sure
    background, inside probably foreground. Used to refine detector boxes to masks.
    Falls back to the filled box when GrabCut keeps nothing (a box on a flat region).
    """
    height, width = image.shape[:2]
    x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
    x1, y1 = min(width, int(np.ceil(box[2]))), min(height, int(np.ceil(box[3])))
    filled = np.zeros((height, width), bool)
    filled[y0:y1, x0:x1] = True
    if x1 - x0 < 4 or y1 - y0 < 4 or filled.all():
        return filled
    labels = np.where(filled, cv2.GC_PR_FGD, cv2.GC_BGD).astype(np.uint8)
    background, foreground = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.grabCut(np.ascontiguousarray(image), labels, None, background, foreground, iterations,
                cv2.GC_INIT_WITH_MASK)
    mask = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    return mask if mask.any() else filled


def _component_at(mask: np.ndarray, click: Click) -> np.ndarray:
    """The 8-connected component of ``mask`` under ``click``, holes filled."""
    x, y = click
    if not mask[y, x]:
        return np.zeros_like(mask, bool)
    _, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    return fill_holes(labels == labels[y, x])


def _clip_box(x0, y0, size, width, height, inside=None) -> tuple[int, int, int, int]:
    """A box of ``size`` = (width, height) at (x0, y0) shifted/clipped into the image →
    (x0, y0, x1, y1)."""
    if inside is not None:  # the band: clip, do not shift (it must surround ``inside``)
        return max(0, x0), max(0, y0), min(width, x0 + size[0]), min(height, y0 + size[1])
    side_x, side_y = min(size[0], width), min(size[1], height)
    x0 = int(np.clip(x0, 0, width - side_x))
    y0 = int(np.clip(y0, 0, height - side_y))
    return x0, y0, x0 + side_x, y0 + side_y


def _resize(array: np.ndarray, scale: float, interpolation: int, size=None) -> np.ndarray:
    """``cv2.resize`` by ``scale`` (or to ``size`` = (width, height)); identity at 1."""
    if size is None:
        if scale == 1.0:
            return array
        size = (max(1, round(array.shape[1] * scale)), max(1, round(array.shape[0] * scale)))
    if (array.shape[1], array.shape[0]) == tuple(size):
        return array
    return cv2.resize(array, size, interpolation=interpolation)
