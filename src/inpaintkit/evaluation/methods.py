"""Methods under test, behind one interface: ``method(image, mask) -> filled image``.

``image``: uint8 ``H×W×3`` RGB; ``mask``: uint8 ``H×W`` {0, 1} (1 = hole). The result is
uint8 ``H×W×3``; the runner composites the known pixels back, so every method is scored
on its fill alone (the thesis compares composited outputs).

Specs accepted by :func:`create_method` (and ``--methods`` on the command line):

- ``telea`` — OpenCV ``INPAINT_TELEA`` (Telea 2004, fast marching), radius 3.
- ``ns`` — OpenCV ``INPAINT_NS`` (Bertalmío et al. 2001, Navier–Stokes), radius 3; in
  float32 per channel it is the ``base: navier-stokes`` of ``residual`` models.
- ``diffusion`` — harmonic (Laplace) fill, :func:`inpaintkit.fills.harmonic_fill`;
  ``push-pull`` — :func:`inpaintkit.fills.push_pull_fill`. These are the base images that
  ``residual`` models correct (``base: harmonic`` / ``push-pull``), so a table with them
  shows what training adds.
- ``patchmatch`` — PatchMatch (Barnes et al. 2009) from the ``pypatchmatch`` package
  (a prebuilt native library, optional extra ``inpaintkit[patchmatch]``), patch radius 3
  (IOPaint's setting: 7×7 patches), seeded so that a run repeats exactly.
- ``model:NAME`` (or a bare registered model name) — an inpaintkit model's network
  alone (``detail="none"``) with its shipped weights; ``weights:PATH`` — a
  ``.safetensors`` file; ``untrained:NAME`` — the model with random weights and
  ``width=8`` (plumbing checks only: its numbers say nothing about the research).
- ``detail:NAME`` (or ``detail:PATH``) — what ``inpaintkit inpaint`` does by default: the
  network's fill as structure, :mod:`inpaintkit.synthesis` copying the photo's detail.
- ``synthesis`` — the same patch synthesis without a network (OpenCV Telea's fill as its
  first estimate): what the network adds, beside plain ``patchmatch``.

The radius 3 for OpenCV is the value of OpenCV's own inpainting sample; the thesis does
not run these baselines, so there is no value of its to follow.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import cv2
import numpy as np

from ..errors import UserError

CLASSICAL = ("telea", "ns", "diffusion", "push-pull", "patchmatch", "synthesis")
OPENCV_RADIUS = 3
PATCHMATCH_PATCH_SIZE = 3
UNTRAINED_WIDTH = 8


class Method:
    """A named inpainting method. Subclasses implement :meth:`__call__`."""

    name: str = "method"

    def __call__(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class OpenCVMethod(Method):
    """``cv2.inpaint`` with the Telea or Navier–Stokes algorithm.

    Both treat the three channels alike, so RGB needs no conversion to BGR.
    """

    def __init__(self, name: str, flag: int, radius: int = OPENCV_RADIUS):
        self.name, self.flag, self.radius = name, flag, radius

    def __call__(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return cv2.inpaint(image, (mask != 0).astype(np.uint8), self.radius, self.flag)


class FillMethod(Method):
    """One of :mod:`inpaintkit.fills`' classical fills, by its ``BASE_FILLS`` name."""

    def __init__(self, name: str, fill: str):
        self.name, self.fill = name, fill

    def __call__(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import torch

        from ..data import to_tensor, to_uint8
        from ..fills import base_fill

        hole = torch.from_numpy((mask != 0).astype(np.float32))[None, None]
        return to_uint8(base_fill(self.fill)(to_tensor(image)[None], hole)[0])


class PatchMatchMethod(Method):
    """PatchMatch from ``pypatchmatch``; the seed is reset before each image."""

    name = "patchmatch"

    def __init__(self, patch_size: int = PATCHMATCH_PATCH_SIZE, seed: int = 0):
        try:
            import patchmatch
        except ImportError as error:
            raise UserError(
                "the patchmatch method needs the pypatchmatch package; install it with "
                "`pip install pypatchmatch` (or inpaintkit[patchmatch])."
            ) from error
        if not patchmatch.patchmatch_available:
            raise UserError("pypatchmatch is installed but its native library failed to load; reinstall pypatchmatch.")
        self._patchmatch = patchmatch
        self.patch_size, self.seed = patch_size, seed

    def __call__(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        self._patchmatch.set_random_seed(self.seed)
        return self._patchmatch.inpaint(image, (mask != 0).astype(np.uint8), patch_size=self.patch_size)


class ModelMethod(Method):
    """An inpaintkit model through :func:`inpaintkit.inference.load_model` (which pads,
    crops around the hole and composites). Built when created, so a missing weights file
    stops the run before any image is processed."""

    def __init__(self, name: str, target: str, *, pretrained: bool = True,
                 device: Optional[str] = None, detail: str = "none", **config_overrides):
        from ..inference import load_model

        self.name = name
        self.inpainter = load_model(target, pretrained=pretrained, device=device, detail=detail,
                                    **config_overrides)

    def __call__(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self.inpainter(image, mask)


class SynthesisMethod(Method):
    """:func:`inpaintkit.synthesis.complete` without a network: Telea's fill is its guide."""

    name = "synthesis"

    def __call__(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        from ..synthesis import complete

        return complete(image, mask != 0)


class FunctionMethod(Method):
    """Any ``f(image, mask) -> image`` under a name (your own method, or a test double)."""

    def __init__(self, name: str, function: Callable[[np.ndarray, np.ndarray], np.ndarray]):
        self.name, self.function = name, function

    def __call__(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self.function(image, mask)


def create_method(spec: str, device: Optional[str] = None) -> Method:
    """A :class:`Method` from a spec (see the module docstring). Raises ``UserError``
    (including ``MissingWeightsError``) for specs that cannot be built here."""
    spec = spec.strip()
    if spec == "telea":
        return OpenCVMethod("telea", cv2.INPAINT_TELEA)
    if spec == "ns":
        return OpenCVMethod("ns", cv2.INPAINT_NS)
    if spec == "diffusion":
        return FillMethod("diffusion", "harmonic")
    if spec == "push-pull":
        return FillMethod("push-pull", "push-pull")
    if spec == "patchmatch":
        return PatchMatchMethod()
    if spec == "synthesis":
        return SynthesisMethod()
    kind, _, value = spec.partition(":")
    if not value:
        kind, value = "model", spec
    if kind == "model":
        return ModelMethod(value, value, device=device)
    if kind == "detail":
        target = value if not value.endswith(".safetensors") else str(_existing(value))
        return ModelMethod(f"detail:{Path(value).stem}", target, device=device, detail="synthesis")
    if kind == "weights":
        path = _existing(value)
        return ModelMethod(path.stem, str(path), device=device)
    if kind == "untrained":
        return ModelMethod(f"untrained:{value}", value, pretrained=False, device=device, width=UNTRAINED_WIDTH)
    raise UserError(f"unknown method {spec!r}; use telea, ns, diffusion, push-pull, patchmatch, synthesis, "
                    "model:NAME, detail:NAME, weights:PATH or untrained:NAME.")


def _existing(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise UserError(f"the weights file {path} does not exist.")
    return path


def create_methods(specs: str, device: Optional[str] = None) -> list[Method]:
    """Methods from a comma-separated list of specs, in order, without duplicates."""
    names = [s.strip() for s in specs.split(",") if s.strip()]
    if not names:
        raise UserError("no methods given; pass e.g. --methods telea,ns,patchmatch.")
    if len(set(names)) != len(names):
        raise UserError("a method is listed twice in --methods.")
    return [create_method(name, device) for name in names]
