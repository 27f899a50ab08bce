"""Inference: any image size in, known pixels back bit-identical.

The one place for the chores every model shares (IOPaint's lesson): validate the input,
crop around the hole, scale big crops down to the model's working size, pad to the model's
``size_multiple``, run the network, scale back, and composite *only the hole* into the
original pixels. Models themselves only map tensors to tensors.

"Structure first, detail next" (the default, ``detail="synthesis"``): the network's fill
of the crop, made at :data:`GUIDE_SIDE`, steers :mod:`inpaintkit.synthesis`, which copies
the crop's own patches into the hole at full resolution. With ``detail="none"`` the
network's fill, upscaled, is the result.

High resolution (REFERENCES.md: contextual attention is O((HW)²), so a 4 M-parameter
DeepFill v2 takes 34 s at 1024² on 2 threads) is handled by the *crop-and-resize* plan:
the hole's bounding box plus a context margin as large as the hole is cut out; if its long
side exceeds the working size it is resized to it for the network, and the prediction is
upscaled back. The network's cost is therefore about one forward pass whatever the photo's
size; the synthesis' cost grows with the hole's area, not the photo's.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence, Union

import cv2
import numpy as np
import torch
from PIL import Image

from .data import to_tensor, to_uint8
from .detail_modes import DEFAULT_DETAIL, DETAIL_MODES, check_detail  # noqa: F401 (re-exported)
from .errors import MissingWeightsError, UserError
from .image_io import (ASK_FOR_WHOLE_PHOTO_HOLE, Source, check_whole_photo_hole, checked_guidance, read_image,
                       read_mask)
from .models.base import InpaintGenerator

if TYPE_CHECKING:  # the synthesis (and numba) is imported only when a fill needs it
    from .synthesis import SynthesisSettings

DEFAULT_MODEL = "pyramid"
# The network's working size when it only steers the synthesis: its fill is compared
# low-passed (σ 8 px at full resolution), so more pixels buy nothing the synthesis keeps,
# and 256² costs a quarter of 512².
GUIDE_SIDE = 256
DEFAULT_MAX_SIDE = 512
# The working resolution's range: below 32 px the network sees no context and fills the
# hole with one colour; above 4096 px one forward pass needs tens of GiB.
MAX_SIDE_RANGE = (32, 4096)


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def resolve_device(name: Optional[Union[str, torch.device]] = None) -> torch.device:
    """The torch device for ``name`` (None: cuda when available, else cpu), or a
    UserError for a name torch does not know or a device this machine does not have."""
    if name is None:
        return default_device()
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError, ValueError):
        raise UserError(f"unknown device {str(name)!r}; use cpu or cuda (cuda:1 for the second GPU).") from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise UserError(f"device {str(name)!r} asked for, but CUDA is not available on this machine; use cpu.")
        if device.index is not None and device.index >= count:
            raise UserError(f"device {str(name)!r} asked for, but this machine has {count} CUDA device(s).")
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise UserError(f"device {str(name)!r} asked for, but MPS is not available on this machine; use cpu.")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise UserError(f"device {str(name)!r} is not supported; use cpu or cuda.")
    return device


def check_max_side(max_side: Optional[int]) -> None:
    """A UserError for a working resolution outside :data:`MAX_SIDE_RANGE` (None = default)."""
    low, high = MAX_SIDE_RANGE
    if max_side is not None and (isinstance(max_side, bool) or not isinstance(max_side, (int, np.integer))):
        raise UserError(f"the working resolution (--max-side) must be a whole number of pixels; got {max_side!r}.")
    if max_side is not None and not low <= max_side <= high:
        raise UserError(f"the working resolution (--max-side) must be from {low} to {high} pixels; got {max_side}.")


class Inpainter:
    """Callable wrapper around a generator: ``inpainter(image, mask, guidance=None)``.

    ``image``: uint8 RGB ``H×W×3`` array or PIL image, or the path of an image file;
    ``mask``: ``H×W`` (hole = at least half-way to white, :mod:`inpaintkit.image_io`'s mask
    rule; True for bool masks) or a mask file's path; ``guidance``: optional, the same
    forms and rule (hole = known region the fill must not copy from, §5.4); files are read
    with :func:`inpaintkit.image_io.read_image` / ``read_mask``, with their errors.
    ``detail``: ``"synthesis"`` or ``"none"`` for this call (default: the inpainter's own);
    ``synthesis``: the patch synthesis's settings for this call (default:
    :data:`inpaintkit.synthesis.DEFAULT_SETTINGS`; object removal passes its own).
    Returns a PIL image for a PIL image, else an array; pixels outside the hole are the
    input's own bytes. No hole-size rule here: this is the engine every edge calls after
    its own check (:func:`inpaint`, the CLI and HTTP refuse a whole-photo hole unasked).
    """

    def __init__(
        self,
        model: InpaintGenerator,
        device: Optional[Union[str, torch.device]] = None,
        max_side: int = DEFAULT_MAX_SIDE,
        name: Optional[str] = None,
        detail: str = DEFAULT_DETAIL,
        seed: int = 0,
    ):
        check_max_side(max_side)
        check_detail(detail)
        self.device = resolve_device(device)
        self.model = model.to(self.device).eval()
        self.max_side = int(max_side)
        self.name = name or getattr(model, "name", "model")
        self.detail = detail
        self.seed = int(seed)

    def __call__(self, image: Source, mask: Source, guidance: Optional[Source] = None, *,
                 detail: Optional[str] = None, synthesis: Optional[SynthesisSettings] = None):
        was_pil = isinstance(image, Image.Image)
        rgb = read_image(image)
        hole = read_mask(mask, rgb.shape[:2])
        if not hole.any():
            raise UserError("the mask is empty: mark the pixels to fill (white = hole).")
        avoid = checked_guidance(None if guidance is None else read_mask(guidance, rgb.shape[:2], "guidance map"))
        result = self.inpaint_array(rgb, hole, avoid, detail, synthesis)
        return Image.fromarray(result) if was_pil else result

    def inpaint_array(self, rgb: np.ndarray, hole: np.ndarray, avoid: Optional[np.ndarray],
                      detail: Optional[str] = None, synthesis: Optional[SynthesisSettings] = None) -> np.ndarray:
        """Validated uint8 RGB + bool hole (+ bool guidance) → uint8 RGB; ``detail``
        overrides the inpainter's own for this call, ``synthesis`` the patch synthesis's
        settings (default: :data:`inpaintkit.synthesis.DEFAULT_SETTINGS`; unused with
        ``detail="none"``)."""
        detail = detail or self.detail
        check_detail(detail)
        top, bottom, left, right = crop_around_hole(hole, self.max_side)
        crop = rgb[top:bottom, left:right]
        crop_hole = hole[top:bottom, left:right]
        crop_avoid = None if avoid is None else avoid[top:bottom, left:right]
        if detail == "none":
            prediction = self._predict_crop(crop, crop_hole, crop_avoid, self.max_side)
        else:
            prediction = self._synthesize_crop(crop, crop_hole, crop_avoid, synthesis)
        if is_grey(rgb, hole):
            prediction = grey_copy(prediction)
        result = rgb.copy()
        region = result[top:bottom, left:right]
        region[crop_hole] = prediction[crop_hole]
        return result

    def _synthesize_crop(self, crop: np.ndarray, hole: np.ndarray, avoid: Optional[np.ndarray],
                         synthesis: Optional[SynthesisSettings] = None) -> np.ndarray:
        """Structure from the network at :data:`GUIDE_SIDE`, detail from the crop's own
        patches at full resolution."""
        from .synthesis import DEFAULT_SETTINGS, complete

        guide = self._predict_crop(crop, hole, avoid, min(self.max_side, GUIDE_SIDE))
        try:
            settings = DEFAULT_SETTINGS if synthesis is None else synthesis
            return complete(crop, hole, guide, avoid, seed=self.seed, settings=settings)
        except ValueError:
            # Nothing may be copied (the hole and the avoided region cover every patch):
            # the network's fill is the only one there is.
            return guide

    def _predict_crop(self, crop: np.ndarray, hole: np.ndarray, avoid: Optional[np.ndarray],
                      max_side: int) -> np.ndarray:
        """Run the model on one crop, scaled down to ``max_side`` if needed."""
        height, width = hole.shape
        scale = min(1.0, max_side / max(height, width))
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
            # Any hole pixel in a downscaled cell makes the cell a hole: no hole content
            # may leak into the "known" input through the averaging.
            small_hole = cv2.resize(hole.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
            small_avoid = None
            if avoid is not None:
                small_avoid = cv2.resize(avoid.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
            prediction = self._run_model(small, small_hole, small_avoid)
            return cv2.resize(prediction, (width, height), interpolation=cv2.INTER_CUBIC)
        return self._run_model(crop, hole, avoid)

    @torch.no_grad()
    def _run_model(self, rgb: np.ndarray, hole: np.ndarray, avoid: Optional[np.ndarray]) -> np.ndarray:
        """Pad to the model's size multiple (mirror padding, marked known), run, unpad."""
        height, width = hole.shape
        multiple = int(getattr(self.model, "size_multiple", 8))
        pad_h, pad_w = (-height) % multiple, (-width) % multiple
        rgb_p = np.pad(rgb, ((0, pad_h), (0, pad_w), (0, 0)), mode="symmetric")
        hole_p = np.pad(hole, ((0, pad_h), (0, pad_w)), mode="constant")
        image_t = to_tensor(rgb_p)[None]
        # Zero the hole before the tensor reaches the model: belt and braces, the models
        # mask their input themselves.
        mask_t = torch.from_numpy(hole_p)[None, None].float()
        image_t = image_t * (1.0 - mask_t)
        guidance_t = None
        if avoid is not None:
            # Mirrored like the image: the padding's mirror copy of an avoided object is
            # avoided too, or the fill could take it from there.
            avoid_p = np.pad(avoid, ((0, pad_h), (0, pad_w)), mode="symmetric")
            guidance_t = torch.from_numpy(avoid_p)[None, None].float().to(self.device)
        output = self.model(image_t.to(self.device), mask_t.to(self.device), guidance=guidance_t).output
        return to_uint8(output[0, :, :height, :width])


def crop_around_hole(hole: np.ndarray, max_side: int) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the hole's bounding box grown by a context margin.

    The margin equals the box's larger side (so the known context is at least as wide as
    the hole in every direction), and the crop is grown to at least ``max_side`` when the
    image allows: the model then sees as much context as it can at native resolution.
    """
    rows = np.flatnonzero(hole.any(axis=1))
    cols = np.flatnonzero(hole.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    margin = max(bottom - top, right - left)
    height, width = hole.shape
    want_h = max(bottom - top + 2 * margin, min(max_side, height))
    want_w = max(right - left + 2 * margin, min(max_side, width))
    top, bottom = _grow_interval(top, bottom, want_h, height)
    left, right = _grow_interval(left, right, want_w, width)
    return int(top), int(bottom), int(left), int(right)


def _grow_interval(start: int, stop: int, length: int, limit: int) -> tuple[int, int]:
    """Grow [start, stop) symmetrically to ``length`` (capped at ``limit``), shifting it
    back inside [0, limit) when it falls off an edge."""
    length = min(length, limit)
    extra = length - (stop - start)
    start = start - extra // 2
    start = min(max(start, 0), limit - length)
    return start, start + length


def load_model(
    name_or_path: Union[str, Path] = DEFAULT_MODEL,
    *,
    pretrained: bool = True,
    device: Optional[Union[str, torch.device]] = None,
    max_side: Optional[int] = None,
    detail: str = DEFAULT_DETAIL,
    seed: int = 0,
    **config_overrides,
) -> Inpainter:
    """An :class:`Inpainter` for a model name (shipped weights) or a safetensors path.

    ``pretrained=False`` builds an untrained model from its config (``config_overrides``
    such as ``width=8`` apply), for plumbing and tests. ``max_side`` defaults to the
    working resolution written in the weights file (``metadata["max_side"]``, the scale the
    weights were trained for), else 512. ``detail``: ``"synthesis"`` (default: the network
    gives the structure, patch synthesis the detail) or ``"none"`` (the network alone).
    ``seed``: the patch synthesis's; one seed gives the same bytes every time, another seed
    another fill of the same hole.
    """
    from .models.registry import create_model

    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise UserError(f"the seed must be a whole number of 0 or more; got {seed!r}.")
    path = Path(name_or_path)
    if _is_weights_path(path):
        return _inpainter_from_file(path, device, max_side, path.stem, detail, seed)
    name = str(name_or_path)
    if not pretrained:
        _check_model_name(name, pretrained=False)
        return Inpainter(create_model(name, **config_overrides), device=device,
                         max_side=max_side or DEFAULT_MAX_SIDE, name=name, detail=detail, seed=seed)
    if config_overrides:
        raise UserError(f"unknown option(s) {sorted(config_overrides)} for load_model; model options such as "
                        "width=8 apply only to untrained models (pretrained=False).")
    return _inpainter_from_file(check_model_source(name), device, max_side, name, detail, seed)


def check_model_source(name_or_path: Union[str, Path]) -> Path:
    """The weights file of a model name (shipped weights) or a .safetensors path — or,
    before anything is loaded, the UserError that loading it would end in."""
    from .weights import shipped_weights_path

    path = Path(name_or_path)
    if _is_weights_path(path):
        if not path.is_file():
            raise MissingWeightsError(f"the weights file {path} does not exist.")
        return path
    name = str(name_or_path)
    _check_model_name(name)
    shipped = shipped_weights_path(name)
    if shipped is None:
        raise MissingWeightsError(
            f"no trained weights ship for model {name!r}; train them with `{training_command(name)}`, "
            f"export them and pass the .safetensors path, or {_names_to_choose(models_with_weights())}."
        )
    return shipped


def models_with_weights() -> list[str]:
    """The model names a user can pass without training anything: those whose weights ship."""
    from .weights import available_weights

    return list(available_weights())


def _names_to_choose(names: Sequence[str]) -> str:
    """The end of a sentence offering ``names``, or saying there are none."""
    return f"choose one of {', '.join(names)}" if names else "train a model first (no model ships weights here)"


def training_command(name: str) -> str:
    """The command that trains model ``name`` with its family's recipe (docs/training.md)."""
    family = name.split("-")[0]
    return f"inpaintkit train configs/{family}.yaml" + ("" if name == family else f" --model {name}")


def _is_weights_path(path: Path) -> bool:
    return path.suffix == ".safetensors" or path.is_file()


def _check_model_name(name: str, pretrained: bool = True) -> None:
    """A UserError for a name the registry does not know, listing the names that would work:
    with ``pretrained`` those whose weights ship (the others would fail next), else all."""
    from .models.registry import list_models

    if name not in list_models():
        choices = models_with_weights() if pretrained else list_models()
        raise UserError(f"unknown model {name!r}; pass a .safetensors path or {_names_to_choose(choices)}.")


def _inpainter_from_file(path: Path, device, max_side: Optional[int], name: str,
                         detail: str = DEFAULT_DETAIL, seed: int = 0) -> Inpainter:
    from .weights import load_weights, read_metadata

    if max_side is None:
        max_side = int(read_metadata(path).get("max_side", DEFAULT_MAX_SIDE)) if path.is_file() else DEFAULT_MAX_SIDE
    return Inpainter(load_weights(path), device=device, max_side=max_side, name=name, detail=detail, seed=seed)


@lru_cache(maxsize=4)
def cached_model(name_or_path: str, detail: str = DEFAULT_DETAIL) -> Inpainter:
    """``load_model(name_or_path, detail=detail)``, loaded once per process (the 4 most
    recent kept): the one model cache of the Python API and object removal."""
    return load_model(name_or_path, detail=detail)


def is_grey(rgb: np.ndarray, hole: np.ndarray) -> bool:
    """Whether every known pixel of ``rgb`` has R = G = B: a black-and-white photo (read
    as RGB), whose fill must stay grey. The network was trained on colour photos and
    tints its fill (up to 17 levels between channels on the cameraman); the patch
    synthesis copies grey pixels, but falls back to the network where nothing may be
    copied."""
    equal = (rgb[..., 0] == rgb[..., 1]) & (rgb[..., 1] == rgb[..., 2])
    return bool((equal | hole).all())


def grey_copy(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` (uint8 ``H×W×3``) with each pixel's three channels set to their mean."""
    mean = np.rint(rgb.astype(np.float32).mean(axis=2)).astype(np.uint8)
    return np.repeat(mean[..., None], 3, axis=2)


def inpaint(image: Source, mask: Source, model: Union[str, Path, Inpainter] = DEFAULT_MODEL,
            guidance: Optional[Source] = None, detail: str = DEFAULT_DETAIL, allow_large_hole: bool = False):
    """One-shot inpainting with a cached model (see :func:`load_model`); ``detail`` is
    ignored when ``model`` is an :class:`Inpainter` (it has its own). ``image``, ``mask``
    and ``guidance`` as :class:`Inpainter` takes them (arrays, PIL images, file paths).

    A mask over :data:`~inpaintkit.image_io.WHOLE_PHOTO_HOLE_FRACTION` of the photo (90 %:
    almost always an inverted mask) is refused with an ``InputImageError`` unless
    ``allow_large_hole``, as ``inpaintkit inpaint`` and ``/api/inpaint`` refuse it."""
    if not isinstance(model, (str, Path, Inpainter)):
        # inpaint(photo, mask, guidance_map), after model(photo, mask, guidance), would
        # otherwise read the map's pixels as a file name.
        raise UserError(f"model must be a model name, a .safetensors path or an Inpainter, not "
                        f"{type(model).__name__}; pass a guidance map as guidance=.")
    rgb = read_image(image)
    hole = read_mask(mask, rgb.shape[:2])
    check_whole_photo_hole(hole, allow_large_hole, advice=ASK_FOR_WHOLE_PHOTO_HOLE["python"])
    if not isinstance(model, Inpainter):
        check_detail(detail)
        model = cached_model(str(model), detail)
    result = model(rgb, hole, guidance)
    return Image.fromarray(result) if isinstance(image, Image.Image) else result
