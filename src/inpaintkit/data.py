"""Training data: any folder of images → random crops, flips, fresh masks, structure images.

``InpaintingDataset`` reads every image under a folder (recursively) or a list of files, of
any size and mode (grey, palette, RGBA, 16-bit PNG, CMYK JPEG…), and returns dicts

- ``"image"``: ``3×S×S`` float32 in [-1, 1] (the ground truth crop),
- ``"mask"``: ``1×S×S`` float32 in {0, 1} (1 = hole), a fresh DeepFill v2 mask per sample,
- ``"structure"``: ``3×s×s`` float32 in [-1, 1], ``s = round(S · structure_scale)``: the RTV
  structure image of the ground truth (thesis §3.2.1: G0 learns to restore ``S`` at ¼
  scale), computed from the crop downscaled with area interpolation. Only when
  ``structure_scale`` is set.

Sampling is a pure function of ``(seed, index, epoch)``: every random choice (scale, crop
position, flip, mask) comes from ``np.random.default_rng([seed, 1, epoch, index])``, never
from a global generator, so a resumed run or another DataLoader worker layout reproduces
the exact batches. ``StepBatchSampler`` turns a training step number into the
``(index, epoch)`` pairs of that step's batch, sharded by rank for DDP.

Choices where the thesis is vague (§3.3 only says "randomly cropped into 512×512"):

- **Scale.** ``scale_range=(lo, hi)`` is a zoom relative to "shorter side = crop size":
  1.0 means the crop spans the whole shorter side, 2.0 half of it. The zoom is capped at
  the photo's native resolution (never upsample a photo beyond its own pixels just to
  zoom), except that photos smaller than the crop are upscaled to fit.
- **Cache.** Decoding a 2048-px JPEG per sample dominates the loader's time. With
  ``cache=True`` (default) each process keeps a downscaled copy of every photo in memory,
  shorter side ≤ ``ceil(crop_size · hi)`` — exactly the largest resolution any crop can
  use, so crops are unchanged up to interpolation round-off. JPEGs are decoded with
  Pillow's DCT-domain ``draft`` scaling, which alone makes a 2048-px decode ~8× cheaper.
  Each DataLoader worker holds its own cache (``StepBatchSampler`` is endless, so one
  iterator, hence one cache, lives for the whole run).
- **Alpha** is composited over white; 16-bit images are scaled to 8 bits; EXIF
  orientation is applied.
"""
from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence, Union

import cv2
import numpy as np
import torch
import yaml
from PIL import Image, ImageOps

from .errors import UserError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".ppm", ".pgm"})

MaskFn = Callable[[int, int, np.random.Generator], np.ndarray]


# --------------------------------------------------------------------------- files


def find_images(root: Union[str, Path, Sequence[Union[str, Path]]]) -> list[Path]:
    """Every image file under ``root`` (recursive, sorted), or the files of a list.

    A list may mix files and folders; folders are searched recursively. The order is
    sorted so that an index means the same photo on every machine.
    """
    roots = [root] if isinstance(root, (str, Path)) else list(root)
    files: list[Path] = []
    for entry in map(Path, roots):
        if entry.is_dir():
            files += [p for p in entry.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
        elif entry.is_file():
            files.append(entry)
        else:
            raise UserError(f"The training data path {entry} does not exist.")
    return sorted(set(files))


def read_split(split_file: Union[str, Path]) -> set[str]:
    """File names listed under ``validation:`` in a split file (``configs/split.yaml``)."""
    try:
        content = yaml.safe_load(Path(split_file).read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise UserError(f"The split file {split_file} cannot be read ({error}).") from None
    return {str(name) for name in content.get("validation") or []}


def select_subset(files: list[Path], split_file, subset: Optional[str]) -> list[Path]:
    """Keep the ``"train"`` files (not in the split's validation list), the
    ``"validation"`` files, or all of them (``subset=None``). Matching is by file name."""
    if subset is None:
        return files
    if subset not in ("train", "validation"):
        raise UserError(f"subset must be 'train', 'validation' or null, not {subset!r}.")
    if split_file is None:
        raise UserError("A subset needs a split file (data.split: configs/split.yaml).")
    validation = read_split(split_file)
    return [f for f in files if (f.name in validation) == (subset == "validation")]


# --------------------------------------------------------------------------- decoding


def _to_rgb(image: Image.Image) -> np.ndarray:
    """Any Pillow mode → ``H×W×3`` uint8 RGB."""
    if image.mode.startswith("I") or image.mode == "F":
        # 16-bit greys open as "I;16*" or "I" (32-bit int holding 0..65535).
        values = np.asarray(image, dtype=np.float32)
        scale = 255.0 / 65535.0 if values.max(initial=0) > 255 else 1.0
        grey = np.clip(values * scale + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=2)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image.convert("RGBA"))
    return np.asarray(image.convert("RGB"))


def read_image(path: Union[str, Path], min_short_side: Optional[int] = None) -> np.ndarray:
    """Decode ``path`` to ``H×W×3`` uint8 RGB, EXIF-rotated.

    With ``min_short_side``, the result is downscaled (area interpolation) so that its
    shorter side is at most that, never below it; JPEGs are first decoded at a reduced
    DCT scale (``Image.draft``), which is where the time goes. Raises ``OSError`` (or
    Pillow's errors) for unreadable files.
    """
    with Image.open(path) as image:
        if min_short_side is not None:
            factor = min_short_side / min(image.size)
            if factor < 1:
                image.draft("RGB", (math.ceil(image.size[0] * factor), math.ceil(image.size[1] * factor)))
        image = ImageOps.exif_transpose(image)
        rgb = _to_rgb(image)
    if min_short_side is not None and min(rgb.shape[:2]) > min_short_side:
        factor = min_short_side / min(rgb.shape[:2])
        size = (max(1, round(rgb.shape[1] * factor)), max(1, round(rgb.shape[0] * factor)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(rgb)


def _probe(path: Path) -> bool:
    """Cheap validity check: the header parses (and, for PNG, the chunk CRCs match)."""
    try:
        with Image.open(path) as image:
            image.verify()
        return True
    except Exception:  # noqa: BLE001 - any decoder error means "skip this file"
        return False


# --------------------------------------------------------------------------- dataset


def sample_rng(seed: int, index: int, epoch: int) -> np.random.Generator:
    """The generator of every random choice for one sample: a pure function of its key."""
    return np.random.default_rng([seed, 1, epoch, index])


def random_crop(
    photo: np.ndarray, native_short: int, crop_size: int, scale_range: tuple[float, float], rng
) -> np.ndarray:
    """A ``crop_size²`` uint8 crop of ``photo`` at a random zoom and position.

    ``photo`` may be a cached downscaled copy of an image whose shorter side was
    ``native_short`` pixels; the zoom is drawn relative to the native size (see the module
    docstring) and then mapped onto the copy.
    """
    low, high = scale_range
    native_zoom = native_short / crop_size  # zoom at which one crop pixel = one photo pixel
    zoom = rng.uniform(low, max(low, min(high, native_zoom)))
    short = min(photo.shape[:2])
    window = max(1, min(short, round(short / zoom)))  # square window in the copy's pixels
    # Relative positions (fixed draws, not integers() with photo-size bounds): the cached
    # copy and the full photo then give the same crop, and the same mask after it.
    v, u = rng.random(2)
    top = min(int(v * (photo.shape[0] - window + 1)), photo.shape[0] - window)
    left = min(int(u * (photo.shape[1] - window + 1)), photo.shape[1] - window)
    patch = photo[top : top + window, left : left + window]
    interpolation = cv2.INTER_AREA if window >= crop_size else cv2.INTER_CUBIC
    return cv2.resize(patch, (crop_size, crop_size), interpolation=interpolation)


def to_tensor(rgb: np.ndarray) -> torch.Tensor:
    """``H×W×3`` uint8 → ``3×H×W`` float32 in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1))).float() / 127.5 - 1.0


def to_uint8(image: torch.Tensor) -> np.ndarray:
    """The inverse of :func:`to_tensor`: ``3×H×W`` in [-1, 1] (clamped) → ``H×W×3`` uint8."""
    as_uint8 = ((image.clamp(-1.0, 1.0) + 1.0) * 127.5).round().to(torch.uint8)
    return as_uint8.permute(1, 2, 0).cpu().numpy()


class InpaintingDataset(torch.utils.data.Dataset):
    """Random inpainting samples from any folder of images (see the module docstring).

    ``dataset[i]`` uses epoch ``self.epoch`` (0 unless set); ``dataset[(i, epoch)]`` names
    the epoch explicitly, which is what :class:`StepBatchSampler` feeds it.
    """

    def __init__(
        self,
        root: Union[str, Path, Sequence[Union[str, Path]]],
        crop_size: int,
        *,
        structure_scale: Optional[float] = None,
        mask_fn: Optional[MaskFn] = None,
        split_file: Union[str, Path, None] = None,
        subset: Optional[str] = None,
        scale_range: tuple[float, float] = (1.0, 2.0),
        flip: bool = True,
        seed: int = 0,
        cache: bool = True,
    ):
        if crop_size < 8:
            raise UserError(f"crop_size must be at least 8 pixels, not {crop_size}.")
        low, high = (float(s) for s in scale_range)
        if not 0 < low <= high:
            raise UserError(f"scale_range must be two positive numbers, low ≤ high, not {scale_range}.")
        files = select_subset(find_images(root), split_file, subset)
        readable = {f: _probe(f) for f in files}
        broken = [f for f, ok in readable.items() if not ok]
        if broken:
            warnings.warn(f"skipping {len(broken)} unreadable image(s): {', '.join(map(str, broken))}", stacklevel=2)
        self.files = [f for f, ok in readable.items() if ok]
        if not self.files:
            where = root if isinstance(root, (str, Path)) else f"{len(list(root))} paths"
            raise UserError(f"No readable images found in {where}" + (f" (subset {subset!r})." if subset else "."))
        if mask_fn is None:
            from .masks import training_mask as mask_fn
        self.crop_size = int(crop_size)
        self.structure_scale = structure_scale
        self.mask_fn = mask_fn
        self.scale_range = (low, high)
        self.flip = flip
        self.seed = int(seed)
        self.cache = cache
        self.epoch = 0
        self._photos: dict[int, tuple[np.ndarray, int]] = {}
        self._broken: set[int] = set()

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, key: Union[int, tuple[int, int]]) -> dict[str, torch.Tensor]:
        index, epoch = key if isinstance(key, tuple) else (key, self.epoch)
        rng = sample_rng(self.seed, int(index), int(epoch))
        photo, native_short = self._photo(int(index))
        crop = random_crop(photo, native_short, self.crop_size, self.scale_range, rng)
        if self.flip and rng.random() < 0.5:
            crop = crop[:, ::-1]
        mask = np.asarray(self.mask_fn(self.crop_size, self.crop_size, rng), dtype=np.float32)
        sample = {"image": to_tensor(crop), "mask": torch.from_numpy((mask > 0).astype(np.float32))[None]}
        if self.structure_scale is not None:
            sample["structure"] = self._structure(crop)
        return sample

    def _photo(self, index: int) -> tuple[np.ndarray, int]:
        """The (cached, downscaled) photo and its native shorter side. A photo that fails
        to decode is reported once and replaced by the next readable one, so an epoch
        never dies on a truncated file."""
        for offset in range(len(self.files)):
            candidate = (index + offset) % len(self.files)
            if candidate in self._broken:
                continue
            if candidate in self._photos:
                return self._photos[candidate]
            try:
                entry = self._decode(self.files[candidate])
            except Exception as error:  # noqa: BLE001 - skip, don't crash mid-epoch
                warnings.warn(f"skipping unreadable image {self.files[candidate]}: {error}", stacklevel=3)
                self._broken.add(candidate)
                continue
            if self.cache:
                self._photos[candidate] = entry
            return entry
        raise UserError("None of the training images can be decoded.")

    def _decode(self, path: Path) -> tuple[np.ndarray, int]:
        with Image.open(path) as image:
            native_short = min(image.size)
        cap = math.ceil(self.crop_size * self.scale_range[1]) if self.cache else None
        return read_image(path, min_short_side=cap), native_short

    def _structure(self, crop: np.ndarray) -> torch.Tensor:
        """RTV structure image of the crop at ``structure_scale`` (area downscale first,
        as §3.2.1 builds ``S`` at the 128² bottom layer of a 512² input)."""
        from .structure import structure_image

        side = max(1, round(self.crop_size * self.structure_scale))
        small = cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA)
        with torch.no_grad():
            return structure_image(to_tensor(small)[None])[0]


# --------------------------------------------------------------------------- sampling


class StepBatchSampler(torch.utils.data.Sampler):
    """The batches of training steps ``start_step, start_step + 1, …`` as lists of
    ``(index, epoch)`` keys.

    The samples form one endless stream: epoch ``e`` is the permutation
    ``default_rng([seed, 0, e]).permutation(n)``, epochs follow each other, and step ``t``
    takes the ``batch_size · world_size`` keys at stream position
    ``t · batch_size · world_size``; rank ``r`` gets its ``batch_size`` slice (what
    ``DistributedSampler`` does, without padding or per-epoch restarts). A batch is thus a
    pure function of ``(seed, step, rank, world_size)``: resuming at step ``t`` yields the
    very batches the uninterrupted run would have seen.
    """

    def __init__(
        self,
        dataset_size: int,
        batch_size: int,
        *,
        seed: int = 0,
        start_step: int = 0,
        total_steps: Optional[int] = None,
        rank: int = 0,
        world_size: int = 1,
    ):
        self.size, self.batch_size, self.seed = dataset_size, batch_size, seed
        self.start_step, self.total_steps = start_step, total_steps
        self.rank, self.world_size = rank, world_size
        self._permutation: tuple[int, np.ndarray] = (-1, np.empty(0, dtype=np.int64))

    def __len__(self) -> int:
        if self.total_steps is None:
            raise TypeError("an endless StepBatchSampler has no length")
        return max(0, self.total_steps - self.start_step)

    def batch(self, step: int) -> list[tuple[int, int]]:
        """The keys of ``step``'s batch on this rank."""
        first = (step * self.world_size + self.rank) * self.batch_size
        return [self._key(position) for position in range(first, first + self.batch_size)]

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        step = self.start_step
        while self.total_steps is None or step < self.total_steps:
            yield self.batch(step)
            step += 1

    def _key(self, position: int) -> tuple[int, int]:
        epoch, offset = divmod(position, self.size)
        if self._permutation[0] != epoch:
            self._permutation = (epoch, np.random.default_rng([self.seed, 0, epoch]).permutation(self.size))
        return int(self._permutation[1][offset]), epoch
