"""One-click object removal: thesis §5.3, Algorithm 1, with the guidance of §5.4.

``prompt → instance segmentation S → the instances under the clicks (else "nothing here")
→ the selection the prompt asks for → the hole → inpaint``, optionally with a guidance
map built from the *other* instances so the fill copies background only.

Choices the thesis leaves open, made here:

- Prompts as in SAM-style tools (:mod:`.prompts`): ``clicks`` (one object each), ``add``
  and ``exclude`` points, a ``box``; :mod:`.selection` turns the instances into the
  selection they ask for.
- Segmentation runs on a copy whose long side is at most ``SEGMENT_SIDE`` (640 px, the
  640×480 of the thesis' PB-101 photos); the selection is scaled back (linear, then > ½).
- The hole is the selection grown by its measured edge softness and checked at its rim
  (:mod:`.hole`), instead of the thesis' fixed 5×5 dilation; an integer ``dilation``
  still gives the square kernel.
- Never destructive: a hole over ``MAX_UNASKED_HOLE_FRACTION`` of the photo is refused
  unless ``allow_large_hole`` (:mod:`inpaintkit.hole_limit`); one click on nothing makes the
  whole request fail with "nothing to remove" (a partial removal would surprise).
- Images above ``MAX_PIXELS`` (50 MP, half of inpainting's limit: a removal works on the
  whole photo) are refused before any work; images smaller than ``MIN_SIDE`` on a side
  cannot hold a removable object and are refused too.
- ``text=True`` takes no prompt: the hole is the strokes of all text (:mod:`.text`), which
  carry their own margin, and with ``guidance="auto"`` the fill copies only from the text's
  surroundings (the lines' rectangles grown by a line height: :func:`.text.surroundings`).
- The patch synthesis fills a removal with its own settings (``REMOVAL_SYNTHESIS``):
  - the model's fill is its first layout only, not also a term of its patch distance as
    when inpainting: the network never saw what lies behind a removed object, and deep
    in a silhouette its fill is the haze of every plausible background, which the copies
    should not be pulled towards (docs/experiments/2026-12-07-removal-layout.md);
  - its coarsest level may be as small as 8 px (inpainting stops at 16): a silhouette
    then closes there to a pixel or two, so the bands around it (a hedge, a wall, a row
    of cars) lay out the fill, not the network's blur of them nor a pole beside it
    (docs/experiments/2026-12-07-removal-coarse-level.md);
  - its coarse levels lay the fill out from four random starts, and a later one replaces
    the first where the first is a failed layout (twice its energy): a removed object's
    neighbour, the car beside a woman, is otherwise now and then copied into the hole
    again and again (docs/experiments/2026-12-07-layout-starts.md).
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence, Union

import cv2
import numpy as np
from PIL import Image

from ..detail_modes import DEFAULT_DETAIL, check_detail
from ..errors import InputImageError, NothingToRemoveError, UserError
from ..hole_limit import check_hole_size
from ..image_io import PixelLimit, to_rgb_array
from .guidance import auto_guidance
from .hole import hole_for
from .instances import Click, Instance, SegmentationBackend, instance_at
from .prompts import Prompt, validate_prompt
from .selection import add_points_to_search, select

if TYPE_CHECKING:  # the synthesis (and numba) loads only when a fill needs it
    from ..synthesis import SynthesisSettings

# Half of inpainting's limit: a removal segments the whole photo and keeps full-size
# masks of every object found, where inpainting works on a crop around the hole.
MAX_PIXELS = PixelLimit(50_000_000, "object removal's limit",
                        "a removal works on the whole photo, inpainting only around the hole")
MIN_SIDE = 16
SEGMENT_SIDE = 640
DEFAULT_DILATION = "auto"
# The largest square dilation kernel: 100 px already grows a hole by 50 px on every side;
# a kernel of tens of thousands costs gigabytes and swallows any photo.
MAX_DILATION = 100
BACKENDS = ("auto", "people", "click")
DEFAULT_MODEL = "pyramid"
# A removal's SynthesisSettings, as changes to the defaults (the module docstring says
# why); named here, not built, because the synthesis, numba with it, loads only to fill.
REMOVAL_SYNTHESIS = MappingProxyType({"guide_weight": 0.0, "min_side": 8, "coarsest_thickness": 1.5,
                                      "layout_starts": 4})

GuidanceArg = Union[str, None, np.ndarray, Image.Image, Path]
DilationArg = Union[str, int]
PointsArg = Sequence[Sequence[float]]


class AutoSegmenter:
    """The default back end: the person under a click if there is one, else the object
    the click back end grows from it, joined with the person it mostly holds (see
    :func:`.people.complete_person`). Returns all people (for guidance maps) plus the
    objects found for clicks that hit no person."""

    name = "auto"
    searches_points = True

    def __init__(self, people: SegmentationBackend, click: SegmentationBackend) -> None:
        self.people, self.click = people, click

    def __call__(self, image: np.ndarray, clicks: Sequence[Click],
                 search: Optional[Sequence[Click]] = None) -> list[Instance]:
        """``search``: the points whose objects are searched for (default: all ``clicks``);
        the people model looks around every click."""
        from .people import complete_person  # imported with the people back end (see get_backend)

        people = self.people(image, clicks)
        missed = [click for click in (clicks if search is None else search) if instance_at(people, click) is None]
        objects = self.click(image, missed) if missed else []
        # An object that holds most of a person is that person, partly missed by the
        # people model (a shaded back under a backpack): the person's mask completes it.
        return people + [complete_person(found, people) for found in objects]


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
    """Everything one removal produced: ``image`` (uint8 RGB ``H×W×3``), the ``hole`` that
    was filled as ``mask`` and the ``guidance`` map used (``H×W`` bool or None), the
    ``targets`` under the clicks and the ``others`` found, the hole's ``margin`` (pixels)
    and its rim check's ``leftovers`` per round, and the seconds per stage in ``timings``."""

    image: np.ndarray
    mask: np.ndarray
    guidance: Optional[np.ndarray]
    targets: list[Instance]
    others: list[Instance]
    timings: dict[str, float] = field(default_factory=dict)
    margin: int = 0
    leftovers: list[int] = field(default_factory=list)


def segment(image, clicks: PointsArg = (), backend: Union[str, SegmentationBackend] = "auto",
            dilation: DilationArg = DEFAULT_DILATION, *, add: PointsArg = (), exclude: PointsArg = (),
            box: Optional[Sequence[float]] = None, text: bool = False) -> np.ndarray:
    """``H×W`` bool mask to remove: what the prompt selects, grown into the hole; with
    ``text=True`` (and no prompt) the strokes of all text in the photo.

    ``image``: uint8 RGB ``H×W×3`` array or PIL image, or an image file's path.
    ``clicks``: (x, y) pixel positions, one object each; ``add`` / ``exclude``: (x, y)
    points to add to / take from the selection; ``box``: (x0, y0, x1, y1) that bounds it
    (see :mod:`.prompts`). ``dilation``: ``"auto"`` (grown by the edge softness,
    rim-checked: :mod:`.hole`) or the side of a square kernel in pixels (0 or 1 = none).
    A proposal: the size limit of :func:`remove` is not applied here, so a page can show
    a large mask and ask.
    Raises ``NothingToRemoveError`` when a click hits nothing (or no text is found),
    ``UserError`` for a bad prompt, ``InputImageError`` for images too small or too large.
    """
    rgb = _prepare_image(image)
    if text:
        _check_no_prompt(clicks, add, exclude, box)
        return _text_mask(rgb)
    prompt = validate_prompt(clicks, add, exclude, box, shape=rgb.shape[:2])
    # Only the selection at full resolution: the instances are not part of a proposal.
    selection, _, _ = _select(rgb, prompt, _resolve_backend(backend))
    return _hole(rgb, _upscale_mask(selection, rgb.shape[:2]), dilation).mask


def remove(image, click: Optional[Sequence[float]] = None, clicks: Optional[PointsArg] = None, *,
           add: PointsArg = (), exclude: PointsArg = (), box: Optional[Sequence[float]] = None,
           backend: Union[str, SegmentationBackend] = "auto", dilation: DilationArg = DEFAULT_DILATION,
           guidance: GuidanceArg = "auto", model: Union[str, Path, Callable, None] = None,
           detail: str = DEFAULT_DETAIL, return_mask: bool = False, allow_large_hole: bool = False,
           text: bool = False):
    """Remove the object(s) the prompt selects and fill the hole (Algorithm 1).

    ``image``: uint8 RGB ``H×W×3`` array or PIL image, or an image file's path; the result
    has the same size (a PIL image for a PIL image, else an array), and every pixel outside
    the hole is the input's own.
    ``click`` / ``clicks``: one (x, y) and/or a list of them, one object each; ``add``,
    ``exclude``, ``box``: see :func:`segment`.
    ``guidance``: ``"auto"`` (the other instances, §5.4.3; for text, all but the text's
    surroundings), ``None``/``"none"``, or a map (``H×W`` array, PIL image or path; white =
    do not copy from here).
    ``model``: a model name or safetensors path for :func:`inpaintkit.inference.load_model`,
    ``"harmonic"`` (the harmonic fill), or any callable ``(image, mask, guidance=None) ->
    image`` (an ``Inpainter``, or a ``functools.partial`` of one, is given a removal's
    synthesis settings: :func:`removal_inpainter`); None: ``"pyramid"``.
    ``detail``: ``"synthesis"`` (the photo's own detail copied into the hole) or ``"none"``
    (the network's fill alone); ignored when ``model`` is a callable.
    ``allow_large_hole``: without it a hole over a quarter of the photo raises
    ``HoleTooLargeError`` (a ``UserError``) and nothing is filled.
    ``text``: remove all text instead (the characters' strokes, :mod:`.text`); no prompt.
    Returns the image, or ``(image, mask)`` with ``return_mask=True``.
    """
    points = ([] if click is None else [click]) + ([] if clicks is None else list(clicks))
    result = remove_detailed(image, points, add=add, exclude=exclude, box=box, backend=backend,
                             dilation=dilation, guidance=guidance, model=model, detail=detail,
                             allow_large_hole=allow_large_hole, text=text)
    out = Image.fromarray(result.image) if isinstance(image, Image.Image) else result.image
    return (out, result.mask) if return_mask else out


def remove_detailed(image, clicks: PointsArg = (), *, add: PointsArg = (), exclude: PointsArg = (),
                    box: Optional[Sequence[float]] = None,
                    backend: Union[str, SegmentationBackend] = "auto", dilation: DilationArg = DEFAULT_DILATION,
                    guidance: GuidanceArg = "auto", model: Union[str, Path, Callable, None] = None,
                    detail: str = DEFAULT_DETAIL, allow_large_hole: bool = False, text: bool = False) -> Removal:
    """:func:`remove` returning a :class:`Removal` with the mask, guidance and timings."""
    from .hole import Hole

    timings: dict[str, float] = {}
    start = time.perf_counter()
    rgb = _prepare_image(image)
    if text:
        _check_no_prompt(clicks, add, exclude, box)
    else:
        prompt = validate_prompt(clicks, add, exclude, box, shape=rgb.shape[:2])
    guidance_map = _user_guidance(guidance, rgb.shape[:2])  # a bad path fails before the work
    _check_dilation(dilation)
    inpainter = _inpainter(model, detail, text)
    timings["load"] = time.perf_counter() - start

    start = time.perf_counter()
    if text:
        found = _find_text(rgb)
        strokes = found.mask
        targets, others = [Instance(strokes, "text", 1.0)], []
    else:
        selection, targets, others = _segment(rgb, prompt, _resolve_backend(backend))
    timings["segmentation"] = time.perf_counter() - start

    start = time.perf_counter()
    # The strokes carry their own margin (a share of each line's height); growing them by
    # the edge-softness rule would merge small print into its whole box.
    hole = Hole(strokes, 0, []) if text else _hole(rgb, selection, dilation)
    mask = hole.mask
    check_hole_size(mask, allow_large_hole)
    if isinstance(guidance, str) and guidance == "auto":
        guidance_map = _text_guidance(found, mask) if text else auto_guidance(rgb, mask, others)
    elif guidance_map is not None:
        guidance_map = guidance_map & ~mask
    if guidance_map is not None and not guidance_map.any():
        guidance_map = None
    timings["mask"] = time.perf_counter() - start

    start = time.perf_counter()
    filled = np.asarray(inpainter(rgb, mask, guidance=guidance_map))
    if filled.shape[:2] != rgb.shape[:2]:
        raise UserError(f"the inpainting model returned an image of shape {filled.shape} for a photo of "
                        f"{rgb.shape}; a model must return the photo's size.")
    # Read as any input image is (floats in [0, 1] are scaled, not cast to 0 and 1: a
    # callable returning them filled holes with black). Known pixels are the input's own
    # bytes, whatever the model did (Inpainter already guarantees it; a stand-in may not).
    fill = to_rgb_array(filled, "inpainting model's fill", max_pixels=mask.size)  # the photo's size, checked above
    output = np.where(mask[:, :, None], fill, rgb)
    timings["inpaint"] = time.perf_counter() - start
    return Removal(output, mask, guidance_map, targets, others, timings, hole.margin, hole.leftovers)


def dilate(mask: np.ndarray, kernel: int) -> np.ndarray:
    """Binary dilation with a ``kernel × kernel`` square (§5.3.3: 5×5)."""
    _check_dilation(kernel)
    if kernel <= 1:
        return mask.copy()
    return cv2.dilate(mask.astype(np.uint8), np.ones((kernel, kernel), np.uint8)) > 0


def _hole(rgb: np.ndarray, selection: np.ndarray, dilation: DilationArg):
    """The hole for ``selection``: adaptive and rim-checked for ``"auto"``, else the square
    kernel. The adaptive margin is at least the segmentation's resolution step."""
    from .hole import Hole

    _check_dilation(dilation)
    if isinstance(dilation, str):
        step = int(np.ceil(max(rgb.shape[:2]) / SEGMENT_SIDE))
        return hole_for(rgb, selection, min_margin=max(1, step))
    return Hole(dilate(selection, int(dilation)), int(dilation) // 2, [])


def _check_dilation(dilation: DilationArg) -> None:
    if isinstance(dilation, str):
        if dilation != "auto":
            raise UserError(f"the dilation must be 'auto' or a kernel size in pixels, not {dilation!r}.")
    elif (isinstance(dilation, bool) or not isinstance(dilation, (int, np.integer))
          or not 0 <= dilation <= MAX_DILATION):
        raise UserError(f"the dilation must be 'auto' or a kernel size from 0 to {MAX_DILATION} pixels, "
                        f"not {dilation!r}.")


def _segment(rgb: np.ndarray, prompt: Prompt,
             backend: SegmentationBackend) -> tuple[np.ndarray, list[Instance], list[Instance]]:
    """Run ``backend`` and the prompt's selection on a downscaled copy; return (the
    selection at full resolution, the instances it took, the others) — masks at full
    resolution. Raises NothingToRemoveError for a click on nothing or an empty selection."""
    selection, taken, others = _select(rgb, prompt, backend)
    shape = rgb.shape[:2]
    return _upscale_mask(selection, shape), [_upscale(t, shape) for t in taken], [_upscale(o, shape) for o in others]


def _select(rgb: np.ndarray, prompt: Prompt,
            backend: SegmentationBackend) -> tuple[np.ndarray, list[Instance], list[Instance]]:
    """:func:`_segment` with every mask left at the downscaled copy's resolution."""
    height, width = rgb.shape[:2]
    scale = min(1.0, SEGMENT_SIDE / max(height, width))
    small = rgb
    if scale < 1.0:
        small = cv2.resize(rgb, (max(1, round(width * scale)), max(1, round(height * scale))),
                           interpolation=cv2.INTER_AREA)
    small_prompt = prompt.scaled(scale, small.shape[:2])
    if not small_prompt.clicks and small_prompt.box is None:
        # Only "add" points: the first one is the object, as a click would be.
        small_prompt = Prompt(clicks=small_prompt.add[:1], add=small_prompt.add[1:], exclude=small_prompt.exclude)
        prompt = Prompt(clicks=prompt.add[:1], add=prompt.add[1:], exclude=prompt.exclude)
    instances = _instances(small, small_prompt, backend)
    for index, (click, small_click) in enumerate(zip(prompt.clicks, small_prompt.clicks), start=1):
        if instance_at(instances, small_click) is None and small_prompt.box is None:
            which = f"click {index} " if len(prompt.clicks) > 1 else "the click "
            raise NothingToRemoveError(
                f"nothing to remove at {which}({click[0]}, {click[1]}): no person or object "
                "was found under it; click on the object itself, drag a box around it or brush a mask."
            )
    selection, taken = select(small, small_prompt, instances)
    if not selection.any():
        raise NothingToRemoveError("nothing to remove: the prompt selects no pixels; click on the object "
                                   "itself or drag a box around it.")
    others = [instance for instance in instances if not any(instance is t for t in taken)]
    return selection, taken, others


def _instances(image: np.ndarray, prompt: Prompt, backend: SegmentationBackend) -> list[Instance]:
    """What ``backend`` finds for the prompt's points in ``image``. Exclude points are
    searched too: one on a separate object takes that object out of the selection
    (:func:`.selection.take_out_objects`). An add point on the clicks' objects is not, by
    a back end that searches per point: the selection never takes its object
    (:func:`.selection.add_points_to_search`), and on a large object a search costs a
    quarter of a second. The clicks' objects are found first (a page's correction has
    them remembered), then the exclude points' and the other add points' side by side."""
    points = list(prompt.positives) + list(prompt.exclude)
    if not (prompt.clicks and (prompt.add or prompt.exclude) and getattr(backend, "searches_points", False)):
        return backend(image, points)
    found = backend(image, points, search=list(prompt.clicks))
    wanted = add_points_to_search(prompt, found, image.shape[:2])
    if not (wanted or prompt.exclude):
        return found
    with ThreadPoolExecutor(max_workers=1) as beside:
        if not wanted:
            # While the exclude points are searched, the selection is worked out as if they
            # land on no separate object (the usual case: a part of the object itself): its
            # walk and settling GrabCut are remembered, and select() reuses them when the
            # search bears that out. Otherwise they are worked out again.
            beside.submit(select, image, prompt, found)
        return backend(image, points, search=list(prompt.clicks) + list(wanted) + list(prompt.exclude))


def _upscale(instance: Instance, shape: tuple[int, int]) -> Instance:
    """The instance with its mask resized to ``shape`` (see :func:`_upscale_mask`)."""
    if instance.mask.shape == shape:
        return instance
    # The seed stays behind: it is a point of the downscaled copy, where select() used it.
    return Instance(_upscale_mask(instance.mask, shape), instance.label, instance.score, instance.sure)


def _upscale_mask(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``mask`` resized to ``shape`` (linear, then > ½: smooth edges)."""
    if mask.shape == shape:
        return mask
    return cv2.resize(mask.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR) > 0.5


def _prepare_image(image: Any) -> np.ndarray:
    """uint8 RGB array, refusing over-large or tiny images *before* any conversion; a path
    (or bytes) is read with :func:`~inpaintkit.image_io.read_image`, its size checked from
    the header."""
    from ..image_io import FILE_SOURCES, check_pixel_count, read_image

    if isinstance(image, FILE_SOURCES):
        image = read_image(image, "image", MAX_PIXELS)
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


def _user_guidance(guidance: GuidanceArg, shape: tuple[int, int]) -> Optional[np.ndarray]:
    """A user's guidance map as ``H×W`` bool, or None for ``"auto"`` / ``"none"`` / None."""
    if guidance is None or (isinstance(guidance, str) and guidance in ("auto", "none")):
        return None
    from ..image_io import checked_guidance, read_mask

    return checked_guidance(read_mask(guidance, shape, "guidance map"))


def _resolve_backend(backend: Union[str, SegmentationBackend]) -> SegmentationBackend:
    return get_backend(backend) if isinstance(backend, str) else backend


def _check_no_prompt(clicks: PointsArg, add: PointsArg, exclude: PointsArg, box) -> None:
    if len(clicks) or len(add) or len(exclude) or box is not None:
        raise UserError("text removal takes no clicks or box: remove the text and the objects in two steps.")


def _text_mask(rgb: np.ndarray) -> np.ndarray:
    """The strokes of all text in ``rgb`` (:func:`.text.text_mask`; "no text found" raises)."""
    return _find_text(rgb).mask


def _find_text(rgb: np.ndarray):
    """The strokes of all text in ``rgb`` and their lines (:func:`.text.find_text`)."""
    from .text import find_text

    return find_text(rgb)


def _text_guidance(found, mask: np.ndarray) -> np.ndarray:
    """For a text removal: copy only from the text's surroundings (:func:`.text.surroundings`).
    From anywhere, the synthesis pasted paving into a sign and leaves into a caption's sky;
    from the lines' rectangles grown by a line height, judges preferred it to the harmonic
    fill 51 to 15 (docs/experiments/2026-12-07-text-reading-check.md)."""
    from .text import surroundings

    return ~surroundings(mask.shape, found.lines) & ~mask


def _inpainter(model: Union[str, Path, Callable, None], detail: str, text: bool = False) -> Callable:
    """A callable ``(image, mask, guidance=None) -> image``: ``"harmonic"`` the harmonic
    fill, else the model if callable or the cached Inpainter for a name or path (loaded
    once per process), either passed through :func:`removal_inpainter`. ``None``: the
    pyramid model, for text too: with the patch synthesis copying from the text's own
    surroundings it was preferred to the harmonic fill in 51 of 66 blind judgements, which
    leaves a blurred band wherever text lay on texture (docs/TEXT_REMOVAL.md)."""
    if callable(model):
        return removal_inpainter(model, objects=not text)
    if model is None:
        model = DEFAULT_MODEL
    if model == "harmonic":
        from ..fills import harmonic_fill_regions

        return harmonic_fill_regions
    from ..inference import cached_model

    check_detail(detail)
    return removal_inpainter(cached_model(str(model), detail), objects=not text)


def removal_inpainter(model: Callable, detail: Optional[str] = None, objects: bool = True) -> Callable:
    """``model`` as it fills a hole, with ``detail`` when given. A hole over ``objects`` is
    filled by an :class:`~inpaintkit.inference.Inpainter` (or a ``functools.partial`` of
    one) with an object removal's synthesis settings (:func:`removal_synthesis_settings`;
    the module docstring says why); any other hole, and any other callable, as it is.
    Text strokes are not objects: they are thin holes, like the free-form strokes the
    inpainting settings were chosen on. The web app and the ``inpaint`` command
    (``removal``, ``--removal``) decide through it too."""
    from ..inference import Inpainter

    extra: dict[str, Any] = {} if detail is None else {"detail": detail}
    if objects and isinstance(getattr(model, "func", model), Inpainter):
        extra["synthesis"] = removal_synthesis_settings()
    return partial(model, **extra) if extra else model


def removal_synthesis_settings() -> "SynthesisSettings":
    """The patch synthesis' settings for a hole over objects: the defaults changed by
    ``REMOVAL_SYNTHESIS``."""
    from ..synthesis import DEFAULT_SETTINGS

    return replace(DEFAULT_SETTINGS, **REMOVAL_SYNTHESIS)
