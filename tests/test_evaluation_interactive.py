"""The interactive-segmentation click protocol (Xu et al. 2016) on synthetic masks, and the
hand-labelled reference set it runs on."""
import json
from pathlib import Path

import numpy as np
import pytest

from inpaintkit.evaluation.interactive import (clicks_to_reach, first_click, iou, next_click,
                                               simulate_clicks)


def rectangle(shape=(60, 100), box=(10, 20, 50, 80)):
    """``box`` = (y0, x0, y1, x1)."""
    mask = np.zeros(shape, bool)
    y0, x0, y1, x1 = box
    mask[y0:y1, x0:x1] = True
    return mask


def test_first_click_is_the_point_farthest_from_the_edge():
    # An L: a 40×10 bar and a 30×30 square; the square's centre is farthest from any edge.
    mask = rectangle((80, 80), (5, 5, 45, 15)) | rectangle((80, 80), (40, 40, 70, 70))
    x, y = first_click(mask)
    assert (54 <= x <= 55) and (54 <= y <= 55)


def test_the_photo_frame_counts_as_an_edge():
    # A region cut by the left frame: its deepest point is not on the frame.
    mask = rectangle((40, 100), (0, 0, 40, 60))
    x, y = first_click(mask)
    assert 15 <= x <= 25 and 15 <= y <= 24


def test_next_click_goes_to_the_largest_error_region_with_its_sign():
    reference = rectangle()
    missed = reference.copy()
    missed[10:50, 60:80] = False                        # 800 px of object missed
    extra = rectangle((60, 100), (52, 0, 58, 10))       # 60 px wrongly included
    (x, y), positive = next_click(missed | extra, reference)
    assert positive and 60 <= x < 80 and 10 <= y < 50
    assert abs(x - 69.5) <= 1 and 19 <= y <= 40        # 10 px from the missed region's edges

    too_much = reference | rectangle((60, 100), (0, 85, 60, 100))   # a 15-px stripe of background
    (x, y), positive = next_click(too_much, reference)
    assert not positive and 85 <= x < 100


def test_next_click_refuses_a_perfect_prediction():
    reference = rectangle()
    with pytest.raises(ValueError):
        next_click(reference, reference)


def test_noc_counts_clicks_to_the_first_iou_at_the_target_and_caps():
    assert clicks_to_reach([0.5, 0.86, 0.84, 0.95], 0.85) == 2
    assert clicks_to_reach([0.5, 0.86, 0.84, 0.95], 0.90) == 4
    assert clicks_to_reach([0.5, 0.6], 0.85, cap=20) == 20
    assert clicks_to_reach([0.91], 0.85) == 1
    assert iou(rectangle(), rectangle()) == 1.0
    assert iou(rectangle(box=(10, 20, 50, 50)), rectangle(box=(10, 50, 50, 80))) == 0.0


def test_simulated_user_corrects_a_segmenter_click_by_click():
    """A segmenter that paints a disc of radius 12 at every positive click and erases one at
    every negative click: the protocol's clicks walk it towards a 40×60 rectangle."""
    reference = rectangle()
    yy, xx = np.mgrid[:60, :100]
    seen = []

    def discs(image, positives, negatives):
        seen.append((list(positives), list(negatives)))
        mask = np.zeros(reference.shape, bool)
        for x, y in positives:
            mask |= (xx - x) ** 2 + (yy - y) ** 2 <= 144
        for x, y in negatives:
            mask &= (xx - x) ** 2 + (yy - y) ** 2 > 144
        return mask

    run = simulate_clicks(discs, np.zeros((60, 100, 3), np.uint8), reference, max_clicks=20)
    assert seen[0] == ([first_click(reference)], [])
    assert run.ious[0] == pytest.approx(np.pi * 144 / 2400, abs=0.02)   # one disc in the box
    assert run.ious[-1] > run.ious[0] + 0.3                             # corrections help
    # Positive clicks land on the object, negative ones on background it wrongly took.
    assert all(reference[y, x] == positive for (x, y), positive in run.clicks)
    assert run.noc(0.85) == next((i + 1 for i, v in enumerate(run.ious) if v >= 0.85), 20)


@pytest.mark.shared_photos
def test_the_labelled_set_is_large_varied_and_well_formed(shared_photos_dir):
    from PIL import Image

    data = json.loads((Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "objects.json").read_text())
    objects = data["objects"]
    assert "by hand" in data["how"] and len(objects) >= 25
    assert {"animal", "fruit", "sign", "vehicle", "tool", "person", "flower", "cup"} <= {o["category"] for o in objects}
    assert len({o["id"] for o in objects}) == len(objects)
    assert sum(o["group"] for o in objects) >= 4
    for entry in objects:
        width, height = Image.open(shared_photos_dir / entry["photo"]).size
        for polygon in entry["polygons"] + entry["holes"]:
            points = np.array(polygon)
            assert len(points) >= 3
            assert (points >= 0).all() and (points[:, 0] <= width).all() and (points[:, 1] <= height).all(), entry["id"]


def test_reference_polygons_are_filled_with_their_holes_cut_out(load_benchmark):
    bench = load_benchmark("interactive_segmentation")
    entry = {"polygons": [[[10, 10], [50, 10], [50, 50], [10, 50]]], "holes": [[[20, 20], [30, 20], [30, 30], [20, 30]]]}
    mask = bench.reference_mask(entry, (60, 60))
    assert mask[15, 15] and not mask[25, 25] and not mask[55, 55]
    assert abs(mask.sum() - (41 * 41 - 11 * 11)) <= 2


def test_the_adapter_sends_first_click_add_and_exclude_points(load_benchmark, monkeypatch):
    """The protocol's clicks reach segment() as a SAM-style prompt: the first positive is
    the object's click, later positives are add points, negatives exclude points; a
    prompt that selects nothing is an empty mask, not an error. By default the selection
    is scored (no growth), as interactive-segmentation benchmarks score the mask itself."""
    from inpaintkit.errors import NothingToRemoveError

    bench = load_benchmark("interactive_segmentation")
    calls = []
    square = rectangle((40, 80), (5, 5, 35, 35))

    def fake_segment(image, clicks, backend="auto", add=(), exclude=(), dilation="auto"):
        calls.append((list(clicks), list(add), list(exclude), backend, dilation))
        if not square[clicks[0][1], clicks[0][0]]:
            raise NothingToRemoveError("nothing to remove here")
        return square

    monkeypatch.setattr(bench.pipeline, "segment", fake_segment)
    adapter = bench.PromptSegmenter("click")
    image = np.zeros((40, 80, 3), np.uint8)
    assert np.array_equal(adapter(image, [(10, 10), (20, 30), (30, 12)], [(60, 20)]), square)
    assert calls[-1] == ([(10, 10)], [(20, 30), (30, 12)], [(60, 20)], "click", 0)
    assert not adapter(image, [(60, 20)], []).any()
    # Scoring the hole instead of the selection: the same prompt, grown as remove grows it.
    bench.PromptSegmenter("click", hole=True)(image, [(10, 10)], [])
    assert calls[-1] == ([(10, 10)], [], [], "click", "auto")
