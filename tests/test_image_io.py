"""User input edge: clear errors for bad images and masks, atomic writes."""
import io

import numpy as np
import pytest
from PIL import Image

from inpaintkit import image_io
from inpaintkit.errors import InputImageError, UserError


def _png_bytes(array):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_reads_grey_rgba_and_float_as_uint8_rgb():
    grey = np.full((5, 7), 100, np.uint8)
    rgba = np.zeros((5, 7, 4), np.uint8)
    floats = np.full((5, 7, 3), 0.5, np.float32)
    for source in (grey, rgba, floats, Image.fromarray(grey)):
        out = image_io.read_image(source)
        assert out.shape == (5, 7, 3) and out.dtype == np.uint8
    assert image_io.read_image(floats)[0, 0, 0] == 128
    assert image_io.read_image(_png_bytes(grey)).flags.writeable  # ours to edit, like cv2.imread


def test_non_image_and_truncated_files_are_clear_errors(tmp_path):
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    with pytest.raises(InputImageError, match="not an image"):
        image_io.read_image(text)
    data = _png_bytes(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    with pytest.raises(InputImageError, match="damaged or truncated"):
        image_io.read_image(data[: len(data) // 2])
    with pytest.raises(InputImageError, match="does not exist"):
        image_io.read_image(tmp_path / "missing.png")


def test_decompression_bomb_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(image_io, "MAX_PIXELS", 1000)
    with pytest.raises(InputImageError, match="limit"):
        image_io.read_image(_png_bytes(np.zeros((100, 100, 3), np.uint8)))


def test_a_caller_can_lower_the_pixel_limit():
    data = _png_bytes(np.zeros((100, 100, 3), np.uint8))
    with pytest.raises(InputImageError, match="limit of 0 megapixels"):
        image_io.read_image(data, max_pixels=1000)
    with pytest.raises(InputImageError, match="100×100"):
        image_io.read_image(np.zeros((100, 100, 3), np.uint8), max_pixels=1000)
    assert image_io.read_image(data, max_pixels=10_000).shape == (100, 100, 3)


def test_mask_must_match_image_size():
    with pytest.raises(InputImageError, match="same size"):
        image_io.read_mask(np.zeros((4, 5), np.uint8), (4, 6))
    # A mask drawn on a photo's stored pixels, where EXIF turns the photo upright.
    with pytest.raises(InputImageError, match=r"is 6×4 but the image is 4×6 \(turned a quarter: .*EXIF orientation"):
        image_io.read_mask(np.zeros((4, 6), np.uint8), (6, 4))
    mask = image_io.read_mask(_png_bytes(np.array([[0, 255], [128, 127]], np.uint8)), (2, 2))
    assert mask.tolist() == [[False, True], [True, False]]  # at least half-way to white = hole


def test_save_image_is_atomic_and_roundtrips(tmp_path):
    image = np.random.default_rng(1).integers(0, 255, (9, 11, 3), dtype=np.uint8)
    path = image_io.save_image(image, tmp_path / "out.png")
    assert np.array_equal(image_io.read_image(path), image)
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]
    with pytest.raises(UserError, match="extension"):
        image_io.save_image(image, tmp_path / "out.xyz")


def test_formats_that_run_external_programs_are_refused(tmp_path):
    # Pillow's EPS plugin would start Ghostscript; no photo needs it.
    eps = tmp_path / "drawing.eps"
    eps.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    with pytest.raises(InputImageError, match="formats: PNG, JPEG"):
        image_io.read_image(eps)


def test_other_forms_of_an_image_read_as_the_same_pixels(tmp_path):
    grey = np.arange(35, dtype=np.uint8).reshape(5, 7) * 7
    data = _png_bytes(grey)
    (tmp_path / "g.png").write_bytes(data)
    expected = image_io.read_image(data)
    with open(tmp_path / "g.png", "rb") as handle:
        forms = [bytearray(data), memoryview(data), handle, grey[:, :, None], np.dstack([grey, np.full_like(grey, 255)]),
                 Image.fromarray(grey).convert("I")]  # mode "I" holding 8-bit levels, not 16-bit ones
        for form in forms:
            assert np.array_equal(image_io.read_image(form), expected)


def test_masks_read_like_images_and_refuse_what_is_no_mask():
    hole = np.zeros((4, 6), bool)
    hole[1:3, 2:5] = True
    # A 0–255 float mask (a JPEG's levels, as floats): its noise below half-way is no hole.
    levels = np.where(hole, 250.0, 3.0).astype(np.float32)
    assert np.array_equal(image_io.read_mask(levels, (4, 6)), hole)
    assert np.array_equal(image_io.read_mask(Image.fromarray(hole.astype(np.uint8) * 255).convert("I"), (4, 6)), hole)
    for bad, message in [(hole.astype(str), "must hold numbers"), (hole.astype(np.complex64), "must hold numbers"),
                         (np.full((4, 6), np.nan), "NaN or infinite"), (None, r"no mask was given \(None\)")]:
        with pytest.raises(InputImageError, match=message):
            image_io.read_mask(bad, (4, 6))
    with pytest.raises(InputImageError, match=r"^no image was given \(None\)\.$"):
        image_io.read_image(None)


def test_see_through_pixels_are_laid_over_white_not_read_as_their_hidden_colour():
    rgba = np.zeros((4, 6, 4), np.uint8)
    rgba[..., :3] = (10, 200, 30)      # hidden colour, as an editor leaves it under alpha 0
    rgba[:, 3:, 3] = 255
    rgba[:, 2, 3] = 128                # half see-through: half way to white
    for source in (Image.fromarray(rgba, "RGBA"), rgba, _png_bytes(rgba)):
        out = image_io.read_image(source)
        assert out[0, 0].tolist() == [255, 255, 255] and out[0, 5].tolist() == [10, 200, 30]
        assert out[0, 2].tolist() == [132, 227, 142]
    opaque = rgba.copy()
    opaque[..., 3] = 255
    assert image_io.read_image(Image.fromarray(opaque, "RGBA"))[0, 0].tolist() == [10, 200, 30]
