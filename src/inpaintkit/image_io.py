"""Turning what a user hands us into uint8 RGB images and binary masks — or one clear error.

Every edge (Python API, CLI, HTTP) goes through here, so the same limits and messages
apply everywhere: a file that is not an image, a truncated file, a decompression bomb, a
mask of the wrong size, an empty mask, a hole that covers the whole photo.

The mask rule (one rule for files, uploads and arrays): **a pixel is a hole when it is at
least half-way to white.** A file's alpha channel is what counts when it varies (a brush
painted on a transparent layer: opaque = hole); an alpha that is the same everywhere says
nothing, so the grey level counts instead (white = hole). The midpoint is 128 for 8-bit
data, 32768 for 16-bit, 0.5 for floats; a bool array is taken as given, and integer data
holding only 0s and 1s (a mask saved straight from numpy) counts 1 as hole. The midpoint
rather than "non-zero" keeps a mask saved as JPEG from growing a fringe of hole out of its
compression noise.

Outputs are written with :func:`save_images`: every file of one command to a temporary
file first, then renamed, so a failure leaves none of them half-written.
"""
from __future__ import annotations

import io
import os
import re
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Optional, Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InputImageError, UserError
from .hole_limit import share_text


class PixelLimit(int):
    """A largest pixel count that knows how a refusal names it: ``name`` ("object removal's
    limit") and ``why``, a brief reason, for a limit that differs from the others."""

    name: str
    why: str

    def __new__(cls, pixels: int, name: str = "the limit", why: str = "") -> "PixelLimit":
        limit = super().__new__(cls, pixels)
        limit.name, limit.why = name, why
        return limit


# 100 MP covers 10000×10000 photos; beyond that the inpainting itself would need more
# memory than a 24 GiB machine comfortably gives. (Object removal has its own, lower one.)
MAX_PIXELS = PixelLimit(100_000_000, "inpainting's limit")
# Ordinary photo formats only: Pillow can also open formats whose decoders call other
# programs (EPS runs Ghostscript), which no photo needs.
ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF")
# The file names taken for photos when a whole folder is read, and for outputs.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
# A hole over this share of the photo leaves the network next to nothing to fill it from:
# the result is a flat smear. Such a mask is almost always a mistake (an inverted mask, an
# all-white file, a huge dilation), so it is refused unless asked for (--allow-large-hole).
WHOLE_PHOTO_HOLE_FRACTION = 0.9
# 16-bit modes Pillow opens photos and masks in (PNG, TIFF); their values run to 65535.
_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")

ImageLike = Union[np.ndarray, Image.Image]
Source = Union[str, os.PathLike, bytes, ImageLike]
# What is read as a file (a path, or its bytes); anything else is pixels already.
FILE_SOURCES = (str, os.PathLike, bytes)


def _open_pil(source: Union[str, os.PathLike, bytes], what: str,
              max_pixels: Optional[int] = None) -> Image.Image:
    """Open and fully decode an image file or bytes, enforcing the pixel limit first."""
    name = "the uploaded data" if isinstance(source, bytes) else str(source)
    handle = io.BytesIO(source) if isinstance(source, bytes) else source
    limit = MAX_PIXELS if max_pixels is None else max_pixels
    try:
        with _size_warnings_silenced():  # TIFF's decoder warns again inside load()
            image = open_header(handle)
            width, height = image.size
            check_pixel_count(width, height, what, max_pixels)
            image.load()  # decode now, so a truncated file fails here, not later
    except InputImageError:
        raise
    except FileNotFoundError as error:
        raise InputImageError(f"the {what} file {name} does not exist.") from error
    except IsADirectoryError as error:
        raise InputImageError(f"the {what} path {name} is a folder, not an image file.") from error
    except Image.DecompressionBombError as error:
        raise InputImageError(too_many_pixels_message(what, limit, error)) from error
    except UnidentifiedImageError as error:
        raise InputImageError(
            f"{name} is not an image file this program can read ({what}; "
            f"formats: {', '.join(ALLOWED_FORMATS)})."
        ) from error
    except (OSError, SyntaxError, ValueError) as error:
        reason = str(error).rstrip(".")
        raise InputImageError(f"the {what} in {name} is damaged or truncated: {reason}.") from error
    return ImageOps.exif_transpose(image)


def not_kept(path: Union[str, os.PathLike]) -> list[str]:
    """What of an image file the result will not have, in words ("transparency", "16-bit
    depth"): results are 8-bit RGB, and a user should hear so rather than find an
    opaque background or lost shades later. Reads the header, and decodes only a file
    with an alpha channel (to see whether any pixel is see-through)."""
    lost = []
    try:
        with _size_warnings_silenced(), open_header(path) as image:
            rawmode = image.tile[0][3] if image.tile and len(image.tile[0]) > 3 else ""
            if image.mode in _SIXTEEN_BIT_MODES + ("F",) or ";16" in str(rawmode):
                lost.append("16-bit depth")
            if _has_alpha(image):
                alpha = np.asarray(image.convert("RGBA").getchannel("A"))
                if alpha.min() < 255:
                    lost.append("transparency")
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        return []  # reading it proper says what is wrong
    return lost


def open_header(handle: Union[str, os.PathLike, IO[bytes]]) -> Image.Image:
    """``Image.open`` of an allowed format: the header read, nothing decoded yet.

    Pillow's own decompression-bomb guard stays on: it refuses from 179 MP (twice
    ``Image.MAX_IMAGE_PIXELS``) inside ``open`` (``DecompressionBombError``, whose
    sentence :func:`too_many_pixels_message` makes), and it also stops readers that
    allocate while opening: a 43-byte GIF declaring 65535×65535 pixels fills a buffer
    of its first frame's size there, 4 GB. The guard is Pillow's process-wide setting,
    so it is never lifted. Only its warning from 89.5 MP is silenced: our own limit,
    checked from the header before decoding, is the one that speaks."""
    with _size_warnings_silenced():
        return Image.open(handle, formats=ALLOWED_FORMATS)


@contextmanager
def _size_warnings_silenced():
    """Pillow's ``DecompressionBombWarning`` (from 89.5 MP, under our limits) silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


def too_many_pixels_message(what: str, limit: int, error: Image.DecompressionBombError) -> str:
    """The sentence for a file Pillow refuses to open as too large (from 179 MP): the size
    its header declares, read from Pillow's own message, against ``limit`` — or against
    Pillow's ceiling where ``limit`` is set above it (a server's ``--max-megapixels``)."""
    ceiling = 2 * Image.MAX_IMAGE_PIXELS
    found = re.search(r"\((\d+) pixels\)", str(error))
    declared = f"{int(found.group(1)) / 1e6:.0f} megapixels" if found else f"more than {ceiling / 1e6:.0f} megapixels"
    beyond = _limit_in_words(limit) if limit < ceiling else f"the {ceiling / 1e6:.0f} megapixels this program opens"
    return f"the {what} declares {declared}, more than {beyond}; downscale it first."


def _limit_in_words(limit: int) -> str:
    """"object removal's limit of 50 megapixels (why)", or "the limit of N megapixels"."""
    why = getattr(limit, "why", "")
    return (f"{getattr(limit, 'name', 'the limit')} of {limit // 1_000_000} megapixels"
            + (f" ({why})" if why else ""))


def check_pixel_count(width: int, height: int, what: str = "image",
                      max_pixels: Optional[int] = None, too_large: type = InputImageError) -> None:
    """Raise InputImageError for empty images, and ``too_large`` (an InputImageError by
    default; the server's 413) for over-large ones, before decoding them.

    ``max_pixels`` sets another limit (object removal's; a server's own); by default it
    is :data:`MAX_PIXELS`. A :class:`PixelLimit` is named in the message as it says."""
    limit = MAX_PIXELS if max_pixels is None else max_pixels
    if width < 1 or height < 1:
        raise InputImageError(f"the {what} is empty ({width}×{height} pixels).")
    if width * height > limit:
        raise too_large(
            f"the {what} has {width}×{height} pixels, more than {_limit_in_words(limit)}; downscale it first."
        )


def to_rgb_array(image: ImageLike, what: str = "image", max_pixels: Optional[int] = None) -> np.ndarray:
    """uint8 ``H×W×3`` RGB from a PIL image or an array (grey, RGBA, 16-bit, float in
    [0,1] accepted; 16-bit values are scaled to 8 bits, not clipped)."""
    if isinstance(image, Image.Image):
        # np.array, not np.asarray: Pillow's buffer is read-only, and callers (OpenCV
        # drawing, in-place edits) expect an array they own, as cv2.imread gives.
        if image.mode in _SIXTEEN_BIT_MODES:
            image = _sixteen_bit_array(image)
        elif _has_alpha(image):
            image = np.array(image.convert("RGBA"))
        else:
            image = np.array(image.convert("RGB"))
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] in (2, 4) and _varies(array[:, :, -1]):
        array = _on_white(array)
    if array.ndim == 3 and array.shape[2] in (1, 2):
        array = array[:, :, 0]  # grey, or grey and alpha
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise InputImageError(f"the {what} must be H×W×3 RGB; got an array of shape {array.shape}.")
    array = _to_uint8(array[:, :, :3], what)
    check_pixel_count(array.shape[1], array.shape[0], what, max_pixels)
    return np.ascontiguousarray(array)


def _on_white(array: np.ndarray) -> np.ndarray:
    """An image with an alpha channel that varies, laid over white: what a viewer shows
    on a white page. The colour stored under see-through pixels is often left-over data
    (another layer, half a butterfly); a fill copied from it would bring it back."""
    colour, alpha = array[..., :-1], array[..., -1:]
    white = 65535.0 if array.dtype == np.uint16 else 1.0 if np.issubdtype(array.dtype, np.floating) else 255.0
    weight = alpha.astype(np.float64) / white
    laid = colour.astype(np.float64) * weight + white * (1.0 - weight)
    return laid.astype(array.dtype) if np.issubdtype(array.dtype, np.floating) else np.rint(laid).astype(array.dtype)


def _sixteen_bit_array(image: Image.Image) -> np.ndarray:
    """A 16-bit grey PIL image as uint16 (Pillow's own conversion to 8 bits clips at 255,
    which turns every 16-bit photo white). Pillow's 32-bit mode "I" also holds 8-bit
    levels (``convert("I")`` of a grey image): values all within 0–255 are taken as those,
    not as a 16-bit image two hundred and fifty-seven times too dark."""
    array = np.asarray(image)
    if image.mode == "I" and array.size and 0 <= array.min() and array.max() <= 255:
        return array.astype(np.uint8)
    return np.clip(array, 0, 65535).astype(np.uint16)


def _check_numeric(array: np.ndarray, what: str) -> None:
    """An InputImageError for arrays of text, objects or complex numbers."""
    if not (array.dtype == bool or np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise InputImageError(f"the {what} must hold numbers (bool, integers or floats); "
                              f"got an array of {array.dtype}.")


def _to_uint8(array: np.ndarray, what: str) -> np.ndarray:
    """Any numeric array → uint8: uint16 scaled by 255/65535, floats in [0, 1] by 255
    (floats above 1 taken as 0–255), other integers must already lie in 0–255."""
    if array.dtype == np.uint8:
        return array
    _check_numeric(array, what)
    if array.dtype == bool:
        return array.astype(np.uint8) * 255
    if array.dtype == np.uint16:
        return np.rint(array / 257.0).astype(np.uint8)
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise InputImageError(f"the {what} contains NaN or infinite values.")
        scale = 255.0 if array.max(initial=0.0) <= 1.0 else 1.0
        return np.clip(np.rint(array * scale), 0, 255).astype(np.uint8)
    if array.size and (array.min() < 0 or array.max() > 255):
        raise InputImageError(f"the {what} has values outside 0–255 ({array.dtype}); "
                              "pass uint8, uint16 or floats in [0, 1].")
    return array.astype(np.uint8)


def to_mask_array(mask: ImageLike, shape: tuple[int, int], what: str = "mask") -> np.ndarray:
    """Boolean ``H×W`` hole mask that must match ``shape`` = (H, W), by the module's mask
    rule: alpha when it varies, else grey level; hole = at least half-way to white."""
    if isinstance(mask, Image.Image):
        array = _mask_levels(mask)
    else:
        array = np.asarray(mask)
        if array.ndim == 3 and array.shape[2] in (2, 4) and _varies(array[:, :, -1]):
            array = array[:, :, -1]  # grey+alpha or RGBA: the alpha channel says where the brush went
        elif array.ndim == 3:
            array = _grey(array[:, :, :3]) if array.shape[2] >= 3 else array[:, :, 0]
    if array.ndim != 2:
        raise InputImageError(f"the {what} must be a 2-D array; got shape {array.shape}.")
    _check_numeric(array, what)
    if np.issubdtype(array.dtype, np.floating) and not np.isfinite(array).all():
        raise InputImageError(f"the {what} contains NaN or infinite values.")
    if array.shape != tuple(shape):
        # A photo stored on its side with an EXIF orientation tag is read upright, as
        # viewers show it; a mask drawn on the stored pixels is then turned against it.
        turned = (" (turned a quarter: the photo is read upright by its EXIF orientation, "
                  "so draw the mask on the photo as viewers show it)") if array.shape == tuple(shape)[::-1] else ""
        raise InputImageError(
            f"the {what} is {array.shape[1]}×{array.shape[0]} but the image is "
            f"{shape[1]}×{shape[0]}{turned}; they must be the same size."
        )
    return _at_least_half_white(array)


def _mask_levels(image: Image.Image) -> np.ndarray:
    """The one channel of a mask file that counts: alpha if it varies, else grey."""
    if _has_alpha(image):
        alpha = np.asarray(image.convert("RGBA").getchannel("A"))
        if _varies(alpha):
            return alpha
    if image.mode in _SIXTEEN_BIT_MODES:
        return _sixteen_bit_array(image)
    return np.asarray(image.convert("L"))


def _grey(rgb: np.ndarray) -> np.ndarray:
    """Luminance of an ``H×W×3`` array in its own dtype, weighted as Pillow's "L" (ITU-R
    601), so an array mask and the same mask saved as a file mean the same hole."""
    if rgb.dtype == bool:
        rgb = rgb.astype(np.uint8)
    grey = rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    return grey if np.issubdtype(rgb.dtype, np.floating) else np.rint(grey).astype(rgb.dtype)


def _has_alpha(image: Image.Image) -> bool:
    """Whether a PIL image carries transparency: an alpha band or a transparent colour."""
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _varies(channel: np.ndarray) -> bool:
    return channel.size > 0 and channel.min() != channel.max()


def _at_least_half_white(array: np.ndarray) -> np.ndarray:
    """The midpoint threshold of the mask rule, for bool, 0/1, 8-bit, 16-bit and float data."""
    if array.dtype == bool:
        return array.copy()
    if np.issubdtype(array.dtype, np.floating):
        # As images are read: floats above 1 are on the 0–255 scale.
        return np.asarray(array >= (0.5 if array.max(initial=0.0) <= 1.0 else 127.5))
    if array.size and array.max() <= 1:
        return np.asarray(array >= 1)  # a 0/1 integer mask
    white = 65535 if array.dtype == np.uint16 else 255
    return np.asarray(array >= (white + 1) // 2)


#: How to ask for a (nearly) whole-photo hole, in each edge's words.
ASK_FOR_WHOLE_PHOTO_HOLE = {
    "cli": "if the mask is inverted, make the hole white; pass --allow-large-hole if this is meant",
    "http": "if the mask is inverted, make the hole white; send the form field allow_large_hole=true "
            "if this is meant",
    "python": "if the mask is inverted, make the hole white; pass allow_large_hole=True if this is meant",
}


def check_whole_photo_hole(hole: np.ndarray, allow_large_hole: bool = False, what: str = "mask",
                           advice: str = ASK_FOR_WHOLE_PHOTO_HOLE["cli"]) -> None:
    """Refuse a hole over :data:`WHOLE_PHOTO_HOLE_FRACTION` of the photo unless allowed;
    ``advice`` says what to do in the caller's words (:data:`ASK_FOR_WHOLE_PHOTO_HOLE`)."""
    share = float(np.mean(hole)) if hole.size else 0.0
    if share > WHOLE_PHOTO_HOLE_FRACTION and not allow_large_hole:
        raise InputImageError(f"the {what} covers {share_text(share, WHOLE_PHOTO_HOLE_FRACTION)} of the photo, "
                              f"which leaves nothing to fill the hole from; {advice}.")


def to_unit(image: np.ndarray) -> np.ndarray:
    """uint8 (0–255) → float64 in [0, 1]; float input is taken as already in [0, 1]."""
    array = np.asarray(image)
    if array.dtype == np.uint8:
        return array.astype(np.float64) / 255.0
    return array.astype(np.float64, copy=False)


def read_image(source: Source, what: str = "image", max_pixels: Optional[int] = None) -> np.ndarray:
    """Read a path, bytes, PIL image or array into uint8 RGB ``H×W×3``; a file over
    ``max_pixels`` (default :data:`MAX_PIXELS`) is refused from its header, undecoded."""
    source = _as_source(source, what)
    if not isinstance(source, FILE_SOURCES):  # arrays, PIL images and array-likes (lists, tensors)
        return to_rgb_array(source, what, max_pixels)
    return to_rgb_array(_open_pil(source, what, max_pixels), what, max_pixels)


def read_mask(source: Source, shape: tuple[int, int], what: str = "mask",
              max_pixels: Optional[int] = None) -> np.ndarray:
    """Read a mask (path, bytes, PIL or array) of the given (H, W) by the mask rule
    (module docstring): alpha when it varies, else grey; at least half-way to white = hole."""
    source = _as_source(source, what)
    if not isinstance(source, FILE_SOURCES):
        return to_mask_array(source, shape, what)
    return to_mask_array(_open_pil(source, what, max_pixels), shape, what)


def _as_source(source, what: str):
    """``source`` with the other forms of a file's bytes read as bytes (a bytearray, a
    memoryview, an open binary file); None refused: as an array it would be "empty"."""
    if source is None:
        raise InputImageError(f"no {what} was given (None).")
    if isinstance(source, (bytearray, memoryview)):
        return bytes(source)
    if hasattr(source, "read") and not isinstance(source, Image.Image):
        data = source.read()
        if not isinstance(data, bytes):
            raise InputImageError(f"the {what} file object gives text, not bytes; open it with 'rb'.")
        return data
    return source


def checked_guidance(avoid: Optional[np.ndarray]) -> Optional[np.ndarray]:
    """A guidance map (``H×W`` bool, True = not to be copied from) that leaves something
    to copy from, else a UserError: with every pixel barred the fill could only be the
    network's guess, and an all-white map is most often an inverted one."""
    if avoid is not None and avoid.all():
        raise UserError("the guidance map bars the whole photo (white = never copy from here), so nothing "
                        "is left to fill from; leave black where the fill may copy from (is it inverted?).")
    return avoid


def read_inpainting_inputs(image: Source, mask: Source, guidance: Optional[Source] = None
                           ) -> tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """The three inputs of an inpainting: the image, its mask and its optional guidance
    map, both of the image's size."""
    rgb = read_image(image)
    hole = read_mask(mask, rgb.shape[:2])
    avoid = read_mask(guidance, rgb.shape[:2], "guidance map") if guidance is not None else None
    return rgb, hole, checked_guidance(avoid)


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


MAX_NAME_BYTES = 255


def check_output_path(path: Union[str, os.PathLike], what: str = "output") -> Path:
    """Raise a UserError *now*, before any work, for an image path that cannot be
    written: an extension we cannot encode, an existing folder, a parent that is a file,
    a folder without write permission. Missing parent folders are fine (created later)."""
    path = Path(path)
    _check_name_lengths(path, what)
    if path.is_dir():
        raise UserError(f"the {what} {path} is an existing folder; give a file name such as {path / 'result.png'}.")
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        shown = f"the extension {suffix}" if suffix else "no extension"
        raise UserError(f"the {what} {path} has {shown}; end it with "
                        f"{', '.join(IMAGE_SUFFIXES)} (.png keeps the pixels exact).")
    check_creatable(path, what)
    return path


def check_creatable(path: Union[str, os.PathLike], what: str) -> None:
    """Raise a UserError *now*, before any work, when ``path`` (a file or a folder) could
    not be created later: its nearest existing ancestor is a file, or a folder we may not
    write in. Missing folders between them are fine (created later)."""
    path = Path(path)
    _check_name_lengths(path, what)
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise UserError(f"cannot write the {what} {path}: {ancestor} is a file, not a folder.")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise UserError(f"cannot write the {what} {path}: no permission to write in {ancestor}.")
    try:  # what permissions do not tell: a read-only disk, a folder such as /proc
        tempfile.TemporaryFile(dir=ancestor).close()
    except OSError as error:
        raise UserError(f"cannot write the {what} {path}: {ancestor} takes no new files "
                        f"({error.strerror or error}).") from error


def _check_name_lengths(path: Path, what: str) -> None:
    """Names too long to write (checked first: even asking whether such a path exists
    fails). The longest name written is a temporary file ``.NAME.xxxxxxxx`` beside the
    target; 255 bytes is the limit of every common file system."""
    too_long = [part for part in path.parts if len(os.fsencode(part)) + 10 > MAX_NAME_BYTES]
    if too_long:
        raise UserError(f"cannot write the {what}: the name {too_long[0][:40]}… in its path is too long "
                        f"(at most {MAX_NAME_BYTES - 10} bytes).")


def save_image(image: np.ndarray, path: Union[str, os.PathLike]) -> Path:
    """Write one image atomically (see :func:`save_images`)."""
    return save_images([(image, path)])[0]


def save_images(items: list[tuple[np.ndarray, Union[str, os.PathLike]]]) -> list[Path]:
    """Write the (image, path) pairs of one command together or not at all.

    Every image is encoded and written to a temporary file beside its target first; only
    when all of them are on disk are they renamed into place (a rename within a folder
    does not fail for lack of space). Any failure before that removes the temporary files
    and leaves every target as it was, so an interrupted run never leaves a half-written
    output, nor a result without its mask."""
    paths = [check_output_path(path) for _, path in items]
    encoded = [encode_image(image, _pil_format(path)) for (image, _), path in zip(items, paths)]
    temporaries: list[str] = []
    try:
        for data, path in zip(encoded, paths):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            temporaries.append(tmp)
            os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the result from other users
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        for tmp, path in zip(temporaries, paths):
            os.replace(tmp, path)
    except BaseException as error:
        for tmp in temporaries:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(error, OSError):  # the disk full, the folder gone since the check
            raise UserError(f"cannot write {path}: {error.strerror or error}; nothing was written.") from error
        raise
    return paths


def _pil_format(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    return {"jpg": "JPEG", "tif": "TIFF"}.get(suffix, suffix.upper())


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
