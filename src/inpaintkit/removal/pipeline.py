"""One-click object removal: thesis §5.3, Algorithm 1, with the guidance of §5.4.

``click → instance segmentation S → the instance under the click (else "nothing here")
→ dilation (5×5) → inpaint``, optionally with a guidance map built from the *other*
instances so the fill copies background only.

Choices the thesis leaves open, made here:

- Segmentation runs on a copy whose long side is at most ``SEGMENT_SIDE`` (640 px, the
  640×480 of the thesis' PB-101 photos); masks are scaled back (linear, then > ½) before
  the dilation, which runs at full resolution with the user's kernel size.
- Several clicks remove the union of the instances under them; one click on nothing makes
  the whole request fail with "nothing to remove" (a partial removal would surprise).
- Images above ``MAX_PIXELS`` (50 MP) are refused before any work; images smaller than
  ``MIN_SIDE`` on a side cannot hold a removable object and are refused too.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Optional, Sequence, Union

import cv2
import numpy as np
from PIL import Image

from ..errors import InputImageError, NothingToRemoveError, UserError
from .guidance import auto_guidance
from .instances import Click, Instance, SegmentationBackend, instance_at

MAX_PIXELS = 50_000_000
MIN_SIDE = 16
SEGMENT_SIDE = 640
DEFAULT_DILATION = 5
# The largest dilation kernel: 100 px already grows a hole by 50 px on every side; a
# kernel of tens of thousands costs gigabytes and swallows any photo.
MAX_DILATION = 100
BACKENDS = ("auto", "people", "click")

GuidanceArg = Union[str, None, np.ndarray, Image.Image, Path]


class AutoSegmenter:
    """The default back end: the person under a click if there is one, else the object
    the click back end grows from it. Returns all people (for guidance maps) plus the
    objects found for clicks that hit no person."""

    name = "auto"

    def __init__(self, people: SegmentationBackend, click: SegmentationBackend) -> None:
        self.people, self.click = people, click

    def __call__(self, image: np.ndarray, clicks: Sequence[Click]) -> list[Instance]:
        people = self.people(image, clicks)
        missed = [click for click in clicks if instance_at(people, click) is None]
        return people + (self.click(image, missed) if missed else [])


@lru_cache(maxsize=None)
def get_backend(name: str) -> SegmentationBackend:
    """A shared back end by name: ``auto``, ``people`` or ``click`` (``boxes`` needs a
    detector: pass ``BoxSegmenter(detector)`` as ``backend`` instead)."""
    from .click_segmentation import ClickSegmenter
    from .people import PeopleSegmenter

    if name == "people":
        return PeopleSegmenter()
    if name == "click":
        return ClickSegmenter()
    if name == "auto":
        return AutoSegmenter(get_backend("people"), get_backend("click"))
    if name == "boxes":
        raise UserError("the boxes back end needs a detector: pass backend=BoxSegmenter(detector).")
    raise UserError(f"unknown segmentation back end {name!r}; choose one of {', '.join(BACKENDS)}.")


@dataclass
class Removal:
    """Everything one removal produced: ``image`` (uint8 RGB ``H×W×3``), the dilated hole
    ``mask`` and the ``guidance`` map used (``H×W`` bool or None), the ``targets`` under the
    clicks and the ``others`` found, and the seconds spent per stage in ``timings``."""

    image: np.ndarray
    mask: np.ndarray
    guidance: Optional[np.ndarray]
    targets: list[Instance]
    others: list[Instance]
    timings: dict[str, float] = field(default_factory=dict)


def segment(image, clicks: Sequence[Sequence[float]], backend: Union[str, SegmentationBackend] = "auto",
            dilation: int = DEFAULT_DILATION) -> np.ndarray:
    """``H×W`` bool mask to remove: the union of the instances under ``clicks``, dilated.

    ``image``: uint8 RGB ``H×W×3`` array or PIL image. ``clicks``: (x, y) pixel positions.
    ``dilation``: side of the square dilation kernel in pixels (5 as in §5.3.3; 0 or 1 = none).
    Raises ``NothingToRemoveError`` when a click hits nothing, ``UserError`` for a click
    outside the image, ``InputImageError`` for images too small or too large.
    """
    rgb = _prepare_image(image)
    points = _validate_clicks(clicks, rgb.shape[:2])
    targets, _ = _segment(rgb, points, _resolve_backend(backend))
    return dilate(_union(targets, rgb.shape[:2]), dilation)


def remove(image, click: Optional[Sequence[float]] = None, clicks: Optional[Sequence[Sequence[float]]] = None, *,
           backend: Union[str, SegmentationBackend] = "auto", dilation: int = DEFAULT_DILATION,
           guidance: GuidanceArg = "auto", model: Union[str, Path, Callable] = "pyramid",
           detail: str = "synthesis", return_mask: bool = False):
    """Remove the object(s) under the click(s) and fill the hole (Algorithm 1).

    ``image``: uint8 RGB ``H×W×3`` array or PIL image; the result has the same type and
    size, and every pixel outside the dilated mask is the input's own.
    ``click`` / ``clicks``: one (x, y) and/or a list of them.
    ``guidance``: ``"auto"`` (the other instances, §5.4.3), ``None``/``"none"``, or a map
    (``H×W`` array, PIL image or path; white = do not copy from here).
    ``model``: a model name or safetensors path for :func:`inpaintkit.inference.load_model`,
    or any callable ``(image, mask, guidance=None) -> image`` (e.g. an ``Inpainter``).
    ``detail``: ``"synthesis"`` (the photo's own detail copied into the hole) or ``"none"``
    (the network's fill alone); ignored when ``model`` is a callable.
    Returns the image, or ``(image, mask)`` with ``return_mask=True``.
    """
    points = ([] if click is None else [click]) + list(clicks or [])
    result = remove_detailed(image, points, backend=backend, dilation=dilation, guidance=guidance, model=model,
                             detail=detail)
    out = Image.fromarray(result.image) if isinstance(image, Image.Image) else result.image
    return (out, result.mask) if return_mask else out


def remove_detailed(image, clicks: Sequence[Sequence[float]], *,
                    backend: Union[str, SegmentationBackend] = "auto", dilation: int = DEFAULT_DILATION,
                    guidance: GuidanceArg = "auto", model: Union[str, Path, Callable] = "pyramid",
                    detail: str = "synthesis") -> Removal:
    """:func:`remove` returning a :class:`Removal` with the mask, guidance and timings."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    rgb = _prepare_image(image)
    points = _validate_clicks(clicks, rgb.shape[:2])
    guidance_map = _user_guidance(guidance, rgb.shape[:2])  # a bad path fails before the work
    inpainter = _inpainter(model, detail)
    timings["load"] = time.perf_counter() - start

    start = time.perf_counter()
    targets, others = _segment(rgb, points, _resolve_backend(backend))
    timings["segmentation"] = time.perf_counter() - start

    start = time.perf_counter()
    mask = dilate(_union(targets, rgb.shape[:2]), dilation)
    if isinstance(guidance, str) and guidance == "auto":
        guidance_map = auto_guidance(rgb, mask, others)
    elif guidance_map is not None:
        guidance_map = guidance_map & ~mask
    if guidance_map is not None and not guidance_map.any():
        guidance_map = None
    timings["mask"] = time.perf_counter() - start

    start = time.perf_counter()
    filled = np.asarray(inpainter(rgb, mask, guidance=guidance_map))
    if filled.shape != rgb.shape:
        raise ValueError(f"the inpainting model returned shape {filled.shape} for an image of {rgb.shape}")
    # Known pixels are the input's own bytes, whatever the model did (Inpainter already
    # guarantees it; a stand-in callable might not).
    output = np.where(mask[:, :, None], filled.astype(np.uint8), rgb)
    timings["inpaint"] = time.perf_counter() - start
    return Removal(output, mask, guidance_map, targets, others, timings)


def dilate(mask: np.ndarray, kernel: int = DEFAULT_DILATION) -> np.ndarray:
    """Binary dilation with a ``kernel × kernel`` square (§5.3.3: 5×5), so the hole
    covers the object's anti-aliased edge and shadow fringe (Fig. 5.8: a hole that does
    not fully cover the object fails)."""
    if not 0 <= kernel <= MAX_DILATION:
        raise UserError(f"the dilation must be a kernel size from 0 to {MAX_DILATION} pixels, not {kernel}.")
    if kernel <= 1:
        return mask.copy()
    return cv2.dilate(mask.astype(np.uint8), np.ones((kernel, kernel), np.uint8)) > 0


def _segment(rgb: np.ndarray, clicks: list[Click], backend: SegmentationBackend) -> tuple[list[Instance], list[Instance]]:
    """Run ``backend`` on a downscaled copy; return (targets under the clicks, the others)
    with masks at full resolution. Raises NothingToRemoveError for a click on nothing."""
    height, width = rgb.shape[:2]
    scale = min(1.0, SEGMENT_SIDE / max(height, width))
    small = rgb
    if scale < 1.0:
        small = cv2.resize(rgb, (max(1, round(width * scale)), max(1, round(height * scale))),
                           interpolation=cv2.INTER_AREA)
    small_clicks = [(min(int(x * scale), small.shape[1] - 1), min(int(y * scale), small.shape[0] - 1))
                    for x, y in clicks]
    instances = backend(small, small_clicks)
    targets: list[Instance] = []
    for index, (click, small_click) in enumerate(zip(clicks, small_clicks), start=1):
        hit = instance_at(instances, small_click)
        if hit is None:
            which = f"click {index} " if len(clicks) > 1 else "the click "
            raise NothingToRemoveError(
                f"nothing to remove at {which}({click[0]}, {click[1]}): no person or object "
                "was found under it; click on the object itself or brush a mask instead."
            )
        if not any(hit is target for target in targets):
            targets.append(hit)
    others = [instance for instance in instances if not any(instance is t for t in targets)]
    return [_upscale(t, (height, width)) for t in targets], [_upscale(o, (height, width)) for o in others]


def _upscale(instance: Instance, shape: tuple[int, int]) -> Instance:
    """The instance with its mask resized to ``shape`` (linear, then > ½: smooth edges)."""
    if instance.mask.shape == shape:
        return instance
    resized = cv2.resize(instance.mask.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return Instance(resized > 0.5, instance.label, instance.score)


def _union(instances: Sequence[Instance], shape: tuple[int, int]) -> np.ndarray:
    """The instances' union with interior holes filled: a removed object must not leave
    islands of itself behind (a white collar the person mask missed, say)."""
    from scipy.ndimage import binary_fill_holes

    mask = np.zeros(shape, bool)
    for instance in instances:
        mask |= binary_fill_holes(instance.mask)
    return mask


def _prepare_image(image: Any) -> np.ndarray:
    """uint8 RGB array, refusing over-large or tiny images *before* any conversion."""
    from ..image_io import check_pixel_count, to_rgb_array

    if isinstance(image, Image.Image):
        width, height = image.size
    else:
        shape = np.shape(image)
        height, width = (int(shape[0]), int(shape[1])) if len(shape) >= 2 else (0, 0)
    check_pixel_count(width, height, "image", MAX_PIXELS)
    if min(width, height) < MIN_SIDE:
        raise InputImageError(
            f"the image is {width}×{height} pixels; object removal needs at least {MIN_SIDE}×{MIN_SIDE}."
        )
    return to_rgb_array(image)


def _validate_clicks(clicks: Sequence[Sequence[float]], shape: tuple[int, int]) -> list[Click]:
    """Integer (x, y) clicks inside the image, or a UserError naming the bad one."""
    height, width = shape
    if not clicks:
        raise UserError("no click given: pass click=(x, y) (CLI: --click X,Y) on the object to remove.")
    points = []
    for index, click in enumerate(clicks, start=1):
        try:
            x, y = (float(value) for value in click)
        except (TypeError, ValueError):
            raise UserError(f"click {index} must be two numbers (x, y), not {click!r}.") from None
        if not (np.isfinite(x) and np.isfinite(y) and 0 <= x < width and 0 <= y < height):
            raise UserError(
                f"click {index} at ({click[0]}, {click[1]}) is outside the {width}×{height} image; "
                f"x must be in 0..{width - 1} and y in 0..{height - 1}."
            )
        points.append((int(x), int(y)))
    return points


def _user_guidance(guidance: GuidanceArg, shape: tuple[int, int]) -> Optional[np.ndarray]:
    """A user's guidance map as ``H×W`` bool, or None for ``"auto"`` / ``"none"`` / None."""
    if guidance is None or (isinstance(guidance, str) and guidance in ("auto", "none")):
        return None
    from ..image_io import read_mask

    return read_mask(guidance, shape, "guidance map")


def _resolve_backend(backend: Union[str, SegmentationBackend]) -> SegmentationBackend:
    return get_backend(backend) if isinstance(backend, str) else backend


def _inpainter(model: Union[str, Path, Callable], detail: str) -> Callable:
    """A callable ``(image, mask, guidance=None) -> image``: the model itself if callable,
    else the cached Inpainter for a name or path (loaded once per process)."""
    if callable(model):
        return model
    from ..inference import cached_model, check_detail

    check_detail(detail)
    return cached_model(str(model), detail)
