"""Prompts as in SAM-style tools (clicks, add, exclude, box) on synthetic scenes, the
size limit of one removal, and one-sentence refusals of bad prompts."""
import cv2
import numpy as np
import pytest

from inpaintkit.errors import UserError
from inpaintkit.hole_limit import MAX_UNASKED_HOLE_FRACTION, HoleTooLargeError
from inpaintkit.removal.instances import Instance
from inpaintkit.removal.pipeline import remove, remove_detailed, segment
from inpaintkit.removal.prompts import validate_prompt
from scenes import OnlyThis, beetle, long_bar, two_apart_discs, two_touching_blocks


def telea(image, mask, guidance=None):
    return cv2.inpaint(image, mask.astype(np.uint8), 3, cv2.INPAINT_TELEA)


def test_a_click_takes_one_block_and_an_add_click_brings_in_its_neighbour():
    image, red, blue = two_touching_blocks()
    first = segment(image, [(60, 60)], backend="click", dilation=0)
    assert first[red].mean() > 0.97 and first[blue].mean() < 0.03
    both = segment(image, [(60, 60)], add=[(100, 60)], backend="click", dilation=0)
    assert both[red].mean() > 0.97 and both[blue].mean() > 0.97
    assert (both & ~red & ~blue).sum() < 0.03 * (red | blue).sum()


def test_points_may_be_numpy_arrays():
    image, red, blue = two_touching_blocks()
    listed = segment(image, [(60, 60)], add=[(100, 60)], backend="click", dilation=0)
    arrays = segment(image, np.array([[60, 60]]), add=np.array([[100, 60]]), exclude=np.zeros((0, 2)),
                     backend="click", dilation=0)
    assert np.array_equal(arrays, listed)
    removed = remove(image, clicks=np.array([[60, 60]]), backend="click", model=telea, dilation=0)
    assert np.array_equal(removed, remove(image, clicks=[(60, 60)], backend="click", model=telea, dilation=0))


def test_an_add_click_on_a_separate_object_adds_it():
    image, red, orange = two_apart_discs()
    alone = segment(image, [(45, 60)], backend="click", dilation=0)
    assert alone[red].mean() > 0.95 and not alone[orange].any()
    both = segment(image, [(45, 60)], add=[(115, 60)], backend="click", dilation=0)
    assert both[red].mean() > 0.95 and both[orange].mean() > 0.95


def test_an_exclude_click_takes_a_part_out_of_a_box_selection():
    image, red, blue = two_touching_blocks()
    box = [30, 30, 125, 90]
    both = segment(image, box=box, backend="click", dilation=0)
    assert both[red].mean() > 0.97 and both[blue].mean() > 0.97
    kept = segment(image, box=box, exclude=[(100, 60)], backend="click", dilation=0)
    assert kept[red].mean() > 0.97 and kept[blue].mean() < 0.03


def test_a_box_bounds_the_selection():
    image, bar = long_bar()
    # Wider than the photo's short side: a click alone finds no closed object …
    with pytest.raises(UserError, match="nothing to remove"):
        segment(image, [(100, 60)], backend="click")
    # … a box around the left half takes that half and nothing beyond the box.
    half = segment(image, box=[10, 40, 100, 80], backend="click", dilation=0)
    assert half[:, :100][bar[:, :100]].mean() > 0.95
    assert not half[:, 100:].any() and not half[:40].any() and not half[80:].any()
    with_click = segment(image, [(60, 60)], box=[10, 40, 100, 80], backend="click", dilation=0)
    assert np.array_equal(with_click, half)


def test_a_thin_legged_object_is_taken_whole():
    image, body, legs = beetle()
    hole = segment(image, [(100, 80)], backend="click")
    assert hole[body].all() and hole[legs].mean() > 0.99  # 2-px legs and antennae too
    assert hole.sum() < 3 * (body | legs).sum()           # and not the leaves around them


@pytest.mark.parametrize("kwargs, message", [
    (dict(clicks=[(500, 5)]), "click 1 at (500, 5) is outside the 128×96 image"),
    (dict(clicks=[(5, 5)], add=[(-1, 5)]), "add point 1 at (-1, 5) is outside"),
    (dict(clicks=[(5, 5)], exclude=[("a", 5)]), "exclude point 1 must be two numbers"),
    (dict(clicks=[(float("nan"), float("nan"))]), "click 1 must be two numbers (x, y), not (nan, nan)."),
    (dict(clicks=[(5, float("inf"))]), "click 1 must be two numbers (x, y), not (5, inf)."),
    (dict(box=[0, 0, float("nan"), 40]), "the box must be four numbers (x0, y0, x1, y1), not (0, 0, nan, 40)."),
    (dict(box=[10, 10, 10, 40]), "the box is 0×30 pixels"),
    (dict(box=[10, 10, 200, 40]), "reaches outside the 128×96 image"),
    (dict(box=[10, 10, 40]), "four numbers"),
    (dict(clicks=[(5, 5)], box=[20, 20, 60, 60]), "outside the box"),
    (dict(clicks=[(5, 5)], exclude=[(5, 5)]), "both on the object and excluded"),
    (dict(), "no click or box given: pass clicks=[(x, y)] on the object to remove, or box=(x0, y0, x1, y1) "
             "around it."),  # the Python parameters: the CLI and HTTP say it in their own words
])
def test_bad_prompts_are_one_sentence(kwargs, message):
    with pytest.raises(UserError, match=None) as error:
        validate_prompt(shape=(96, 128), **kwargs)
    text = str(error.value)
    assert message in text and text.count(". ") == 0 and text.endswith(".")


def test_a_fractional_point_lies_in_the_pixel_that_holds_it():
    # Column i spans [i, i + 1): 127.9 is the last column of a 128-wide photo, not outside it.
    prompt = validate_prompt([(1.5, 2.5), (127.9, 95.9)], add=[(0.2, 0.7)], shape=(96, 128))
    assert prompt.clicks == ((1, 2), (127, 95)) and prompt.add == ((0, 0),)


def test_only_add_points_act_as_a_click():
    image, red, _ = two_apart_discs()
    assert np.array_equal(segment(image, add=[(45, 60)], backend="click", dilation=0),
                          segment(image, [(45, 60)], backend="click", dilation=0))


class Everything:
    """A back end that calls the whole photo one object (what the person model did on a
    macro photo of a ladybird)."""

    name = "everything"

    def __call__(self, image, clicks):
        return [Instance(np.ones(image.shape[:2], bool), "person", 0.9)]


def test_one_click_never_removes_more_than_a_quarter_unasked():
    image, _, _ = two_touching_blocks()
    with pytest.raises(HoleTooLargeError, match="pass allow_large_hole=True") as error:
        remove(image, click=(60, 60), backend=Everything(), model=telea)
    assert error.value.fraction > MAX_UNASKED_HOLE_FRACTION
    result = remove_detailed(image, [(60, 60)], backend=Everything(), model=telea, allow_large_hole=True)
    assert result.mask.all()
    # A proposal is not a removal: segment shows the large mask (the page asks before filling).
    assert segment(image, [(60, 60)], backend=Everything()).all()


def test_an_add_click_keeps_everything_already_selected():
    image, red, blue = two_touching_blocks()
    ragged = red.copy()
    ragged[40:80:4, 78:80] = False  # a ragged edge GrabCut alone would redraw
    both = segment(image, [(60, 60)], add=[(100, 60)], backend=OnlyThis(ragged), dilation=0)
    assert both[ragged].all() and both[blue].mean() > 0.9


def test_an_add_click_on_a_missed_leg_brings_in_that_leg():
    from scipy import ndimage

    image, body, legs = beetle()
    labels, _ = ndimage.label(legs, structure=np.ones((3, 3)))
    ys, xs = np.nonzero(legs)
    foot = (int(xs[np.argmax(ys)]), int(ys.max()) - 3)  # near the tip of a lower leg
    leg = labels == labels[foot[1], foot[0]]
    before = segment(image, [(100, 80)], backend=OnlyThis(body), dilation=0)
    after = segment(image, [(100, 80)], add=[foot], backend=OnlyThis(body), dilation=0)
    assert not before[legs].any()
    assert after[leg].mean() > 0.9 and after[body].all()
    assert (after & ~body & ~legs).sum() < 0.1 * leg.sum()
