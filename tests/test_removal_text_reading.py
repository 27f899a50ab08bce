"""The reading check: a detected line is text only if the bundled recogniser reads it."""
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from inpaintkit.errors import NothingToRemoveError
from inpaintkit.removal.text import get_text_detector, text_mask
from inpaintkit.removal.text_reading import (ctc_reading, get_text_reader, line_crop, other_case_classes,
                                             Reading)

PHOTOS = Path(__file__).parent / "data" / "photos"


def word(text: str = "PARKING", size: int = 40) -> np.ndarray:
    """Dark letters on a light ground, a margin around them (a cut-out line)."""
    font = ImageFont.load_default(size=size)
    left, top, right, bottom = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), text, font=font)
    image = Image.new("RGB", (right - left + 24, bottom - top + 24), (235, 232, 220))
    ImageDraw.Draw(image).text((12 - left, 12 - top), text, font=font, fill=(30, 30, 40))
    return np.asarray(image)


def whole_quad(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    return np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])


def test_ctc_decoding_merges_repeats_and_drops_blanks():
    # Steps: blank, a, a, blank, a, b  →  "a a b": three characters.
    probabilities = np.full((6, 4), 0.05, np.float32)
    for step, best in enumerate([0, 1, 1, 0, 1, 2]):
        probabilities[step, best] = 0.85
    reading = ctc_reading(probabilities)
    assert reading.characters == 3
    assert reading.confidence == pytest.approx(0.85)
    assert ctc_reading(np.eye(4, dtype=np.float32)[[0, 0, 0]]) == Reading(0, 0.0)


def test_a_letter_torn_between_its_cases_counts_both():
    alphabet = ["o", "p", "O", "c"]
    other = other_case_classes(alphabet)
    assert other.tolist() == [0, 3, 2, 1, 4, 5]   # blank, o↔O, p, c, the appended space
    probabilities = np.zeros((1, 6), np.float32)
    probabilities[0, 3], probabilities[0, 1], probabilities[0, 0] = 0.52, 0.45, 0.03   # "O" or "o"
    assert ctc_reading(probabilities).confidence == pytest.approx(0.52)
    assert ctc_reading(probabilities, other).confidence == pytest.approx(0.97)


def test_line_crop_turns_a_rotated_line_level():
    image = word("EXIT")
    height, width = image.shape[:2]
    canvas = np.full((300, 300, 3), 235, np.uint8)
    canvas[150 - height // 2:150 - height // 2 + height, 150 - width // 2:150 - width // 2 + width] = image
    turn = cv2.getRotationMatrix2D((150, 150), 30, 1.0)
    rotated = cv2.warpAffine(canvas, turn, (300, 300), borderValue=(235, 235, 235))
    corners = np.float32([[150 - width / 2, 150 - height / 2], [150 + width / 2, 150 - height / 2],
                          [150 + width / 2, 150 + height / 2], [150 - width / 2, 150 + height / 2]])
    quad = cv2.transform(corners[None], turn)[0]
    for order in (quad, quad[[2, 3, 0, 1]], quad[::-1]):   # any corner order
        crop = line_crop(rotated, order)
        assert abs(crop.shape[1] - width) <= 2 and abs(crop.shape[0] - height) <= 2
        assert np.abs(crop.astype(int) - image.astype(int)).mean() < 12


def test_words_read_as_text_in_any_orientation():
    reader = get_text_reader()
    image = word()
    quad = whole_quad(image)
    reading = reader.read(image, quad)
    assert reading.characters >= 6 and reading.confidence > 0.9
    assert reader.is_text(image, quad)
    upside_down = np.ascontiguousarray(image[::-1, ::-1])
    assert reader.is_text(upside_down, whole_quad(upside_down))
    standing = np.ascontiguousarray(np.rot90(image, -1))   # read top to bottom
    assert reader.is_text(standing, whole_quad(standing))


def test_texture_the_detector_takes_for_a_line_is_not_read_as_text():
    """The detector finds a line in the coffee photo (the cup's rim); it reads as one
    uncertain character at most, so ``--text`` says there is no text and removes nothing
    (it removed 2 % of the photo before the reading check)."""
    image = np.asarray(Image.open(PHOTOS / "coffee.jpg").convert("RGB"))
    lines, _ = get_text_detector()(image)
    assert lines
    reader = get_text_reader()
    assert not any(reader.is_text(image, line.quad) for line in lines)
    with pytest.raises(NothingToRemoveError):
        text_mask(image)


def test_one_character_is_not_enough():
    image = word("8", size=60)
    reading = get_text_reader().read(image, whole_quad(image))
    assert reading.characters == 1 and reading.confidence > 0.5
    assert not get_text_reader().is_text(image, whole_quad(image))


def captioned(photo: np.ndarray, text: str, size: int):
    """``text`` in white with a dark outline in the lower right corner of ``photo``; returns
    the image and the caption's ink (bool)."""
    image = Image.fromarray(photo)
    font = ImageFont.truetype(FONT, size) if Path(FONT).exists() else ImageFont.load_default(size=size)
    left, top, right, bottom = ImageDraw.Draw(image).textbbox((0, 0), text, font=font)
    xy = (image.width - (right - left) - size, image.height - (bottom - top) - size)
    ImageDraw.Draw(image).text(xy, text, font=font, fill="white", stroke_width=2, stroke_fill="black")
    ink = Image.new("L", image.size)
    ImageDraw.Draw(ink).text(xy, text, font=font, fill=255, stroke_width=2)
    return np.asarray(image), np.asarray(ink) > 127


FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def test_a_caption_takes_its_symbol_and_nothing_far_away():
    """Coffee with a small "© 2023 Jane Doe": the caption goes, its "©" (one character, read
    alone it is not text) with it, and not the cup the detector also outlines: the second
    look took the cup's rim as a leftover of the caption, 24 % of the photo."""
    photo = np.asarray(Image.open(PHOTOS / "coffee.jpg").convert("RGB"))
    image, ink = captioned(photo, "© 2023 Jane Doe", 16)
    mask = text_mask(image)
    assert mask[ink].mean() > 0.95
    symbol = ink.copy()
    symbol[:, np.flatnonzero(ink.any(axis=0))[0] + 18:] = False   # the "©" glyph
    assert mask[symbol].mean() > 0.9
    near = cv2.dilate(ink.astype(np.uint8), np.ones((33, 33), np.uint8)) > 0
    assert mask[~near].mean() < 0.001


@pytest.mark.parametrize("spaces", [3, 5])
def test_a_letter_spaced_word_is_read_as_one_line(spaces):
    """Far-spaced letters come from the detector as one-letter lines, none of which reads
    as text alone; the row of them does."""
    image = np.full((160, 900, 3), (70, 90, 120), np.uint8)
    image, ink = captioned(image, (" " * spaces).join("HOTEL"), 40)
    mask = text_mask(image)
    assert mask[ink].mean() > 0.95
