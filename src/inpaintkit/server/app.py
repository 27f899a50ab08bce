"""The web app and its HTTP API: ``create_app(...)`` returns a FastAPI application.

Endpoints (multipart forms in, images or JSON out; OpenAPI at ``/docs``):

- ``POST /api/inpaint``  ``image``, ``mask`` (white = hole; the alpha channel when it
  varies), optional ``guidance`` (white = do not copy from here, §5.4), ``model``,
  ``format``, ``allow_large_hole`` (a hole over 90 % of the photo is refused without it),
  ``removal`` (the mask covers objects to remove: filled as ``/api/remove`` fills them;
  the page sends it with a painted removal) → image.
- ``POST /api/remove``   ``image`` and a prompt: ``clicks`` = JSON ``[[x, y], …]`` in image
  pixels (one object each), ``add`` / ``exclude`` (the same form: parts to add / keep),
  ``box`` = JSON ``[x0, y0, x1, y1]``; optional ``backend``, ``dilation``, ``guidance``,
  ``model``, ``format``, ``allow_large_hole`` → image (§5.3). A hole over a quarter of
  the photo is refused (400) unless ``allow_large_hole=true``. Or ``text=true`` and no
  prompt: all text removed, the signs and captions behind it kept.
- ``POST /api/segment``  ``image``, the prompt (or ``text=true``), optional ``backend``,
  ``dilation`` → mask PNG (the hole ``/api/remove`` would fill; the page shows it, and
  asks before a large one).
- ``GET /api/models``, ``GET /api/health``; ``/`` and ``/static/*`` serve the page.

Design (IOPaint's server, minus its slips):
- Unknown form fields are refused (400) rather than silently ignored, so a misspelled
  ``maks`` is an error, not a mysterious no-op; ``clicks`` is parsed with bounded size
  and nesting, so no text sent there can reach a 500.
- Browsers on other sites are kept out (:mod:`.browser_guard`): Host names checked when
  bound to localhost, cross-site posts refused, a CSP with ``frame-ancestors 'none'`` on
  every HTML response; ``/docs`` is served from local assets (:mod:`.api_docs`).
- All heavy work (decoding, segmentation, the network, encoding) runs on **one worker
  thread** fed by a FIFO queue: memory holds one decoded photo and one model run at a
  time whatever the number of clients, and the event loop stays free, so ``/api/health``
  answers while a model works. Waiting requests hold only their spooled upload; past
  ``max_queue`` waiting requests the server answers 503 instead of piling up. A request
  whose client disconnects while it waits is dropped before it runs.
- Models are loaded on first use (on the worker) and cached by name.
- User errors become one sentence: 400 bad input (text sent where a file belongs, a model
  whose weights are not installed too), 413 over a limit, 422 nothing to remove or a missing
  field, 503 the default model's weights missing or the queue full; a bug is a 500 and the
  server keeps serving.
"""
from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Awaitable, Callable, Literal, Optional, Sequence

import numpy as np
from fastapi import Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..detail_modes import DEFAULT_DETAIL, DETAIL_MODES
from ..errors import InputImageError, MissingWeightsError, NothingToRemoveError, UserError
from ..hole_limit import MAX_UNASKED_HOLE_FRACTION, HoleTooLargeError
from ..image_io import ASK_FOR_WHOLE_PHOTO_HOLE, check_whole_photo_hole, checked_guidance
from . import image_io
from .api_docs import add_local_docs
from .browser_guard import BrowserGuard
from .schemas import ERROR_RESPONSES, HealthResponse, ModelInfo, ModelsResponse

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_CLICKS = 64
# 64 clicks of two long decimals fit in 4 KB; the bound comes before any parsing.
MAX_CLICKS_TEXT = 4096
DEFAULT_MAX_QUEUE = 32
# How often a queued request checks that its client is still there.
DISCONNECT_POLL_SECONDS = 0.25

InpainterFactory = Callable[[str], Callable[..., Any]]

# Form fields shared by several endpoints. Module level: FastAPI resolves the (string)
# annotations of the endpoints in this module's globals.
Format = Annotated[Literal["png", "jpeg"], Form(description="result encoding")]
ModelName = Annotated[Optional[str], Form(description="a name from GET /api/models (default: the server's model)")]
Detail = Annotated[Literal[DETAIL_MODES], Form(
    description="synthesis (default): the network gives the structure, the photo's own patches the "
                "detail; none: the network's fill alone")]
Backend = Annotated[str, Form(description="segmentation back end: auto (people, else the "
                                            "clicked object), people or click")]
Dilation = Annotated[Optional[int], Form(ge=0, le=100, description="side of a square dilation kernel in "
                                          "pixels (0 or 1 = none); absent: grown by the object's edge "
                                          "softness and checked at its rim")]
Clicks = Annotated[Optional[str], Form(description="JSON list of [x, y] in image pixels, one object "
                                                   "each, e.g. [[120, 80]]")]
AddPoints = Annotated[Optional[str], Form(description="JSON list of [x, y]: parts the selection missed")]
ExcludePoints = Annotated[Optional[str], Form(description="JSON list of [x, y]: parts to keep out of it")]
BoxField = Annotated[Optional[str], Form(description="JSON [x0, y0, x1, y1]: bounds the selection "
                                                     "(alone: the object it frames)")]
AllowLargeRemoval = Annotated[bool, Form(description="remove a selection over a quarter of the photo")]
Text = Annotated[bool, Form(description="true: remove all text (the characters' strokes) instead of "
                                        "a prompted object; send no prompt")]
PROMPT_FIELDS = ("clicks", "add", "exclude", "box")
# The fields that carry files, with the name of an example file for the message that says
# a file is wanted: sent as text (guidance=foo) they fail FastAPI's own check.
FILE_FIELDS = {"image": "photo.jpg", "mask": "mask.png", "guidance": "map.png"}
ASK_FOR_LARGE_HOLE = "send the form field allow_large_hole=true to remove it anyway"
ASK_FOR_PROMPT = ("send the form field clicks=[[x, y]] on the object to remove, or box=[x0, y0, x1, y1] "
                  "around it (text=true: all text)")
Guidance = Annotated[Optional[UploadFile], File(description="optional map, same size: white = do "
                                                          "not copy from here (§5.4)")]
AllowWholePhotoHole = Annotated[bool, Form(description="fill a mask that covers more than 90 % of the "
                                                  "photo (refused by default: usually an inverted mask)")]
ObjectRemoval = Annotated[bool, Form(description="the mask covers objects to remove (not scratches or strokes): "
                                            "fill it as /api/remove does")]


class ModelNotInstalledError(UserError):
    """A request for an offered model whose weights are not on this machine: HTTP 400."""


class QueueFullError(UserError):
    """More requests waiting than ``max_queue``: HTTP 503."""


class ClientGoneError(UserError):
    """The client disconnected while its request waited: the job is dropped unrun."""


def status_for(error: UserError) -> int:
    """HTTP status of a user error (most specific class first)."""
    if isinstance(error, image_io.UploadTooLargeError):
        return 413
    if isinstance(error, NothingToRemoveError):
        return 422
    if isinstance(error, (MissingWeightsError, QueueFullError)):
        return 503
    if isinstance(error, ClientGoneError):
        return 499  # nginx's "client closed request": nobody is left to read it
    return 400


class ModelWorker:
    """One thread that runs every heavy job in arrival order.

    ``await worker.run(fn, *args)`` queues ``fn(*args)`` and awaits its result without
    blocking the event loop. A thread pool of one (rather than an asyncio semaphore) keeps
    the queue independent of any particular event loop. With ``client_gone`` (an async
    ``() -> bool``, e.g. ``request.is_disconnected``) a job still waiting for its turn is
    cancelled once its client has gone; a running job is left to finish.
    """

    def __init__(self, max_queue: int = DEFAULT_MAX_QUEUE, poll_seconds: float = DISCONNECT_POLL_SECONDS):
        self.max_queue = int(max_queue)
        self.poll_seconds = float(poll_seconds)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inpaintkit-model")
        self._lock = threading.Lock()
        self._pending = 0  # submitted and not yet finished, the running one included

    @property
    def busy(self) -> bool:
        return self._pending > 0

    @property
    def queued(self) -> int:
        return max(0, self._pending - 1)

    async def run(self, fn: Callable[..., Any], *args: Any,
                  client_gone: Optional[Callable[[], Awaitable[bool]]] = None) -> Any:
        with self._lock:
            if self._pending > self.max_queue:
                raise QueueFullError(f"the server is busy with {self._pending} requests; try again in a moment.")
            self._pending += 1
        try:
            future = self._executor.submit(fn, *args)
            waiter = asyncio.wrap_future(future)
            while client_gone is not None and not future.running():
                done, _ = await asyncio.wait({waiter}, timeout=self.poll_seconds)
                if done:
                    break
                # cancel() succeeds only while the job still waits in the queue.
                if await client_gone() and future.cancel():
                    raise ClientGoneError("the client disconnected before its request's turn; it was dropped.")
            return await waiter
        finally:
            with self._lock:
                self._pending -= 1

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class ModelCache:
    """Inpainters by name, built by ``factory(name)`` on first use (on the worker thread,
    so two requests never load the same model twice at once). At most ``size`` stay in
    memory; the least recently used one is dropped first, so trying every model in the
    menu does not grow the server without bound."""

    def __init__(self, factory: InpainterFactory, size: int = 2):
        self.factory = factory
        self.size = max(1, int(size))
        self._models: OrderedDict[str, Any] = OrderedDict()

    def get(self, name: str):
        if name not in self._models:
            while len(self._models) >= self.size:
                self._models.popitem(last=False)
            self._models[name] = self.factory(name)
        self._models.move_to_end(name)
        return self._models[name]

    @property
    def loaded(self) -> list[str]:
        return list(self._models)


def default_inpainter_factory(device: Optional[str] = None) -> InpainterFactory:
    """``load_model(name)`` with shipped weights (a missing file is a 503, not a crash)."""

    def factory(name: str):
        from ..inference import load_model

        return load_model(name, device=device)

    return factory


def default_model_list(default: str) -> list[ModelInfo]:
    """The default model first, then every registered model; ``ready`` when its weights ship."""
    try:
        from ..models.registry import list_models
        from ..weights import available_weights

        names, shipped = list(list_models()), set(available_weights())
    except ImportError:  # registry not installed in a partial build: offer the default only
        names, shipped = [], set()
    ordered = [default] + [name for name in names if name != default]
    is_path = default.endswith(".safetensors")
    return [ModelInfo(name=name, ready=name in shipped or (is_path and name == default),
                      default=name == default) for name in ordered]


def parse_points(text: Optional[str], field: str) -> list[tuple[float, float]]:
    """``"[[x, y], …]"`` → (x, y) pairs (empty when the field is absent); bounds are
    checked once the image is known (:func:`inpaintkit.removal.prompts.validate_prompt`).

    Hostile text cannot reach a 500: its length is bounded before parsing, nesting deeper
    than the two levels a list of pairs needs is refused before ``json.loads`` could
    recurse, and numbers are parsed as floats (a 5000-digit integer is ``inf``, refused
    below, rather than an int too large to convert)."""
    if text is None:
        return []
    example = f"{field} must be a JSON list of [x, y] pairs in image pixels, e.g. [[120, 80]]"
    value = _bounded_json(text, example, depth=2)
    if (not isinstance(value, list) or (field == "clicks" and not value)
            or not all(isinstance(pair, list) and len(pair) == 2 and all(_is_number(c) for c in pair)
                       for pair in value)):
        raise UserError(f"{example}.")
    if len(value) > MAX_CLICKS:
        raise UserError(f"at most {MAX_CLICKS} points per field; {field} has {len(value)}.")
    return [(float(x), float(y)) for x, y in value]


def parse_box(text: Optional[str]) -> Optional[tuple[float, float, float, float]]:
    """``"[x0, y0, x1, y1]"`` → four numbers, or None when the field is absent."""
    if text is None:
        return None
    example = "box must be a JSON list [x0, y0, x1, y1] in image pixels, e.g. [10, 20, 200, 180]"
    value = _bounded_json(text, example, depth=1)
    if not isinstance(value, list) or len(value) != 4 or not all(_is_number(c) for c in value):
        raise UserError(f"{example}.")
    return tuple(float(c) for c in value)  # type: ignore[return-value]


def _bounded_json(text: str, example: str, depth: int) -> Any:
    """``json.loads`` of a form field, refusing overlong or too deeply nested text first."""
    if len(text) > MAX_CLICKS_TEXT:
        raise UserError(f"{example}; got {len(text)} characters, more than the {MAX_CLICKS_TEXT} "
                        f"that {MAX_CLICKS} points need.")
    if _nesting_depth(text) > depth:
        raise UserError(f"{example}; got lists nested deeper than that.")
    try:
        return json.loads(text, parse_int=float)
    except (json.JSONDecodeError, RecursionError) as error:
        raise UserError(f"{example}; got text that is not JSON.") from error


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def prompt_arguments(rgb: np.ndarray, clicks, add, exclude, box, allow_large_hole: bool = False) -> tuple[list, dict]:
    """The validated prompt as ``(clicks, {add, exclude, box, allow_large_hole})`` for the
    removal functions; the keyword arguments only when given, so a stand-in with the old
    signature still works."""
    from ..removal.prompts import NoPromptError, validate_prompt

    try:
        prompt = validate_prompt(clicks, add, exclude, box, shape=rgb.shape[:2])
    except NoPromptError as error:
        raise error.asked_by(ASK_FOR_PROMPT) from None
    extra = {key: value for key, value in (("add", list(prompt.add)), ("exclude", list(prompt.exclude)),
                                           ("box", prompt.box), ("allow_large_hole", allow_large_hole)) if value}
    return list(prompt.clicks), extra


def text_arguments(clicks, add, exclude, box, allow_large_hole: bool = False) -> tuple[list, dict]:
    """``(clicks, {text: True, …})`` for a text removal: the prompt goes through as sent, for
    the pipeline to refuse in one sentence if there is one (text takes no prompt)."""
    extra = {key: value for key, value in (("add", add), ("exclude", exclude), ("box", box),
                                           ("allow_large_hole", allow_large_hole)) if value}
    return list(clicks or []), {"text": True, **extra}


def _nesting_depth(text: str) -> int:
    """The deepest bracket nesting in ``text`` (brackets inside strings count too: a
    string is no valid click anyway)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def only_fields(*allowed: str):
    """A dependency that refuses form fields the endpoint does not know, and a field given
    twice (400): FastAPI would keep only one of them, and a second ``clicks`` field, sent
    as the CLI repeats ``--click``, would be dropped without a word."""

    async def check(request: Request) -> None:
        form = await request.form()  # Starlette caches the parsed form: no second parse
        unknown = sorted(set(form.keys()) - set(allowed))
        if unknown:
            raise UserError(f"unknown form field {unknown[0]!r}; this endpoint accepts: "
                            f"{', '.join(allowed)}.")
        names = [name for name, _ in form.multi_items()]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise UserError(f"the form field {repeated[0]!r} is given more than once; send it once "
                            "(several clicks or points go in one JSON list, e.g. [[120, 80], [300, 210]]).")

    return Depends(check)


def validation_answer(error: RequestValidationError) -> tuple[int, str]:
    """FastAPI's list of validation errors → (HTTP status, one sentence about the first one):
    422 for a missing field or a value of the wrong form, 400 for text where a file belongs
    (a bad value, like any other bad input, not a malformed request)."""
    first = error.errors()[0]
    field = next((str(part) for part in reversed(first.get("loc", ())) if isinstance(part, str)), "request")
    if first.get("type") == "missing":
        return 422, f"the form field {field!r} is required."
    if field in FILE_FIELDS:
        return 400, (f"the form field {field!r} must be an uploaded image file "
                     f"(curl -F {field}=@{FILE_FIELDS[field]}), not text.")
    return 422, f"the form field {field!r} is invalid: {first.get('msg', 'bad value')}."


def create_app(
    inpainter_factory: Optional[InpainterFactory] = None,
    *,
    default_model: str = "pyramid",
    models: Optional[Sequence[str]] = None,
    removal: Any = None,
    max_upload_bytes: int = image_io.DEFAULT_MAX_UPLOAD_BYTES,
    max_pixels: int = image_io.DEFAULT_MAX_PIXELS,
    max_queue: int = DEFAULT_MAX_QUEUE,
    device: Optional[str] = None,
    allowed_hosts: Optional[Sequence[str]] = None,
) -> FastAPI:
    """Build the web app.

    ``inpainter_factory(name) -> Inpainter`` builds a model by name (default:
    :func:`inpaintkit.inference.load_model` with shipped weights; tests inject a tiny
    untrained model). ``models``: the names offered in ``/api/models`` (default: the
    default model plus the registry; with an injected factory every offered model counts
    as ready). ``removal``: an object with the ``segment`` and ``remove`` functions of
    :mod:`inpaintkit.removal.pipeline` (default: that module, imported on first use).
    ``allowed_hosts``: the Host names answered (``inpaintkit serve`` on localhost passes
    :data:`~.browser_guard.LOOPBACK_NAMES`); None answers any.
    """
    injected = inpainter_factory is not None
    factory = inpainter_factory or default_inpainter_factory(device)
    if models is None:
        offered = ([ModelInfo(name=default_model, ready=True, default=True)] if injected
                   else default_model_list(default_model))
    else:
        names = [default_model] + [name for name in models if name != default_model]
        usable = {info.name for info in default_model_list(default_model) if info.ready}
        offered = [ModelInfo(name=name, ready=injected or name in usable, default=name == default_model)
                   for name in names]
    worker = ModelWorker(max_queue)
    cache = ModelCache(factory)
    offered_by_name = {info.name: info for info in offered}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        worker.shutdown()

    app = FastAPI(
        lifespan=lifespan,
        docs_url=None, redoc_url=None,  # FastAPI's pages load Swagger UI from a CDN: see api_docs
        title="inpaintkit",
        version=__version__,
        description="Deep image inpainting and one-click object removal. Multipart forms in, "
                    "images out; e.g. `curl -F image=@photo.jpg -F mask=@mask.png "
                    "http://127.0.0.1:8000/api/inpaint -o result.png`.",
    )
    app.add_middleware(image_io.BodySizeLimit, max_bytes=max_upload_bytes)
    # Added last, so it runs first: a refused Host or Origin costs no body read.
    app.add_middleware(BrowserGuard, allowed_hosts=allowed_hosts)
    app.state.worker, app.state.cache = worker, cache
    _add_error_handlers(app)

    def model_for(name: Optional[str]):
        """The inpainter for a request's ``model`` field (None: the default). A model this
        server cannot run is the request's mistake, a 400 like any bad value; only the
        default failing to load (its weights gone) is the server's, a 503."""
        chosen = offered_by_name.get(name or default_model)
        if chosen is None:
            raise UserError(f"unknown model {name!r}; {_models_to_choose(offered)}.")
        if chosen.name != default_model and not chosen.ready:
            raise ModelNotInstalledError(
                f"the model {name!r} has no trained weights on this server (train and export them as "
                f"docs/training.md says, then start it with --model WEIGHTS.safetensors); "
                f"{_models_to_choose(offered)}.")
        return cache.get(chosen.name)

    def pipeline():
        if removal is not None:
            return removal
        from ..removal import pipeline as module

        return module

    def decode_image(data: bytes):
        return image_io.decode_image(data, max_pixels)

    def decode_map(data: Optional[bytes], shape, what: str):
        return None if data is None else image_io.decode_mask(data, shape, what, max_pixels)

    def image_response(encoded: tuple[bytes, str], format: str, started: float,
                       name: str = "result") -> Response:
        """``encoded`` = (bytes, media type), encoded on the worker: a 12 MP PNG takes
        seconds, which must not stall the event loop."""
        content, media_type = encoded
        suffix = "jpg" if format == "jpeg" else "png"
        return Response(content, media_type=media_type, headers={
            "Content-Disposition": f'inline; filename="{name}.{suffix}"',
            "X-Process-Seconds": f"{time.perf_counter() - started:.3f}",
        })

    def read(upload: Optional[UploadFile]) -> Optional[bytes]:
        """The upload's bytes, read *on the worker*: until its turn a queued request holds
        only Starlette's spooled temporary file (on disk past 1 MB), not the bytes."""
        return None if upload is None else upload.file.read()

    @app.post("/api/inpaint", response_class=Response, responses={
        200: {"content": {"image/png": {}, "image/jpeg": {}}, "description": "the inpainted image, full size"},
        **ERROR_RESPONSES}, dependencies=[only_fields(
            "image", "mask", "guidance", "model", "format", "allow_large_hole", "detail", "removal")])
    async def inpaint(
        request: Request,
        image: Annotated[UploadFile, File(description="the photo (PNG, JPEG, WebP, BMP, TIFF, GIF)")],
        mask: Annotated[UploadFile, File(description="same size: white = hole (for PNGs whose alpha "
                                                     "varies: opaque = hole)")],
        guidance: Guidance = None,
        model: ModelName = None,
        format: Format = "png",
        allow_large_hole: AllowWholePhotoHole = False,
        detail: Detail = DEFAULT_DETAIL,
        removal: ObjectRemoval = False,
    ) -> Response:
        """Fill the mask's hole; pixels outside it come back unchanged."""
        started = time.perf_counter()

        def job():
            rgb = decode_image(read(image))
            hole = image_io.decode_mask(read(mask), rgb.shape[:2], "mask", max_pixels)
            if not hole.any():
                raise InputImageError("the mask is empty: paint over what should be filled.")
            check_whole_photo_hole(hole, allow_large_hole, advice=ASK_FOR_WHOLE_PHOTO_HOLE["http"])
            avoid = checked_guidance(decode_map(read(guidance), rgb.shape[:2], "guidance map"))
            from ..removal.pipeline import removal_inpainter

            fill = removal_inpainter(model_for(model), detail=detail, objects=removal)
            return image_io.encode_result(fill(rgb, hole, guidance=avoid), format)

        return image_response(await worker.run(job, client_gone=request.is_disconnected), format, started)

    @app.post("/api/remove", response_class=Response, responses={
        200: {"content": {"image/png": {}, "image/jpeg": {}}, "description": "the photo without the clicked object"},
        **ERROR_RESPONSES}, dependencies=[only_fields(
            "image", *PROMPT_FIELDS, "text", "backend", "dilation", "guidance", "model", "format",
            "allow_large_hole", "detail")])
    async def remove(
        request: Request,
        image: Annotated[UploadFile, File(description="the photo")],
        clicks: Clicks = None,
        add: AddPoints = None,
        exclude: ExcludePoints = None,
        box: BoxField = None,
        text: Text = False,
        backend: Backend = "auto",
        dilation: Dilation = None,
        guidance: Guidance = None,
        model: ModelName = None,
        format: Format = "png",
        allow_large_hole: AllowLargeRemoval = False,
        detail: Detail = DEFAULT_DETAIL,
    ) -> Response:
        """Remove what the prompt selects (segment → hole → inpaint, Algorithm 1).

        Without a ``guidance`` file the fill avoids copying from the other people and
        objects found in the photo (§5.4.3)."""
        started = time.perf_counter()
        prompt = (parse_points(clicks, "clicks"), parse_points(add, "add"), parse_points(exclude, "exclude"),
                  parse_box(box))

        def job():
            from ..removal.pipeline import removal_inpainter

            rgb = decode_image(read(image))
            points, extra = text_arguments(*prompt, allow_large_hole) if text else \
                prompt_arguments(rgb, *prompt, allow_large_hole)
            avoid = checked_guidance(decode_map(read(guidance), rgb.shape[:2], "guidance map"))
            inpainter = removal_inpainter(model_for(model), detail=detail, objects=not text)
            # No map sent: the pipeline builds one from the other instances (§5.4.3).
            try:
                result = pipeline().remove(rgb, clicks=points, backend=backend, dilation=_dilation(dilation),
                                           guidance="auto" if avoid is None else avoid,
                                           model=inpainter, **extra)
            except HoleTooLargeError as error:
                raise error.asked_by(ASK_FOR_LARGE_HOLE) from None
            return image_io.encode_result(result, format)

        return image_response(await worker.run(job, client_gone=request.is_disconnected), format, started)

    @app.post("/api/segment", response_class=Response, responses={
        200: {"content": {"image/png": {}}, "description": "mask PNG, white (255) = object to remove"},
        **ERROR_RESPONSES}, dependencies=[only_fields("image", *PROMPT_FIELDS, "text", "backend", "dilation")])
    async def segment(
        request: Request,
        image: Annotated[UploadFile, File(description="the photo")],
        clicks: Clicks = None,
        add: AddPoints = None,
        exclude: ExcludePoints = None,
        box: BoxField = None,
        text: Text = False,
        backend: Backend = "auto",
        dilation: Dilation = None,
    ) -> Response:
        """The hole /api/remove would fill for this prompt (no size limit: a proposal)."""
        started = time.perf_counter()
        prompt = (parse_points(clicks, "clicks"), parse_points(add, "add"), parse_points(exclude, "exclude"),
                  parse_box(box))

        def job():
            rgb = decode_image(read(image))
            points, extra = text_arguments(*prompt) if text else prompt_arguments(rgb, *prompt)
            mask = pipeline().segment(rgb, points, backend=backend, dilation=_dilation(dilation), **extra)
            return image_io.encode_result(np.asarray(mask).astype(bool), "png")

        return image_response(await worker.run(job, client_gone=request.is_disconnected), "png", started,
                              name="mask")

    @app.get("/api/models", response_model=ModelsResponse)
    async def list_models() -> ModelsResponse:
        """The models this server offers (``ready`` false: weights not on this machine)."""
        return ModelsResponse(default=default_model, models=offered,
                              max_upload_bytes=max_upload_bytes, max_pixels=max_pixels,
                              max_unasked_hole_fraction=MAX_UNASKED_HOLE_FRACTION)

    @app.get("/api/health", response_model=HealthResponse)
    async def health() -> HealthResponse:
        """Answers at once, even while the model works."""
        return HealthResponse(version=__version__, busy=worker.busy, queued=worker.queued,
                              loaded_models=cache.loaded)

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")  # BrowserGuard adds the page's CSP

    # StaticFiles refuses any path that resolves outside its directory (no traversal).
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    add_local_docs(app)
    return app


def _models_to_choose(offered: Sequence[ModelInfo]) -> str:
    """The end of a sentence that lists the models a request can name here: those with weights."""
    ready = [info.name for info in offered if info.ready]
    if not ready:
        return "this server has no model with trained weights installed"
    return f"choose one of {', '.join(ready)} (GET /api/models lists them)"


def _dilation(value: Optional[int]):
    """The form's dilation for the pipeline: absent = ``"auto"``."""
    return "auto" if value is None else value


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(UserError)
    async def user_error(request: Request, error: UserError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=status_for(error))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        status, message = validation_answer(error)
        return JSONResponse({"detail": message}, status_code=status)
