"""The web page in headless Chromium (Debian's ``chromium`` driven by Playwright).

A person's two ways of removing something, end to end against a live server running the
real pipeline (a tiny untrained Pyramid Generator, the real segmentation back ends):
click a person → the proposed mask is shown → Remove → download; and paint with the
brush (with an undo) → Remove → keep editing → Remove → download. Each checks the
downloaded full-size image differs inside the mask and is bit-identical outside it, and
leaves a screenshot of the finished page in ``test-artifacts/``.

Skipped when chromium or the ``playwright`` package is absent (``scripts/install_browser.sh``
installs both; it never runs ``playwright install``, which would download a browser).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("INPAINTKIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
PHOTO = "camera.jpg"  # 512×512, one person (tests/data/CREDITS.md)
PERSON = (250, 250)  # a pixel on the cameraman's coat
TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def sync_playwright():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM}; run scripts/install_browser.sh")
    module = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    return module.sync_playwright


@pytest.fixture(scope="module")
def server_url():
    from inpaintkit.inference import load_model
    from inpaintkit.removal import pipeline
    from inpaintkit.server.app import create_app
    from inpaintkit.server.background import serve_in_background

    # Tiny and untrained: the test checks the plumbing, not the quality of the fill.
    app = create_app(lambda name: load_model(name, pretrained=False, width=8, max_side=64),
                     removal=pipeline)
    with serve_in_background(app) as url:
        yield url


@pytest.fixture
def page(sync_playwright, server_url):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 860})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(server_url)
        page.wait_for_selector("#model-select option", state="attached")
        yield page
        browser.close()
        assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def original(photos_dir) -> tuple[Path, np.ndarray]:
    path = photos_dir / PHOTO
    return path, np.asarray(Image.open(path).convert("RGB"))


def open_photo(page, path: Path) -> None:
    page.set_input_files("#file-input", str(path))
    page.wait_for_selector("#stage:not([hidden])")


def to_page(page, x: float, y: float, width: int = 512) -> tuple[float, float]:
    """Image pixel → page coordinates (the page may show the photo scaled)."""
    box = page.locator("#photo").bounding_box()
    scale = box["width"] / width
    return box["x"] + (x + 0.5) * scale, box["y"] + (y + 0.5) * scale


def paint(page, points) -> None:
    """Drag the mouse through image points ``(x, y)`` or ``(x, y, image_width)``."""
    page.mouse.move(*to_page(page, *points[0]))
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*to_page(page, *point), steps=4)
    page.mouse.up()


def remove_and_wait(page, results: int) -> None:
    page.click("#remove-button")
    # Selectors, not wait_for_function: the page's CSP forbids the eval Playwright uses.
    page.wait_for_selector(f"body[data-results='{results}'][data-busy='false']", state="attached")


def download(page, button: str, tmp_path: Path) -> np.ndarray:
    with page.expect_download() as info:
        page.click(button)
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return np.asarray(Image.open(path).convert("RGB"))


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


def test_click_a_person_then_remove_and_download(page, original, tmp_path):
    from inpaintkit.removal.pipeline import segment

    path, image = original
    open_photo(page, path)
    page.mouse.click(*to_page(page, *PERSON))  # "Click object" is the starting tool
    page.wait_for_selector("#remove-button:not([disabled])")
    # The proposed mask is shown first; the cameraman is a third of the photo, so the
    # page says so, and Remove asks before filling.
    assert "red area covers 3" in page.text_content("#hint")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    remove_and_wait(page, 1)
    assert asked and "Remove it anyway?" in asked[0]
    screenshot(page, "server_click_removal.png")
    result = download(page, "#download-png", tmp_path)

    hole = segment(image, [PERSON])  # what the page showed and the server filled
    assert result.shape == image.shape
    np.testing.assert_array_equal(result[~hole], image[~hole])
    changed = np.abs(result.astype(int) - image.astype(int)).sum(axis=2) > 0
    assert changed[hole].mean() > 0.5, "the person was not removed"


def test_paint_undo_remove_keep_editing_and_download(page, original, tmp_path):
    path, image = original
    open_photo(page, path)
    page.click("[data-tool=brush]")
    paint(page, [(60, 440), (180, 440)])     # stroke A: kept
    paint(page, [(300, 60), (440, 60)])      # stroke B: undone
    page.click("#undo")
    remove_and_wait(page, 1)
    paint(page, [(420, 300), (420, 420)])    # stroke C, on the result: keep editing
    remove_and_wait(page, 2)
    page.fill("#compare", "50")  # show the before/after split in the screenshot
    page.dispatch_event("#compare", "input")
    screenshot(page, "server_brush_removal.png")
    result = download(page, "#download-png", tmp_path)
    jpeg = download(page, "#download-jpeg", tmp_path)

    changed = np.abs(result.astype(int) - image.astype(int)).sum(axis=2) > 0
    assert changed[436:445, 70:170].mean() > 0.5   # inside stroke A
    assert changed[310:410, 416:425].mean() > 0.5  # inside stroke C
    assert not changed[40:80, 280:460].any()       # stroke B was undone
    near_strokes = np.zeros(changed.shape, bool)
    near_strokes[400:480, 20:220] = True
    near_strokes[260:460, 380:460] = True
    assert not changed[~near_strokes].any()        # outside the painted masks: bit-identical
    assert jpeg.shape == image.shape               # full resolution
    assert np.abs(jpeg.astype(int) - result.astype(int)).mean() < 4


@pytest.mark.slow
def test_a_4000_by_3000_photo_is_shown_scaled_and_returned_full_size(page, tmp_path):
    width, height = 4000, 3000
    yy, xx = np.mgrid[0:height, 0:width]
    image = np.stack([xx * 255 // width, yy * 255 // height, (xx + yy) % 256], axis=2).astype(np.uint8)
    path = tmp_path / "big.jpg"
    Image.fromarray(image).save(path, quality=92)
    image = np.asarray(Image.open(path).convert("RGB"))  # what the server decodes
    open_photo(page, path)
    assert "shown at" in page.text_content("#status")
    assert page.locator("#photo").bounding_box()["width"] < 1200
    page.click("[data-tool=brush]")
    paint(page, [(1500, 1500, width), (2500, 1500, width)])
    remove_and_wait(page, 1)
    screenshot(page, "server_4000x3000.png")
    result = download(page, "#download-png", tmp_path)

    assert result.shape == (height, width, 3)
    changed = np.abs(result.astype(int) - image.astype(int)).sum(axis=2) > 0
    assert changed[1490:1510, 1550:2450].mean() > 0.5
    near = np.zeros(changed.shape, bool)
    near[1100:1900, 1100:2900] = True
    assert not changed[~near].any()


def multipart_parts(body: bytes, content_type: str) -> dict[str, bytes]:
    """Form field name → bytes of a multipart/form-data body."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    return {part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
            for part in message.iter_parts()}


def capture_form(page, url: str) -> dict[str, bytes]:
    """The fields the page will post to ``url``, filled in when it posts (the request
    itself is aborted, which the page reports as an error)."""
    sent: dict[str, bytes] = {}

    def capture(route):
        sent.update(multipart_parts(route.request.post_data_buffer, route.request.headers["content-type"]))
        route.abort()

    page.route(url, capture)
    return sent


def test_painted_mask_and_guidance_are_sent_as_shown(page, original):
    """Brush, "avoid" and "copy from" paint → the mask and guidance map of §5.4 the page
    sends (captured on the way; the request goes no further)."""
    import io

    path, _ = original
    sent = capture_form(page, "**/api/inpaint")
    open_photo(page, path)
    for tool, points in [("brush", [(100, 100), (200, 100)]), ("avoid", [(100, 300), (200, 300)]),
                         ("copy", [(300, 400), (400, 400)])]:
        page.click(f"[data-tool={tool}]")
        paint(page, points)
    page.click("#remove-button")
    page.wait_for_selector("#toast:not([hidden])")  # the aborted request is reported

    assert set(sent) == {"image", "mask", "guidance", "model", "format", "detail", "removal"}
    assert sent["detail"] == b"synthesis"                         # the "Photo detail" switch, on
    assert sent["removal"] == b"true"                             # filled as /api/remove fills
    mask = np.asarray(Image.open(io.BytesIO(sent["mask"])).getchannel("A")) > 0
    avoid = np.asarray(Image.open(io.BytesIO(sent["guidance"])).getchannel("A")) > 0
    assert mask.shape == avoid.shape == (512, 512)
    assert mask[100, 110:190].all() and mask.mean() < 0.1        # the brushed stroke only
    assert avoid[300, 110:190].all()                              # "avoid" paint
    assert not avoid[400, 310:390].any()                          # "copy from" paint is allowed …
    assert avoid[20, 20] and avoid[480, 20] and avoid.mean() > 0.8  # … and nothing else


def test_add_exclude_and_box_prompts_shape_the_selection(page, tmp_path):
    """Left click picks an object, a second left click adds its neighbour, a right click
    takes the neighbour out again, a drag draws a box; every change asks /api/segment
    with the whole prompt, and Remove fills exactly the last proposal."""
    import cv2

    from inpaintkit.removal.pipeline import segment
    from scenes import two_touching_blocks

    small, red, blue = two_touching_blocks()
    # Twice the size (red block x 80–160, blue 160–230), colours inverted so the red
    # overlay shows on the screenshot: a cyan block and a yellow one on pink.
    image = 255 - cv2.resize(small, (320, 240), interpolation=cv2.INTER_NEAREST)
    path = tmp_path / "blocks.png"
    Image.fromarray(image).save(path)
    prompts = []

    def record(route):
        parts = multipart_parts(route.request.post_data_buffer, route.request.headers["content-type"])
        prompts.append({key: value.decode() for key, value in parts.items() if key != "image"})
        route.continue_()

    page.route("**/api/segment", record)
    open_photo(page, path)

    def prompt_step(action):
        with page.expect_response("**/api/segment") as response:
            action()
        assert response.value.status == 200, response.value.text()
        page.wait_for_selector("body[data-busy='false']", state="attached")

    prompt_step(lambda: page.mouse.click(*to_page(page, 120, 120, 320)))
    prompt_step(lambda: page.mouse.click(*to_page(page, 195, 120, 320)))
    prompt_step(lambda: page.mouse.click(*to_page(page, 200, 135, 320), button="right"))
    screenshot(page, "server_prompts_exclude.png")

    def drag():
        page.mouse.move(*to_page(page, 60, 60, 320))
        page.mouse.down()
        page.mouse.move(*to_page(page, 250, 180, 320), steps=8)
        page.mouse.up()

    prompt_step(drag)
    path_shot = screenshot(page, "server_prompts_box.png")
    assert prompts == [
        {"clicks": "[[120,120]]"},
        {"clicks": "[[120,120]]", "add": "[[195,120]]"},
        {"clicks": "[[120,120]]", "add": "[[195,120]]", "exclude": "[[200,135]]"},
        {"clicks": "[[120,120]]", "add": "[[195,120]]", "exclude": "[[200,135]]", "box": "[60,60,251,181]"}  # the pixel under the pointer is inside,
    ]
    assert "red area" in page.text_content("#hint")
    remove_and_wait(page, 1)
    result = download(page, "#download-png", tmp_path)

    hole = segment(image, [(120, 120)], add=[(195, 120)], exclude=[(200, 135)], box=[60, 60, 251, 181])
    red_big = cv2.resize(red.astype(np.uint8), (320, 240), interpolation=cv2.INTER_NEAREST) > 0
    blue_big = cv2.resize(blue.astype(np.uint8), (320, 240), interpolation=cv2.INTER_NEAREST) > 0
    assert hole[red_big].mean() > 0.97 and hole[blue_big].mean() < 0.05  # added, then excluded
    np.testing.assert_array_equal(result[~hole], image[~hole])             # the proposal, no more
    changed = np.abs(result.astype(int) - image.astype(int)).sum(axis=2) > 0
    assert changed[red_big].mean() > 0.5
    assert path_shot.exists()


def test_remove_text_posts_the_text_field_without_clicks(page, original):
    path, _ = original
    sent = capture_form(page, "**/api/remove")
    open_photo(page, path)
    page.click("#remove-text")
    page.wait_for_selector("#toast:not([hidden])")
    assert sent["text"] == b"true" and "clicks" not in sent and "image" in sent


def test_erased_paint_keys_during_a_removal_and_messages_stay_out_of_the_way(page, original):
    path, _ = original
    open_photo(page, path)
    page.click("[data-tool=brush]")
    paint(page, [(100, 200), (200, 200)])
    assert page.is_enabled("#remove-button")
    # The eraser, wider, over the whole stroke: nothing left to remove, so no empty request.
    page.click("[data-tool=eraser]")
    page.fill("#brush-size", "120")
    page.dispatch_event("#brush-size", "input")
    paint(page, [(80, 200), (220, 200)])
    assert not page.is_enabled("#remove-button")
    # Esc while a removal runs leaves the mask alone: undoing the result brings it back.
    page.click("[data-tool=brush]")
    page.fill("#brush-size", "36")
    paint(page, [(300, 300), (400, 300)])
    page.click("#remove-button")
    page.keyboard.press("Escape")
    page.wait_for_selector("body[data-results='1'][data-busy='false']", state="attached")
    page.click("#undo")
    assert page.is_enabled("#remove-button")
    assert page.inner_text("#hint") == "Press Remove to fill the red area, or keep painting."  # not "Done. …"
    # A message does not catch clicks meant for the toolbar under it, and a new photo clears it.
    page.click("#clear")
    page.keyboard.press("Enter")  # nothing to remove: a message
    assert page.is_visible("#toast")
    assert page.eval_on_selector("#toast", "el => getComputedStyle(el).pointerEvents") == "none"
    open_photo(page, path)
    assert not page.is_visible("#toast")


def test_the_photo_is_fitted_again_when_the_footer_grows_in_a_narrow_window(page, original):
    path, _ = original
    page.set_viewport_size({"width": 420, "height": 700})
    open_photo(page, path)
    page.click("[data-tool=brush]")
    paint(page, [(200, 200), (260, 200)])
    remove_and_wait(page, 1)  # the compare slider appears and the footer wraps
    page.wait_for_timeout(100)  # the resize observer runs after layout
    photo, workspace = page.locator("#photo").bounding_box(), page.locator("#workspace").bounding_box()
    assert workspace["y"] - 1 <= photo["y"] and photo["y"] + photo["height"] <= workspace["y"] + workspace["height"] + 1


def test_clear_waits_for_paint_and_download_for_a_result(page, original):
    path, _ = original
    open_photo(page, path)
    # Nothing painted: Clear (and Esc) would only add an empty step to undo; nothing
    # removed: a download would hand the photo back named "inpainted".
    assert not page.is_enabled("#clear")
    assert not page.is_enabled("#download-png") and not page.is_enabled("#download-jpeg")
    page.keyboard.press("Escape")
    assert not page.is_enabled("#undo")
    page.click("[data-tool=brush]")
    paint(page, [(100, 200), (200, 200)])
    assert page.is_enabled("#clear")
    page.keyboard.press("Escape")
    assert not page.is_enabled("#clear") and not page.is_enabled("#remove-button")
    page.click("#undo")  # the stroke is back
    assert page.is_enabled("#clear")
    remove_and_wait(page, 1)
    assert page.is_enabled("#download-png") and page.is_enabled("#download-jpeg")
    page.click("#undo")  # back to the photo as opened
    assert not page.is_enabled("#download-png")
