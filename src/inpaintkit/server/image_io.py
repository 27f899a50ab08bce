"""Upload limits and decoding for the HTTP edge.

Decoding itself (EXIF orientation, truncated files, masks of the wrong size) is
:mod:`inpaintkit.image_io`, shared with the CLI and Python API. What is particular to a
server that strangers can send bytes to lives here:

- a **body size limit** (:class:`BodySizeLimit`, default 40 MB) checked from
  ``Content-Length`` before a byte is read, and counted while streaming for chunked uploads;
- a **pixel limit** (default 50 MP) checked from the image header *before* decoding, so a
  small PNG that declares 100 000 × 100 000 pixels (a decompression bomb) costs nothing;
- an **allow-list of formats**: Pillow can open formats whose decoders call out to other
  programs (EPS runs Ghostscript); a web upload only ever needs ordinary photo formats.

Both limits answer 413 with one sentence that names the limit; every other undecodable
upload is an :class:`~inpaintkit.errors.InputImageError` (400).
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image, UnidentifiedImageError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import image_io
from ..errors import InputImageError

DEFAULT_MAX_UPLOAD_BYTES = 40 * 1024 * 1024
DEFAULT_MAX_PIXELS = 50_000_000
ALLOWED_FORMATS = image_io.ALLOWED_FORMATS


class UploadTooLargeError(InputImageError):
    """An upload over the byte or pixel limit: HTTP 413."""


def _readable(size: int) -> str:
    """Bytes as "40.0 MB" or "20 KB"."""
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def body_too_large_message(size: int, limit: int) -> str:
    return (f"the upload is {_readable(size)}, more than this server's limit of "
            f"{_readable(limit)}; send a smaller file.")


class BodySizeLimit:
    """Pure ASGI middleware: refuse request bodies larger than ``max_bytes`` with 413.

    A declared ``Content-Length`` over the limit is refused at once (browsers, curl and
    httpx all declare it for multipart uploads). A chunked body is counted as it arrives;
    crossing the limit raises an ``HTTPException(413)``, which FastAPI lets through its
    form parsing untouched, so the client still gets the sentence, not a 500.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES):
        self.app = app
        self.max_bytes = int(max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            response = JSONResponse({"detail": body_too_large_message(declared, self.max_bytes)},
                                    status_code=413, headers={"Connection": "close"})
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, body_too_large_message(received, self.max_bytes))
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def check_header(data: bytes, what: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    """Read only the header of ``data``: its (width, height), or a clear error.

    Raises :class:`UploadTooLargeError` (413) over ``max_pixels``, including files so
    large that Pillow's own decompression-bomb guard refuses to open them, and
    :class:`InputImageError` (400) for empty data, unknown or disallowed formats.
    """
    if not data:
        raise InputImageError(f"the {what} upload is empty; choose an image file.")
    limit = image_io.PixelLimit(max_pixels, "this server's limit")
    try:
        with image_io.open_header(io.BytesIO(data)) as probe:
            width, height = probe.size
    except Image.DecompressionBombError as error:
        raise UploadTooLargeError(image_io.too_many_pixels_message(what, limit, error)) from error
    except UnidentifiedImageError as error:
        raise InputImageError(
            f"the {what} upload is not an image this server reads "
            f"({', '.join(ALLOWED_FORMATS)}).") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise InputImageError(f"the {what} upload is damaged: {error}.") from error
    image_io.check_pixel_count(width, height, what, limit, too_large=UploadTooLargeError)
    return width, height


def decode_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Upload bytes → uint8 RGB ``H×W×3`` (EXIF orientation applied, as browsers show it)."""
    check_header(data, "image", max_pixels)
    return image_io.read_image(data, "image", max_pixels)


def decode_mask(data: bytes, shape: tuple[int, int], what: str = "mask",
                max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Upload bytes → bool ``H×W`` (True = hole, or = avoid for a guidance map).

    The mask rule of :mod:`inpaintkit.image_io`: the alpha channel when it varies (a
    painted overlay), else the grey level; at least half-way to white = True. ``shape``
    is the image's (H, W); any other size is a 400.
    """
    check_header(data, what, max_pixels)
    return image_io.read_mask(data, shape, what, max_pixels)


def encode_result(image: np.ndarray, format: str) -> tuple[bytes, str]:
    """(bytes, media type) of a uint8 RGB image or bool mask as ``"png"`` or ``"jpeg"``.

    PNGs use zlib level 1: for a 4000×3000 photo it is about 4× faster than Pillow's
    default level 6 (measured here: 4 s against 15 s on a loaded 2-core machine) for
    a file about 20 % larger — the user is waiting, the bytes only cross localhost.
    """
    if format == "jpeg":
        return image_io.encode_image(image, "JPEG", quality=95), "image/jpeg"
    return image_io.encode_image(image, "PNG", png_compress_level=1), "image/png"
