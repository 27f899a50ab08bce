"""Turning what a user hands us into uint8 RGB images and binary masks — or one clear error.

Every edge (Python API, CLI, HTTP) goes through here, so the same limits and messages
apply everywhere: a file that is not an image, a truncated file, a decompression bomb, a
mask of the wrong size, an empty mask.
"""
from __future__ import annotations

import io
import os
import tempfile
import warnings
from pathlib import Path
from typing import Optional, Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InputImageError, UserError

# 100 MP covers 10000×10000 photos; beyond that the inpainting itself would need more
# memory than a 24 GiB machine comfortably gives.
MAX_PIXELS = 100_000_000
# Ordinary photo formats only: Pillow can also open formats whose decoders call other
# programs (EPS runs Ghostscript), which no photo needs.
ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF")
# The file names taken for photos when a whole folder is read.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")

ImageLike = Union[np.ndarray, Image.Image]
Source = Union[str, os.PathLike, bytes, ImageLike]


def _open_pil(source: Union[str, os.PathLike, bytes], what: str,
              max_pixels: Optional[int] = None) -> Image.Image:
    """Open and fully decode an image file or bytes, enforcing the pixel limit first."""
    name = "the uploaded data" if isinstance(source, bytes) else str(source)
    handle = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(handle, formats=ALLOWED_FORMATS)
            width, height = image.size
            check_pixel_count(width, height, what, max_pixels)
            image.load()  # decode now, so a truncated file fails here, not later
    except FileNotFoundError as error:
        raise InputImageError(f"the {what} file {name} does not exist.") from error
    except IsADirectoryError as error:
        raise InputImageError(f"the {what} path {name} is a folder, not an image file.") from error
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise InputImageError(f"the {what} declares too many pixels to decode safely.") from error
    except UnidentifiedImageError as error:
        raise InputImageError(
            f"{name} is not an image file this program can read ({what}; "
            f"formats: {', '.join(ALLOWED_FORMATS)})."
        ) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise InputImageError(f"the {what} in {name} is damaged or truncated: {error}.") from error
    return ImageOps.exif_transpose(image)


def check_pixel_count(width: int, height: int, what: str = "image",
                      max_pixels: Optional[int] = None) -> None:
    """Raise InputImageError for empty or over-large images (before decoding them).

    ``max_pixels`` lowers the limit for a caller that needs less (object removal: 50 MP);
    by default it is :data:`MAX_PIXELS`."""
    limit = MAX_PIXELS if max_pixels is None else max_pixels
    if width < 1 or height < 1:
        raise InputImageError(f"the {what} is empty ({width}×{height} pixels).")
    if width * height > limit:
        raise InputImageError(
            f"the {what} has {width}×{height} pixels, more than the limit of "
            f"{limit // 1_000_000} megapixels; downscale it first."
        )


def to_rgb_array(image: ImageLike, what: str = "image", max_pixels: Optional[int] = None) -> np.ndarray:
    """uint8 ``H×W×3`` RGB from a PIL image or an array (grey, RGBA, float in [0,1] accepted)."""
    if isinstance(image, Image.Image):
        # np.array, not np.asarray: Pillow's buffer is read-only, and callers (OpenCV
        # drawing, in-place edits) expect an array they own, as cv2.imread gives.
        image = np.array(image.convert("RGB"))
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise InputImageError(f"the {what} must be H×W×3 RGB; got an array of shape {array.shape}.")
    array = array[:, :, :3]
    if array.dtype != np.uint8:
        if np.issubdtype(array.dtype, np.floating):
            if not np.isfinite(array).all():
                raise InputImageError(f"the {what} contains NaN or infinite values.")
            scale = 255.0 if array.max(initial=0.0) <= 1.0 else 1.0
            array = np.clip(np.rint(array * scale), 0, 255)
        array = array.astype(np.uint8)
    check_pixel_count(array.shape[1], array.shape[0], what, max_pixels)
    return np.ascontiguousarray(array)


def to_mask_array(mask: ImageLike, shape: tuple[int, int], what: str = "mask") -> np.ndarray:
    """Boolean ``H×W`` hole mask (non-zero = hole) that must match ``shape`` = (H, W)."""
    if isinstance(mask, Image.Image):
        mask = np.asarray(mask.convert("L"))
    array = np.asarray(mask)
    if array.ndim == 3:
        array = array.any(axis=2) if array.shape[2] != 4 else array[:, :, :3].any(axis=2)
    if array.ndim != 2:
        raise InputImageError(f"the {what} must be a 2-D array; got shape {array.shape}.")
    if array.shape != tuple(shape):
        raise InputImageError(
            f"the {what} is {array.shape[1]}×{array.shape[0]} but the image is "
            f"{shape[1]}×{shape[0]}; they must be the same size."
        )
    return np.asarray(array != 0)


def to_unit(image: np.ndarray) -> np.ndarray:
    """uint8 (0–255) → float64 in [0, 1]; float input is taken as already in [0, 1]."""
    array = np.asarray(image)
    if array.dtype == np.uint8:
        return array.astype(np.float64) / 255.0
    return array.astype(np.float64, copy=False)


def read_image(source: Source, what: str = "image", max_pixels: Optional[int] = None) -> np.ndarray:
    """Read a path, bytes, PIL image or array into uint8 RGB ``H×W×3``; a file over
    ``max_pixels`` (default :data:`MAX_PIXELS`) is refused from its header, undecoded."""
    if isinstance(source, (np.ndarray, Image.Image)):
        return to_rgb_array(source, what, max_pixels)
    return to_rgb_array(_open_pil(source, what, max_pixels), what, max_pixels)


def read_mask(source: Source, shape: tuple[int, int], what: str = "mask") -> np.ndarray:
    """Read a mask (path, bytes, PIL or array; non-zero = hole) of the given (H, W)."""
    if isinstance(source, (np.ndarray, Image.Image)):
        return to_mask_array(source, shape, what)
    image = _open_pil(source, what)
    if image.mode in ("RGBA", "LA"):
        # A painted overlay: the alpha channel says where the brush went.
        return to_mask_array(np.asarray(image.getchannel("A")), shape, what)
    return to_mask_array(np.asarray(image.convert("L")), shape, what)


def read_inpainting_inputs(image: Source, mask: Source, guidance: Optional[Source] = None
                           ) -> tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """The three inputs of an inpainting: the image, its mask and its optional guidance
    map, both of the image's size."""
    rgb = read_image(image)
    hole = read_mask(mask, rgb.shape[:2])
    avoid = read_mask(guidance, rgb.shape[:2], "guidance map") if guidance is not None else None
    return rgb, hole, avoid


def encode_image(image: np.ndarray, format: str = "PNG", quality: int = 95,
                 png_compress_level: int = 6) -> bytes:
    """Encode uint8 RGB (or a bool/uint8 mask) as PNG or JPEG bytes (``quality`` for
    JPEG, zlib ``png_compress_level`` 0–9 for PNG: Pillow's default 6)."""
    array = image.astype(np.uint8) * 255 if image.dtype == bool else image
    buffer = io.BytesIO()
    pil_format = "JPEG" if format.upper() in ("JPG", "JPEG") else format.upper()
    options = {"JPEG": {"quality": quality}, "PNG": {"compress_level": png_compress_level}}.get(pil_format, {})
    Image.fromarray(array).save(buffer, format=pil_format, **options)
    return buffer.getvalue()


def save_image(image: np.ndarray, path: Union[str, os.PathLike]) -> Path:
    """Write an image atomically: a temporary file in the same folder, then a rename,
    so an interrupted run never leaves a half-written output."""
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".") or "png"
    if suffix not in ("png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp"):
        raise InputImageError(f"cannot write images with the extension .{suffix}; use .png or .jpg.")
    data = encode_image(image, {"jpg": "JPEG", "tif": "TIFF"}.get(suffix, suffix.upper()))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the result from other users
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def images_by_stem(folder: Union[str, os.PathLike], what: str = "folder") -> dict[str, Path]:
    """The images of a folder (by :data:`IMAGE_SUFFIXES`; hidden files left out), keyed by
    name without extension, in name order: how folders of photos, masks and results are
    paired. Two images of one name (``a.jpg`` and ``a.png``) are refused: which of them a
    mask or a result belongs to cannot be told."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"the {what} {folder} does not exist or is not a folder.")
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        if path.stem in found:
            raise UserError(f"{found[path.stem].name} and {path.name} in {folder} have the same name; "
                            "keep one of them, or rename one.")
        found[path.stem] = path
    return found
