"""The HTTP API: every endpoint, every bad input, concurrency, static files, the CLI.

Most tests inject stand-ins through ``create_app`` so they test the *server* (transport,
limits, errors, the worker queue) in milliseconds: ``MeanFill`` fills the hole with the
mean colour of the known pixels, ``DarkObjects`` segments the dark blob under a click. The
last tests run the real pipeline (a tiny untrained Pyramid Generator, the real removal
pipeline) once.
"""
from __future__ import annotations

import http.client
import io
import json
import struct
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from inpaintkit.errors import MissingWeightsError, NothingToRemoveError
from inpaintkit.server.app import create_app
from inpaintkit.server.background import serve_in_background

fastapi_testclient = pytest.importorskip("fastapi.testclient")

H, W = 48, 64
SQUARE = (slice(16, 32), slice(20, 40))  # the dark object in the test photo


# ---- stand-ins ---------------------------------------------------------------------------

class MeanFill:
    """Inpainter stand-in: the hole becomes the mean colour of the known pixels.

    Records the guidance and detail mode it got and the largest number of calls running
    at once."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.guidance = None
        self.detail = None
        self.running = 0
        self.max_running = 0
        self._lock = threading.Lock()

    def __call__(self, image, mask, guidance=None, detail=None):
        with self._lock:
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        try:
            time.sleep(self.delay)
            self.guidance, self.detail = guidance, detail
            return expected_fill(image, mask)
        finally:
            with self._lock:
                self.running -= 1


def expected_fill(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    hole = np.asarray(mask).astype(bool)
    out = image.copy()
    out[hole] = image[~hole].mean(axis=0).round().astype(np.uint8)
    return out


class DarkObjects:
    """Removal stand-in with the pipeline's ``segment``/``remove`` signatures: the object
    under a click is the connected dark region there, dilated by a ``dilation``-pixel square."""

    def segment(self, image, clicks, backend="auto", dilation=5, **prompt):
        self.prompt = prompt
        dilation = 5 if dilation == "auto" else dilation
        dark = image.mean(axis=2) < 100
        labels, _ = ndimage.label(dark)
        mask = np.zeros(dark.shape, bool)
        for x, y in clicks:
            if labels[y, x] == 0:
                raise NothingToRemoveError("nothing to remove here: the click is on the background.")
            mask |= labels == labels[y, x]
        return ndimage.binary_dilation(mask, np.ones((dilation, dilation))) if dilation > 1 else mask

    def remove(self, image, clicks, backend="auto", dilation=5, guidance="auto", model=None,
               allow_large_hole=False, **prompt):
        self.guidance, self.allow_large_hole = guidance, allow_large_hole
        return model(image, self.segment(image, clicks, backend, dilation, **prompt), guidance=None)


# ---- helpers ---------------------------------------------------------------------------

def photo(shade: int = 200) -> np.ndarray:
    """A light, slightly textured background with one dark square object."""
    rng = np.random.default_rng(shade)
    image = rng.integers(shade - 20, shade + 20, (H, W, 3)).astype(np.uint8)
    image[SQUARE] = 30
    return image


def square_mask() -> np.ndarray:
    mask = np.zeros((H, W), np.uint8)
    mask[SQUARE] = 255
    return mask


def encode(array: np.ndarray, format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=format, **options)
    return buffer.getvalue()


def decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width × height`` pixels (a decompression bomb:
    its few bytes would inflate to width·height·3 bytes if anyone decoded it)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def inpaint_files(image=None, mask=None, **extra):
    files = {"image": ("photo.png", encode(photo()) if image is None else image),
             "mask": ("mask.png", encode(square_mask()) if mask is None else mask)}
    files.update({key: (f"{key}.png", value) for key, value in extra.items()})
    return files


@pytest.fixture
def fill():
    return MeanFill()


@pytest.fixture
def objects():
    return DarkObjects()


@pytest.fixture
def client(fill, objects):
    app = create_app(lambda name: fill, removal=objects, models=["pyramid", "gated"])
    return fastapi_testclient.TestClient(app, raise_server_exceptions=False)


def assert_still_serving(client) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"


# ---- endpoints ---------------------------------------------------------------------------

def test_health_reports_an_idle_worker(client):
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["busy"] is False and body["queued"] == 0


def test_models_lists_the_offered_models_default_first(client):
    body = client.get("/api/models").json()
    assert body["default"] == "pyramid"
    assert [m["name"] for m in body["models"]] == ["pyramid", "gated"]
    assert [m["default"] for m in body["models"]] == [True, False]
    assert body["max_pixels"] == 50_000_000 and body["max_upload_bytes"] == 40 * 1024 * 1024
    assert body["max_unasked_hole_fraction"] == 0.25


def test_inpaint_fills_only_the_hole(client):
    image = photo()
    response = client.post("/api/inpaint", files=inpaint_files(encode(image)))
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    result = decode(response.content)
    np.testing.assert_array_equal(result, expected_fill(image, square_mask()))
    outside = square_mask() == 0
    np.testing.assert_array_equal(result[outside], image[outside])  # bit-identical, lossless
    assert np.abs(result[SQUARE].astype(int) - 30).min() > 100  # the dark square is gone


def test_inpaint_answers_jpeg_when_asked(client):
    response = client.post("/api/inpaint", files=inpaint_files(), data={"format": "jpeg"})
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    assert decode(response.content).shape == (H, W, 3)


def test_inpaint_passes_the_guidance_map_to_the_model(client, fill):
    avoid = np.zeros((H, W), np.uint8)
    avoid[:, :10] = 255
    response = client.post("/api/inpaint", files=inpaint_files(guidance=encode(avoid)))
    assert response.status_code == 200
    np.testing.assert_array_equal(fill.guidance, avoid > 0)


def test_inpaint_passes_the_detail_mode_and_refuses_an_unknown_one(client, fill):
    assert client.post("/api/inpaint", files=inpaint_files()).status_code == 200
    assert fill.detail == "synthesis"  # the default: the photo's own detail
    assert client.post("/api/inpaint", files=inpaint_files(), data={"detail": "none"}).status_code == 200
    assert fill.detail == "none"
    response = client.post("/api/inpaint", files=inpaint_files(), data={"detail": "sharp"})
    assert response.status_code == 422 and "detail" in response.json()["detail"]


def test_inpaint_reads_a_painted_alpha_mask(client):
    """The page sends an RGBA PNG: transparent = keep, opaque paint = hole."""
    rgba = np.zeros((H, W, 4), np.uint8)
    rgba[SQUARE] = (255, 255, 255, 255)
    image = photo()
    response = client.post("/api/inpaint", files=inpaint_files(encode(image), encode(rgba)))
    assert response.status_code == 200
    np.testing.assert_array_equal(decode(response.content), expected_fill(image, square_mask()))


def test_inpaint_applies_exif_orientation_like_a_browser(client):
    """A phone photo stored landscape with 'rotate 90°' EXIF is W×H on screen: the mask
    and the result follow what the user sees."""
    stored = photo()  # 48×64 stored
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    jpeg = encode(stored, "JPEG", exif=exif.tobytes())
    shown_mask = np.zeros((W, H), np.uint8)
    shown_mask[10:20, 10:20] = 255
    response = client.post("/api/inpaint", files=inpaint_files(jpeg, encode(shown_mask)))
    assert response.status_code == 200
    assert decode(response.content).shape == (W, H, 3)


def test_models_are_loaded_once_and_cached_by_name(fill):
    built = []
    app = create_app(lambda name: built.append(name) or fill, models=["pyramid", "gated", "aff"])
    client = fastapi_testclient.TestClient(app)
    for model in ["pyramid", "pyramid", "gated", "pyramid"]:
        assert client.post("/api/inpaint", files=inpaint_files(), data={"model": model}).status_code == 200
    assert built == ["pyramid", "gated"]
    # A third model evicts the least recently used one (two stay in memory).
    assert client.post("/api/inpaint", files=inpaint_files(), data={"model": "aff"}).status_code == 200
    assert client.get("/api/health").json()["loaded_models"] == ["pyramid", "aff"]


def test_segment_returns_the_dilated_object_mask(client):
    image = photo()
    response = client.post("/api/segment", files={"image": ("p.png", encode(image))},
                           data={"clicks": "[[30, 20]]", "dilation": "3"})
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    mask = decode(response.content)
    assert mask.shape == (H, W) and set(np.unique(mask)) == {0, 255}
    np.testing.assert_array_equal(mask > 0, DarkObjects().segment(image, [(30, 20)], dilation=3))
    assert (mask > 0).sum() == (16 + 2) * (20 + 2)  # a 3×3 square kernel grows each side by 1


def test_remove_erases_the_clicked_object_and_nothing_else(client):
    image = photo()
    response = client.post("/api/remove", files={"image": ("p.png", encode(image))},
                           data={"clicks": json.dumps([[25.7, 18.2]])})
    assert response.status_code == 200
    result = decode(response.content)
    hole = DarkObjects().segment(image, [(25, 18)])
    np.testing.assert_array_equal(result[~hole], image[~hole])
    assert result[SQUARE].mean() > 150  # the dark square (mean 30) is filled with background


def test_remove_guides_the_fill_automatically_unless_a_map_is_sent(client, objects):
    files = {"image": ("p.png", encode(photo()))}
    assert client.post("/api/remove", files=files, data={"clicks": "[[30, 20]]"}).status_code == 200
    assert objects.guidance == "auto"  # §5.4.3: the pipeline maps the other instances
    avoid = np.zeros((H, W), np.uint8)
    avoid[:8] = 1
    files["guidance"] = ("g.png", encode(avoid))
    assert client.post("/api/remove", files=files, data={"clicks": "[[30, 20]]"}).status_code == 200
    np.testing.assert_array_equal(objects.guidance, avoid > 0)


def test_remove_fills_with_the_removal_synthesis_and_inpaint_with_the_defaults(objects, synthesis_settings_used):
    # /api/remove gives the loaded model a removal's synthesis settings
    # (inpaintkit.removal.pipeline.removal_inpainter); /api/inpaint the defaults unless asked.
    from inpaintkit.inference import load_model
    from inpaintkit.removal.pipeline import removal_synthesis_settings
    from inpaintkit.synthesis import DEFAULT_SETTINGS

    model = load_model("pyramid", pretrained=False, width=8, max_side=64)
    client = fastapi_testclient.TestClient(create_app(lambda name: model, removal=objects))
    image = ("p.png", encode(photo()))
    assert client.post("/api/remove", files={"image": image}, data={"clicks": "[[30, 20]]"}).status_code == 200
    assert client.post("/api/inpaint", files=inpaint_files()).status_code == 200
    # The page's painted removal: a mask sent with removal=true is filled as /api/remove fills.
    assert client.post("/api/inpaint", files=inpaint_files(), data={"removal": "true"}).status_code == 200
    removal = removal_synthesis_settings()
    assert synthesis_settings_used == [removal, DEFAULT_SETTINGS, removal]


# ---- bad input: a clear 4xx, never a 500, and the server keeps serving --------------------

def truncated_jpeg() -> bytes:
    data = encode(photo(), "JPEG", quality=90)
    return data[: len(data) // 2]


BAD_REQUESTS = {
    "not an image": (dict(files=inpaint_files(image=b"GIF89a? no, just text")), 400, "not an image"),
    "truncated jpeg": (dict(files=inpaint_files(image=truncated_jpeg())), 400, "damaged"),
    "mask of the wrong size": (dict(files=inpaint_files(mask=encode(square_mask()[:, :32]))), 400,
                               "is 32×48 but the image is 64×48"),
    "empty mask": (dict(files=inpaint_files(mask=encode(np.zeros((H, W), np.uint8)))), 400, "empty"),
    "empty upload": (dict(files=inpaint_files(image=b"")), 400, "empty"),
    "guidance of the wrong size": (dict(files=inpaint_files(guidance=encode(np.zeros((4, 4), np.uint8)))), 400,
                                   "guidance map is 4×4"),
    "decompression bomb": (dict(files=inpaint_files(image=png_declaring(100_000, 100_000))), 413,
                           "megapixels"),
    "over the pixel limit": (dict(files=inpaint_files(image=png_declaring(8000, 7000))), 413,
                             "8000×7000 pixels, more than this server's limit of 50 megapixels"),
    "guidance that bars everything": (dict(files=inpaint_files(guidance=encode(np.full((H, W), 255, np.uint8)))),
                                      400, "the guidance map bars the whole photo"),
    "unknown field": (dict(files=inpaint_files(), data={"maks": "1"}), 400, "unknown form field 'maks'"),
    "missing mask": (dict(files={"image": ("p.png", encode(photo()))}), 422, "'mask' is required"),
    "guidance as text": (dict(files=inpaint_files(), data={"guidance": "foo"}), 400,
                         "the form field 'guidance' must be an uploaded image file "
                         "(curl -F guidance=@map.png), not text."),
    "mask as text": (dict(files={"image": ("p.png", encode(photo()))}, data={"mask": "white"}), 400,
                     "the form field 'mask' must be an uploaded image file (curl -F mask=@mask.png), not text."),
    "unknown model": (dict(files=inpaint_files(), data={"model": "dall-e"}), 400, "unknown model 'dall-e'"),
    "bad format": (dict(files=inpaint_files(), data={"format": "gif"}), 422, "'format' is invalid"),
}


@pytest.mark.parametrize("case", BAD_REQUESTS, ids=list(BAD_REQUESTS))
def test_bad_inpaint_requests_get_a_clear_4xx(client, case):
    kwargs, status, message = BAD_REQUESTS[case]
    response = client.post("/api/inpaint", **kwargs)
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]
    assert_still_serving(client)


BAD_PROMPTS = {
    "click outside": ({"clicks": "[[64, 10]]"}, 400, "click 1 at (64, 10) is outside the 64×48 image"),
    "negative click": ({"clicks": "[[-1, 10]]"}, 400, "outside"),
    "click on nothing": ({"clicks": "[[2, 2]]"}, 422, "nothing to remove here"),
    "not json": ({"clicks": "30,20"}, 400, "clicks must be a JSON list of [x, y] pairs"),
    "not pairs": ({"clicks": "[30, 20]"}, 400, "JSON list of [x, y] pairs"),
    "empty list": ({"clicks": "[]"}, 400, "JSON list of [x, y] pairs"),
    "not numbers": ({"clicks": '[["a", "b"]]'}, 400, "JSON list of [x, y] pairs"),
    "no prompt": ({}, 400, "no click or box given"),
    "add outside": ({"clicks": "[[30, 20]]", "add": "[[30, 99]]"}, 400, "add point 1 at (30, 99) is outside"),
    "exclude not json": ({"clicks": "[[30, 20]]", "exclude": "[[1,"}, 400,
                         "exclude must be a JSON list of [x, y] pairs"),
    "box not json": ({"box": "10 10 40 40"}, 400, "box must be a JSON list [x0, y0, x1, y1]"),
    "box of three": ({"box": "[10, 10, 40]"}, 400, "box must be a JSON list [x0, y0, x1, y1]"),
    "box of zero size": ({"box": "[20, 10, 20, 40]"}, 400, "the box is 0×30 pixels"),
    "box outside": ({"box": "[10, 10, 90, 40]"}, 400, "reaches outside the 64×48 image"),
    "box nested": ({"box": "[" * 2000 + "]" * 2000}, 400, "nested deeper than that"),
    "add overlong": ({"clicks": "[[30, 20]]", "add": "[[1, 2]" + ", [1, 2]" * 2000 + "]"}, 400,
                     "more than the 4096"),
}


@pytest.mark.parametrize("endpoint", ["/api/segment", "/api/remove"])
@pytest.mark.parametrize("case", BAD_PROMPTS, ids=list(BAD_PROMPTS))
def test_bad_prompts_get_one_clear_sentence(client, endpoint, case):
    data, status, message = BAD_PROMPTS[case]
    response = client.post(endpoint, files={"image": ("p.png", encode(photo()))}, data=data)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert message in detail and detail.endswith(".") and ". " not in detail.replace("e.g. ", "")
    assert_still_serving(client)


@pytest.mark.parametrize("endpoint", ["/api/segment", "/api/remove"])
def test_a_request_without_a_prompt_is_told_the_form_fields(client, endpoint):
    response = client.post(endpoint, files={"image": ("p.png", encode(photo()))})
    assert response.status_code == 400
    assert response.json()["detail"] == ("no click or box given: send the form field clicks=[[x, y]] on the "
                                         "object to remove, or box=[x0, y0, x1, y1] around it (text=true: all text).")


def test_add_exclude_and_box_reach_the_pipeline(client, objects):
    data = {"clicks": "[[30, 20]]", "add": "[[31, 21]]", "exclude": "[[2, 2]]", "box": "[4, 4, 60, 44]",
            "allow_large_hole": "true"}
    response = client.post("/api/remove", files={"image": ("p.png", encode(photo()))}, data=data)
    assert response.status_code == 200, response.text
    assert objects.prompt == {"add": [(31, 21)], "exclude": [(2, 2)], "box": (4, 4, 60, 44)}
    assert objects.allow_large_hole is True


def test_a_whole_photo_mask_is_refused_in_the_apis_words_unless_asked(client):
    nearly_whole = np.full((H, W), 255, np.uint8)
    nearly_whole[:, :2] = 0  # 97 %: the mean fill still has known pixels to take
    whole = encode(nearly_whole)
    response = client.post("/api/inpaint", files=inpaint_files(mask=whole))
    assert response.status_code == 400
    assert response.json()["detail"] == ("the mask covers 97% of the photo, which leaves nothing to fill the hole "
                                         "from; if the mask is inverted, make the hole white; send the form field "
                                         "allow_large_hole=true if this is meant.")
    assert client.post("/api/inpaint", files=inpaint_files(mask=whole),
                       data={"allow_large_hole": "true"}).status_code == 200


def test_segment_refuses_fields_it_does_not_know(client):
    response = client.post("/api/segment", files={"image": ("p.png", encode(photo()))},
                           data={"clicks": "[[30, 20]]", "model": "pyramid"})
    assert response.status_code == 400 and "unknown form field 'model'" in response.json()["detail"]


def test_a_field_given_twice_is_refused_not_cut_to_one(client):
    # As the CLI repeats --click; FastAPI alone would keep the last click and drop the first.
    response = client.post("/api/segment", files={"image": ("p.png", encode(photo()))},
                           data={"clicks": ["[[30, 20]]", "[[10, 10]]"]})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("the form field 'clicks' is given more than once; send it once")
    image = ("photo.png", encode(photo()))
    response = client.post("/api/inpaint", files=[("image", image), ("image", ("mask.png", encode(square_mask()))),
                                                  ("mask", ("mask.png", encode(square_mask())))])
    assert response.status_code == 400 and "the form field 'image' is given more than once" in response.json()["detail"]


def test_upload_over_the_byte_limit_is_refused_with_413(fill):
    app = create_app(lambda name: fill, max_upload_bytes=20_000)
    client = fastapi_testclient.TestClient(app)
    noise = np.random.default_rng(0).integers(0, 256, (H * 4, W * 4, 3), dtype=np.uint8)
    response = client.post("/api/inpaint", files=inpaint_files(image=encode(noise)))
    assert response.status_code == 413
    assert "more than this server's limit of 20 KB" in response.json()["detail"]
    assert_still_serving(client)


def test_chunked_upload_over_the_byte_limit_is_refused_with_413(fill):
    """No Content-Length: the limit is enforced while the body streams in."""
    app = create_app(lambda name: fill, max_upload_bytes=20_000)
    body = b"--xx\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\n" + b"\0" * 50_000
    with serve_in_background(app) as url:
        response = httpx.post(f"{url}/api/inpaint", content=iter([body[i:i + 8192] for i in range(0, len(body), 8192)]),
                              headers={"Content-Type": "multipart/form-data; boundary=xx"})
        assert response.status_code == 413 and "limit" in response.json()["detail"]
        assert httpx.get(f"{url}/api/health").status_code == 200


def test_missing_weights_is_503_with_the_reason():
    def factory(name):
        raise MissingWeightsError("no trained weights ship for model 'pyramid'; train them first.")

    client = fastapi_testclient.TestClient(create_app(factory))
    response = client.post("/api/inpaint", files=inpaint_files())
    assert response.status_code == 503 and "no trained weights" in response.json()["detail"]
    assert_still_serving(client)


def test_a_bug_is_a_500_and_the_server_keeps_serving(fill):
    def factory(name):
        if name == "buggy":
            raise RuntimeError("boom")
        return fill

    client = fastapi_testclient.TestClient(create_app(factory, models=["buggy"]), raise_server_exceptions=False)
    assert client.post("/api/inpaint", files=inpaint_files(), data={"model": "buggy"}).status_code == 500
    assert client.post("/api/inpaint", files=inpaint_files()).status_code == 200


# ---- concurrency -------------------------------------------------------------------------

def test_eight_concurrent_requests_complete_correctly_one_at_a_time():
    """Eight clients at once, each with its own photo: each gets *its* result, the model
    never runs twice at once (bounded memory), and /api/health answers meanwhile."""
    fill = MeanFill(delay=0.1)
    app = create_app(lambda name: fill)
    images = [photo(shade) for shade in range(120, 240, 15)]

    def send(url, image):
        response = httpx.post(f"{url}/api/inpaint", files=inpaint_files(encode(image)), timeout=60)
        return response.status_code, decode(response.content)

    with serve_in_background(app) as url, ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(send, url, image) for image in images]
        busy_answers = []
        while not all(f.done() for f in futures):
            health = httpx.get(f"{url}/api/health").json()
            if health["busy"]:
                busy_answers.append(health["queued"])
            time.sleep(0.02)
        results = [f.result() for f in futures]
    for image, (status, result) in zip(images, results):
        assert status == 200
        np.testing.assert_array_equal(result, expected_fill(image, square_mask()))
    assert fill.max_running == 1
    # /api/health answered while the model worked, and saw requests waiting their turn
    # (a blocked event loop would only answer once everything was done).
    assert len(busy_answers) >= 2 and max(busy_answers) >= 2


def test_a_full_queue_answers_503_instead_of_piling_up():
    fill = MeanFill(delay=0.3)
    app = create_app(lambda name: fill, max_queue=0)
    with serve_in_background(app) as url, ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(httpx.post, f"{url}/api/inpaint", files=inpaint_files(), timeout=30)
                   for _ in range(3)]
        statuses = sorted(f.result().status_code for f in futures)
    assert statuses[0] == 200 and 503 in statuses


# ---- page, documentation, static files ----------------------------------------------------

def test_page_and_its_assets_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and 'id="mask-layer"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset, kind in [("app.js", "javascript"), ("style.css", "text/css")]:
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200 and kind in response.headers["content-type"]


def test_openapi_documents_every_endpoint(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/inpaint", "/api/remove", "/api/segment", "/api/models", "/api/health"} <= set(spec["paths"])
    form = spec["paths"]["/api/inpaint"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    fields = spec["components"]["schemas"][form["$ref"].rsplit("/", 1)[-1]]["properties"]
    assert {"image", "mask", "guidance", "model", "format", "allow_large_hole", "detail", "removal"} == set(fields)
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize("path", [
    "/static/../app.py", "/static/..%2fapp.py", "/static/%2e%2e/%2e%2e/errors.py",
    "/static/..%5capp.py", "/static//etc/passwd", "/../../etc/passwd",
])
def test_no_file_outside_the_static_folder_is_served(path):
    """Raw HTTP, so the client cannot normalise the path away before it is sent."""
    app = create_app(lambda name: MeanFill())
    with serve_in_background(app) as url:
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        connection.close()
    assert response.status in (400, 404)
    assert b"create_app" not in body and b"root:" not in body


# ---- command line ----------------------------------------------------------------------

def test_serve_binds_to_localhost_by_default(monkeypatch):
    import uvicorn

    from inpaintkit.cli import build_parser
    from inpaintkit.cli.serve_command import is_local

    runs = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets=None: runs.append((server.config, sockets)))
    args = build_parser().parse_args(["serve", "--port", "8123", "--model", "pyramid"])
    assert args.func(args) == 0
    config, (listening,) = runs[0]
    with listening:  # bound before the address is printed, and handed to uvicorn
        assert listening.getsockname() == ("127.0.0.1", 8123)
    assert config.host == "127.0.0.1" and config.port == 8123
    route_paths = {route.path for route in config.app.routes}
    assert "/api/inpaint" in route_paths
    assert is_local("127.0.0.1") and is_local("::1") and is_local("localhost")
    assert not is_local("0.0.0.0") and not is_local("192.168.1.5")


# ---- the real pipeline, once ----------------------------------------------------------------

@pytest.fixture(scope="module")
def real_client():
    inference = pytest.importorskip("inpaintkit.inference")
    pipeline = pytest.importorskip("inpaintkit.removal.pipeline")
    # A tiny untrained Pyramid Generator working at 64 px: real code paths, seconds on CPU.
    app = create_app(lambda name: inference.load_model(name, pretrained=False, width=8, max_side=64),
                     removal=pipeline)
    return fastapi_testclient.TestClient(app)


@pytest.fixture(scope="module")
def small_camera(photos_dir) -> np.ndarray:
    """The cameraman photo (one person) at 128×128; the person is under (62, 62)."""
    image = Image.open(photos_dir / "camera.jpg").convert("RGB")
    return np.asarray(image.resize((128, 128), Image.Resampling.BOX))


def test_real_pipeline_segment_remove_and_inpaint(real_client, small_camera):
    files = {"image": ("camera.png", encode(small_camera))}
    response = real_client.post("/api/segment", files=files, data={"clicks": "[[62, 62]]"})
    assert response.status_code == 200, response.text
    hole = decode(response.content) > 0
    assert hole[62, 62] and 0.25 < hole.mean() < 0.6  # the person, a third of the photo

    # More than a quarter of the photo: refused with how to ask, then done when asked.
    response = real_client.post("/api/remove", files=files, data={"clicks": "[[62, 62]]"})
    assert response.status_code == 400
    assert "send the form field allow_large_hole=true" in response.json()["detail"]
    response = real_client.post("/api/remove", files=files,
                                data={"clicks": "[[62, 62]]", "allow_large_hole": "true"})
    assert response.status_code == 200, response.text
    removed = decode(response.content)
    np.testing.assert_array_equal(removed[~hole], small_camera[~hole])  # same mask as /api/segment
    assert (removed[hole] != small_camera[hole]).any(axis=1).mean() > 0.5

    response = real_client.post("/api/inpaint", files={**files, "mask": ("m.png", encode(hole))})
    assert response.status_code == 200, response.text
    np.testing.assert_array_equal(decode(response.content)[~hole], small_camera[~hole])


def test_real_pipeline_click_on_the_sky_is_nothing_to_remove(real_client, small_camera):
    response = real_client.post("/api/remove", files={"image": ("camera.png", encode(small_camera))},
                                data={"clicks": "[[5, 5]]"})
    assert response.status_code == 422 and "nothing to remove" in response.json()["detail"]
    assert_still_serving(real_client)


def test_a_model_without_weights_is_a_400_and_only_usable_models_are_offered_as_choices():
    registry = pytest.importorskip("inpaintkit.models.registry")
    weights = pytest.importorskip("inpaintkit.weights")
    shipped = list(weights.available_weights())
    missing = [name for name in registry.list_models() if name not in shipped]
    if not missing or "pyramid" not in shipped:
        pytest.skip("needs a model that ships weights and one that does not")
    client = fastapi_testclient.TestClient(create_app(default_model="pyramid"))
    choices = ", ".join(["pyramid"] + [name for name in registry.list_models() if name in shipped and name != "pyramid"])
    response = client.post("/api/inpaint", files=inpaint_files(), data={"model": missing[0]})
    assert response.status_code == 400
    assert response.json()["detail"] == (
        f"the model {missing[0]!r} has no trained weights on this server (train and export them as "
        f"docs/training.md says, then start it with --model WEIGHTS.safetensors); choose one of {choices} "
        "(GET /api/models lists them).")
    response = client.post("/api/inpaint", files=inpaint_files(), data={"model": "dall-e"})
    assert response.status_code == 400
    assert response.json()["detail"] == f"unknown model 'dall-e'; choose one of {choices} (GET /api/models lists them)."
    assert client.get("/api/health").json()["loaded_models"] == []  # refused before any loading


def test_default_server_offers_the_registry_and_503s_without_weights():
    registry = pytest.importorskip("inpaintkit.models.registry")
    weights = pytest.importorskip("inpaintkit.weights")
    missing = [name for name in registry.list_models() if name not in weights.available_weights()]
    if not missing:
        pytest.skip("every registered model ships weights")
    client = fastapi_testclient.TestClient(create_app(default_model=missing[0]))
    models = client.get("/api/models").json()["models"]
    assert models[0] == {"name": missing[0], "ready": False, "default": True}
    assert {m["name"] for m in models} == set(registry.list_models())
    response = client.post("/api/inpaint", files=inpaint_files())
    assert response.status_code == 503 and "weights" in response.json()["detail"]


def test_a_model_list_without_a_factory_offers_the_shipped_weights_and_the_default_by_name():
    # With `models` given and no factory, readiness is whether weights ship (not "every
    # model is unready"), and naming the default model is the same request as leaving it out.
    weights = pytest.importorskip("inpaintkit.weights")
    if "pyramid" not in weights.available_weights():
        pytest.skip("needs the shipped pyramid weights")
    client = fastapi_testclient.TestClient(create_app(default_model="pyramid", models=["pyramid", "gated"]))
    ready = {m["name"]: m["ready"] for m in client.get("/api/models").json()["models"]}
    assert ready == {"pyramid": True, "gated": "gated" in weights.available_weights()}
    named = client.post("/api/inpaint", files=inpaint_files(), data={"model": "pyramid", "detail": "none"})
    unnamed = client.post("/api/inpaint", files=inpaint_files(), data={"detail": "none"})
    assert named.status_code == unnamed.status_code == 200
    assert np.array_equal(decode(named.content), decode(unnamed.content))
