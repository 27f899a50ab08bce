"""Text removal: lines from the bundled DB detector, strokes (not boxes) inside them, and
``--text`` / ``text=True`` end to end."""
import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from inpaintkit.cli import main
from inpaintkit.errors import NothingToRemoveError, UserError
from inpaintkit.removal import pipeline
from inpaintkit.removal.text import NO_TEXT_MESSAGE, TextLine, get_text_detector, stroke_mask, text_mask


def texture(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A green-brown noisy texture, smoothed: photo-like, with no text in it."""
    import cv2

    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 1, (height // 4, width // 4, 3)).astype(np.float32)
    noise = cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC)
    base = np.array([90, 120, 60], np.float32)
    return np.clip(base + 25 * noise + rng.normal(0, 4, (height, width, 3)), 0, 255).astype(np.uint8)


def sign_over_texture(text: str = "EXIT 42", size: int = 34, shape=(128, 256)):
    """A light sign (flat colour) with dark letters, on a texture.

    Returns (image, glyphs: the letters' pixels, sign: the sign's rectangle), bool masks."""
    height, width = shape
    image = Image.fromarray(texture(height, width))
    font = ImageFont.load_default(size=size)
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x, y = (width - (right - left)) // 2 - left, (height - (bottom - top)) // 2 - top
    sign = np.zeros((height, width), bool)
    sign[y + top - 12:y + bottom + 12, x + left - 14:x + right + 14] = True
    ys, xs = np.nonzero(sign)
    draw.rectangle((xs.min(), ys.min(), xs.max(), ys.max()), fill=(235, 225, 170))
    draw.text((x, y), text, font=font, fill=(30, 30, 110))
    glyph_layer = Image.new("L", (width, height))
    ImageDraw.Draw(glyph_layer).text((x, y), text, font=font, fill=255)
    glyphs = np.asarray(glyph_layer) > 127
    return np.asarray(image), glyphs, sign


def test_stroke_mask_takes_the_letters_not_their_box():
    """Given the line (as the detector would), the mask is the strokes: every letter pixel,
    little of the sign behind them, and almost nothing of the texture around the sign
    (the line's rectangle is lengthened by half its height, into the texture)."""
    image, glyphs, sign = sign_over_texture()
    ys, xs = np.nonzero(glyphs)
    pad = 8
    quad = np.array([[xs.min() - pad, ys.min() - pad], [xs.max() + pad, ys.min() - pad],
                     [xs.max() + pad, ys.max() + pad], [xs.min() - pad, ys.max() + pad]], np.float32)
    core = np.zeros(glyphs.shape, bool)
    core[ys.min() + 3:ys.max() - 3, xs.min():xs.max()] = True
    mask = stroke_mask(image, [TextLine(quad, 0.9)], core)
    in_box = np.zeros(glyphs.shape, bool)
    in_box[ys.min() - pad:ys.max() + pad + 1, xs.min() - pad:xs.max() + pad + 1] = True
    background = in_box & ~glyphs
    assert mask[glyphs].mean() > 0.98
    assert mask[background].mean() < 0.35          # the sign's colour survives
    assert mask[~sign].mean() < 0.01
    assert not mask[:ys.min() - pad].any() and not mask[ys.max() + pad + 1:].any()   # not above or below


def test_detector_finds_rendered_text_and_its_strokes():
    image, glyphs, sign = sign_over_texture()
    lines, core = get_text_detector()(image)
    assert len(lines) >= 1
    mask = text_mask(image)
    assert mask[glyphs].mean() > 0.95
    sign_background = sign & ~glyphs
    assert mask[sign_background].mean() < 0.4
    assert mask[~sign].mean() < 0.01               # the texture around the sign is left alone


def test_light_caption_on_a_photo_is_found_too():
    """White caption text straight on the texture (no sign behind it)."""
    image = Image.fromarray(texture(96, 256, seed=3))
    font = ImageFont.load_default(size=30)
    ImageDraw.Draw(image).text((20, 30), "Holiday 2024", font=font, fill=(250, 250, 250))
    glyph_layer = Image.new("L", image.size)
    ImageDraw.Draw(glyph_layer).text((20, 30), "Holiday 2024", font=font, fill=255)
    glyphs = np.asarray(glyph_layer) > 127
    mask = text_mask(np.asarray(image))
    assert mask[glyphs].mean() > 0.95
    assert mask.mean() < 3 * glyphs.mean()


def test_no_text_is_one_clear_sentence():
    with pytest.raises(NothingToRemoveError, match="no text found"):
        text_mask(texture(96, 128))


def test_text_takes_no_clicks():
    image, _, _ = sign_over_texture()
    with pytest.raises(UserError, match="text removal takes no clicks"):
        pipeline.segment(image, [(5, 5)], text=True)
    with pytest.raises(UserError, match="text removal takes no clicks or box"):
        pipeline.segment(image, box=(1, 1, 50, 50), text=True)


def test_python_api_removes_text_and_keeps_the_rest(tiny_model):
    image, glyphs, sign = sign_over_texture()
    result, mask = pipeline.remove(image, text=True, model=tiny_model, return_mask=True)
    assert mask[glyphs].all()
    np.testing.assert_array_equal(result[~mask], image[~mask])


@pytest.fixture(scope="module")
def tiny_model():
    from inpaintkit.inference import load_model

    return load_model("pyramid", pretrained=False, width=8, max_side=64)


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    from inpaintkit.models.registry import create_model
    from inpaintkit.weights import save_weights

    return save_weights(create_model("pyramid", width=8), tmp_path_factory.mktemp("w") / "tiny.safetensors")


def test_cli_text_writes_result_and_stroke_mask(tmp_path, tiny_weights, capsys):
    image, glyphs, sign = sign_over_texture()
    photo, out, mask_path = tmp_path / "sign.png", tmp_path / "out.png", tmp_path / "mask.png"
    Image.fromarray(image).save(photo)
    code = main(["remove", str(photo), "--text", "-o", str(out), "--save-mask", str(mask_path),
                 "--model", str(tiny_weights), "--detail", "none"])
    assert code == 0, capsys.readouterr().err
    mask = np.asarray(Image.open(mask_path)) > 0
    result = np.asarray(Image.open(out))
    assert mask[glyphs].all()
    assert mask[sign & ~glyphs].mean() < 0.6       # dilated strokes, still not the box
    np.testing.assert_array_equal(result[~mask], image[~mask])


def test_cli_text_on_a_photo_without_text_writes_nothing(tmp_path, tiny_weights, capsys):
    photo = tmp_path / "plain.png"
    Image.fromarray(texture(96, 128)).save(photo)
    code = main(["remove", str(photo), "--text", "-o", str(tmp_path / "out.png"), "--model", str(tiny_weights),
                 "--detail", "none"])
    err = capsys.readouterr().err
    assert code == 2 and NO_TEXT_MESSAGE in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == [photo]


def test_cli_text_and_click_together_is_one_sentence(tmp_path, capsys):
    photo = tmp_path / "sign.png"
    Image.fromarray(sign_over_texture()[0]).save(photo)
    code = main(["remove", str(photo), "--text", "--click", "1,1", "-o", str(tmp_path / "o.png")])
    assert code == 2 and "text removal takes no clicks" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [photo]


@pytest.fixture(scope="module")
def api():
    from fastapi.testclient import TestClient

    from inpaintkit.inference import load_model
    from inpaintkit.server.app import create_app

    app = create_app(lambda name: load_model(name, pretrained=False, width=8, max_side=64), removal=pipeline)
    return TestClient(app)


def png(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_api_segment_and_remove_text(api):
    image, glyphs, sign = sign_over_texture()
    files = {"image": ("sign.png", png(image))}
    response = api.post("/api/segment", files=files, data={"text": "true"})
    assert response.status_code == 200, response.text
    hole = np.asarray(Image.open(__import__("io").BytesIO(response.content))) > 0
    assert hole[glyphs].all() and hole[sign & ~glyphs].mean() < 0.5
    response = api.post("/api/remove", files=files, data={"text": "true"})
    assert response.status_code == 200, response.text
    result = np.asarray(Image.open(__import__("io").BytesIO(response.content)).convert("RGB"))
    np.testing.assert_array_equal(result[~hole], image[~hole])   # the same mask as /api/segment


@pytest.mark.parametrize("data, status, message", [
    ({"text": "true"}, 422, "no text found"),
    ({"text": "true", "clicks": "[[5, 5]]"}, 400, "text removal takes no clicks"),
    ({}, 400, "no click or box given"),
])
def test_api_text_errors_are_one_sentence(api, data, status, message):
    response = api.post("/api/remove", files={"image": ("plain.png", png(texture(96, 128)))}, data=data)
    assert response.status_code == status and message in response.json()["detail"]


def test_default_fill_gives_a_sign_back_its_own_colour():
    """On a flat sign the default fill (the synthesis, copying from the sign around the
    letters) gives the letters the sign's colour, not a shade that shows their shapes."""
    image, glyphs, sign = sign_over_texture()
    result = pipeline.remove(image, text=True)
    sign_colour = np.array([235, 225, 170])
    error = np.abs(result[glyphs].astype(int) - sign_colour).mean()
    assert error < 4


def test_default_fill_carries_the_texture_under_a_caption_and_copies_from_around_it():
    """A caption over a fine texture: the default fill continues the texture (the harmonic
    fill, the default before, left a smooth band: gradient ratio 0.2), and the guidance map
    lets it copy only from the caption's surroundings."""
    from inpaintkit.evaluation.edges import gradient_ratio

    rng = np.random.default_rng(3)
    ground = np.clip(rng.normal(120, 30, (160, 320, 3)), 0, 255).astype(np.uint8)
    ground = cv2.GaussianBlur(ground, (3, 3), 0)
    image = Image.fromarray(ground)
    draw = ImageDraw.Draw(image)
    draw.text((20, 60), "Summer 2024", font=ImageFont.load_default(size=36), fill=(255, 255, 255),
              stroke_width=2, stroke_fill=(20, 20, 20))
    result = pipeline.remove_detailed(np.asarray(image), text=True)
    assert result.mask.mean() > 0.03
    assert gradient_ratio(result.image, ground, result.mask) > 0.6
    assert result.guidance is not None
    assert result.guidance[:, 300:].all() and result.guidance[150:].all()    # far from the caption
    assert not result.guidance[55:105, 20:200].any()                          # around it
