"""Evaluation protocols: named, seeded, reproducible sets of (image, mask) pairs.

A protocol turns a folder of photos into test cases the same way on every run and every
machine: photos are taken in sorted file-name order, centre-cropped to a square and
resized to the test size (OpenCV area interpolation when shrinking, cubic when growing),
and masks come from :mod:`inpaintkit.masks` with seeds derived from one ``seed``
(NumPy's PCG64 generator gives the same stream on every platform).

The protocols of the thesis:

============== ========================================================= =================
name           cases                                                     thesis
============== ========================================================= =================
freeform       one free-form mask per photo in each hole-ratio bucket    Tables 3.1, 4.1
               10–20 %, 20–30 %, 30–40 %
center         one centre square per photo covering 25 % of the image    Tables 3.2, 4.1
ratio-sweep    centre squares covering 15, 25, 35, 45, 55 %              Fig. 3.7 (a, b)
resolution-    centre squares (25 %) at test sizes 256, 512, 1024        Fig. 3.7 (c, d),
sweep          (the ``size`` argument is ignored)                        Table 3.3
============== ========================================================= =================

Choices where the thesis is vague: it uses the partial-conv mask set [26] for free-form
buckets; we use DeepFill v2 strokes rejected into each bucket (``inpaintkit.masks``),
since that mask set cannot ship. "Square center masks" are not sized in the thesis; 25 %
is the DeepFill/Context-Encoder convention (a 128² square in a 256² image). The
resolution sweep uses centre squares, as the caption of Fig. 3.7 says ("square shape
masks"); Table 3.3's free-form masks at 1024 are ``freeform`` with ``size=1024``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence

import cv2
import numpy as np

from ..errors import UserError
from ..image_io import IMAGE_SUFFIXES, read_image

FREEFORM_BUCKETS = ((0.10, 0.20), (0.20, 0.30), (0.30, 0.40))
CENTER_RATIO = 0.25
SWEEP_RATIOS = (0.15, 0.25, 0.35, 0.45, 0.55)
SWEEP_SIZES = (256, 512, 1024)


@dataclass(frozen=True)
class Case:
    """One test: ``image`` uint8 ``S×S×3`` RGB (the truth), ``mask`` uint8 ``S×S`` {0, 1}
    (1 = hole). ``group`` is the column it is reported under (a bucket such as
    ``"10-20%"``, a ratio, or a size); ``x`` is the group's position on a sweep's axis."""

    protocol: str
    group: str
    x: float
    photo: str
    image: np.ndarray
    mask: np.ndarray

    @property
    def hole_ratio(self) -> float:
        return float(np.count_nonzero(self.mask)) / self.mask.size


@dataclass(frozen=True)
class Group:
    """One column of a protocol: its label, its sweep position and how to make its masks.

    ``masks(count, size, seed)`` returns ``count`` uint8 ``size×size`` masks.
    """

    label: str
    x: float
    masks: Callable[[int, int, int], list]
    size: Optional[int] = None  # fixed test size (resolution sweep), else the run's size


@dataclass(frozen=True)
class Protocol:
    name: str
    description: str
    groups: tuple[Group, ...]
    axis: Optional[str] = None  # label of the x axis of its plot; None: no plot

    def cases(self, photos: Sequence[Path], size: int, seed: int = 0) -> Iterator[Case]:
        """Yield every (photo, group) case: group by group, photos in the given order.

        Each group's masks come from their own seed (``seed·100 + group index``), so the
        buckets are independent of one another; mask ``i`` goes with photo ``i``. Masks
        are drawn in sequence from that seed, so a run on the first N photos (``--limit``)
        gets exactly the first N cases of the full run.
        """
        for index, group in enumerate(self.groups):
            test_size = group.size or size
            masks = group.masks(len(photos), test_size, seed * 100 + index)
            for photo, mask in zip(photos, masks):
                yield Case(
                    protocol=self.name, group=group.label, x=group.x, photo=Path(photo).name,
                    image=prepare_photo(photo, test_size), mask=np.asarray(mask, dtype=np.uint8),
                )

    def count(self, photos: Sequence[Path]) -> int:
        return len(photos) * len(self.groups)


def _freeform(low: float, high: float) -> Callable[[int, int, int], list]:
    def make(count: int, size: int, seed: int) -> list:
        from ..masks import evaluation_mask_set

        return evaluation_mask_set(count, size, size, low, high, seed)

    return make


def _center(ratio: float) -> Callable[[int, int, int], list]:
    def make(count: int, size: int, seed: int) -> list:
        from ..masks import center_square_mask

        return [center_square_mask(size, size, ratio)] * count

    return make


def _percent(ratio: float) -> str:
    return f"{round(ratio * 100)}%"


PROTOCOLS: dict[str, Protocol] = {
    "freeform": Protocol(
        "freeform", "free-form masks by hole ratio (Tables 3.1, 4.1)",
        tuple(Group(f"{round(lo * 100)}-{_percent(hi)}", (lo + hi) * 50, _freeform(lo, hi))
              for lo, hi in FREEFORM_BUCKETS),
        axis="hole ratio, bucket centre (%)",
    ),
    "center": Protocol(
        "center", "centre square masks covering 25 % (Tables 3.2, 4.1)",
        (Group(f"center {_percent(CENTER_RATIO)}", CENTER_RATIO * 100, _center(CENTER_RATIO)),),
    ),
    "ratio-sweep": Protocol(
        "ratio-sweep", "centre squares from 15 % to 55 % of the image (Fig. 3.7 a, b)",
        tuple(Group(_percent(r), r * 100, _center(r)) for r in SWEEP_RATIOS),
        axis="hole ratio (%)",
    ),
    "resolution-sweep": Protocol(
        "resolution-sweep", "centre squares (25 %) at 256, 512 and 1024 px (Fig. 3.7 c, d)",
        tuple(Group(f"{s}px", s, _center(CENTER_RATIO), size=s) for s in SWEEP_SIZES),
        axis="test resolution (px)",
    ),
}


def get_protocols(name: str) -> list[Protocol]:
    """The protocol called ``name``, or all of them for ``"all"``."""
    if name == "all":
        return list(PROTOCOLS.values())
    if name not in PROTOCOLS:
        raise UserError(f"unknown protocol {name!r}; choose one of {', '.join(PROTOCOLS)} or all.")
    return [PROTOCOLS[name]]


def prepare_photo(path: Path, size: int) -> np.ndarray:
    """Read a photo and centre-crop / resize it to uint8 ``size×size×3`` RGB, deterministically."""
    image = read_image(Path(path), "photo")
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = image[top:top + side, left:left + side]
    if side == size:
        return np.ascontiguousarray(square)
    interpolation = cv2.INTER_AREA if side > size else cv2.INTER_CUBIC
    return cv2.resize(square, (size, size), interpolation=interpolation)


def list_photos(folder: Path, split: Optional[Path] = None, subset: str = "validation") -> list[Path]:
    """Photos of ``folder`` in sorted name order, optionally only one subset of a split file.

    ``split``: a YAML file with a ``validation:`` list of file names (``configs/split.yaml``);
    subset ``"validation"`` keeps those, ``"train"`` keeps every other photo.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"the photo folder {folder} does not exist.")
    photos = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if split is not None:
        photos = _apply_split(photos, Path(split), subset)
    if not photos:
        raise UserError(f"no photos (.jpg, .png, …) found in {folder} for this selection.")
    return photos


def _apply_split(photos: list[Path], split: Path, subset: str) -> list[Path]:
    import yaml

    if not split.is_file():
        raise UserError(f"the split file {split} does not exist.")
    validation = set((yaml.safe_load(split.read_text()) or {}).get("validation") or [])
    if subset == "validation":
        missing = validation - {p.name for p in photos}
        if missing:
            raise UserError(f"{len(missing)} validation photos of {split} are not in the folder, e.g. {sorted(missing)[0]}.")
        return [p for p in photos if p.name in validation]
    if subset == "train":
        return [p for p in photos if p.name not in validation]
    raise UserError(f"unknown subset {subset!r}; choose validation or train.")
