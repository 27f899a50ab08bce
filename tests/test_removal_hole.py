"""The hole around a selection: a margin from the edge's softness, and the rim check."""
import cv2
import numpy as np
import pytest

from inpaintkit.hole_limit import HoleTooLargeError, check_hole_size
from inpaintkit.removal import hole as hole_module
from inpaintkit.removal.hole import edge_softness, hole_for
from inpaintkit.removal.pipeline import dilate
from scenes import finish, leafy_background, paint, shape_mask

H, W = 128, 160


def _red_disc_with_a_bump(blur: float = 0.0):
    """A red disc with a small bump on its right, on leaves; optionally a blurred edge."""
    image = leafy_background(H, W, 0)
    disc = shape_mask(H, W, lambda c: cv2.circle(c, (80, 64), 24, 1, -1))
    bump = shape_mask(H, W, lambda c: cv2.circle(c, (104, 64), 7, 1, -1))
    paint(image, disc | bump, (210, 40, 35), 1)
    image = finish(image)
    if blur:
        image = cv2.GaussianBlur(image, (0, 0), blur)
    return image, disc, bump


def _object_coloured(image: np.ndarray) -> np.ndarray:
    """Pixels nearer the disc's red than the leaves' mean green (Lab)."""
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).astype(float)
    red = cv2.cvtColor(np.uint8([[[210, 40, 35]]]), cv2.COLOR_RGB2LAB)[0, 0].astype(float)
    green = cv2.cvtColor(np.uint8([[[60, 130, 50]]]), cv2.COLOR_RGB2LAB)[0, 0].astype(float)
    return np.linalg.norm(lab - red, axis=2) < np.linalg.norm(lab - green, axis=2)


@pytest.mark.parametrize("blur", [0.0, 2.0])
def test_the_rim_check_takes_in_what_the_selection_missed(blur):
    image, disc, bump = _red_disc_with_a_bump(blur)
    reddish = _object_coloured(image)
    fixed = dilate(disc, 5)  # the thesis' 5×5 leaves part of the bump at the rim
    assert (reddish & dilate(fixed, 9) & ~fixed).sum() > 20
    hole = hole_for(image, disc)  # the selection missed the bump
    assert hole.leftovers[-1] == 0
    if not blur:  # a crisp edge gets a thin margin: only the rim check reaches the bump
        assert hole.margin <= 4 and hole.leftovers[0] > 0
    band = dilate(hole.mask, 9) & ~hole.mask
    assert (reddish & band).sum() == 0
    assert hole.mask[bump].all()
    assert hole.mask.sum() < 1.8 * (disc | bump).sum()  # grown to the object, not beyond


def test_a_large_objects_hole_is_measured_on_a_copy_of_about_the_same_hole(monkeypatch):
    # The selected disc is 42 px across (the square root of its area); with a working side
    # of 21 px its hole is measured on a copy of half the size and scaled back: it holds
    # the selection and has about the full-size hole's margin and area, within the copy's
    # pixel, and grows no further.
    image, disc, bump = _red_disc_with_a_bump(blur=2.0)
    full = hole_for(image, disc)
    monkeypatch.setattr(hole_module, "WORK_SIDE", 21)
    copy = hole_for(image, disc)
    assert not np.array_equal(copy.mask, full.mask)
    assert copy.mask[disc].all()
    assert abs(copy.margin - full.margin) <= 2
    assert abs(int(copy.mask.sum()) - int(full.mask.sum())) < 0.1 * full.mask.sum()
    assert not (copy.mask & ~dilate(disc | bump, 2 * full.margin + 5)).any()


def test_the_rim_check_leaves_a_same_coloured_object_apart_alone():
    image, disc, _ = _red_disc_with_a_bump()
    other = shape_mask(H, W, lambda c: cv2.circle(c, (25, 25), 10, 1, -1))
    image = image.copy()
    image[other] = (210, 40, 35)
    hole = hole_for(image, disc | shape_mask(H, W, lambda c: cv2.circle(c, (104, 64), 7, 1, -1)))
    assert not hole.mask[other].any()


def test_the_margin_follows_the_edge_softness():
    image, disc, bump = _red_disc_with_a_bump()
    selection = disc | bump
    widths = [edge_softness(cv2.GaussianBlur(image, (0, 0), s) if s else image, selection) for s in (0, 2, 4)]
    assert widths[0] <= 3 and widths[0] < widths[1] < widths[2] and widths[2] >= 6


def test_a_sliver_between_the_hole_and_the_frame_is_taken_in():
    # A selection that stops 4 px short of the left edge (as a person mask does at the
    # border): the crisp edge's 2 px margin leaves 2 px, which would be the nearest
    # source for the fill. They are taken in, along the selection only; a selection
    # 12 px from the edge keeps its gap.
    image = finish(leafy_background(H, W, 1))
    near = hole_for(image, shape_mask(H, W, lambda c: cv2.rectangle(c, (4, 30), (40, 90), 1, -1)))
    assert near.margin == 2
    assert near.mask[30:91, :4].all()
    assert not near.mask[:26, :4].any() and not near.mask[95:, :4].any()
    far = hole_for(image, shape_mask(H, W, lambda c: cv2.rectangle(c, (12, 30), (40, 90), 1, -1)))
    assert far.margin == 2 and not far.mask[:, :10].any()


def test_small_pieces_shut_in_by_the_hole_are_taken_in():
    # A disc whose selection missed a spot in its middle (a glint), and a slab whose
    # selection left out a notch against the bottom edge (trousers between two coat
    # flaps): both pieces, under 2 % of the hole and wider than its margin, join it. The
    # wall inside a wreath is photo, not a sliver: it stays.
    height, width = 256, 320
    image = finish(leafy_background(height, width, 2))
    disc = shape_mask(height, width, lambda c: cv2.circle(c, (200, 100), 70, 1, -1))
    glint = shape_mask(height, width, lambda c: cv2.circle(c, (200, 100), 10, 1, -1))
    flaps = shape_mask(height, width, lambda c: cv2.rectangle(c, (30, 196), (110, 255), 1, -1))
    flaps[232:, 64:76] = False
    hole = hole_for(image, (disc & ~glint) | flaps)
    assert hole.mask[glint].all()
    assert hole.mask[232:, 64:76].all()
    assert not hole.mask[:20].any() and not hole.mask[:, 290:].any()
    wreath = shape_mask(height, width, lambda c: cv2.circle(c, (160, 128), 70, 1, 24))
    wall = shape_mask(height, width, lambda c: cv2.circle(c, (160, 128), 40, 1, -1))
    assert not hole_for(image, wreath).mask[wall].any()


def test_check_hole_size_refuses_over_a_quarter_unless_allowed():
    mask = np.zeros((10, 10), bool)
    mask[:5, :5] = True  # exactly a quarter: allowed
    check_hole_size(mask)
    mask[5, 0] = True
    with pytest.raises(HoleTooLargeError, match="26% of the photo"):
        check_hole_size(mask)
    check_hole_size(mask, allow_large_hole=True)
    # Just over the limit, a whole percent would read "25 %, more than 25 %".
    mask = np.zeros((40, 25), bool)
    mask.flat[:253] = True
    with pytest.raises(HoleTooLargeError, match=r"covers 25\.3% of the photo, more than the 25%"):
        check_hole_size(mask)
