"""Click → instance → dilated mask → inpaint (Algorithm 1): behaviour and every error path."""
import cv2
import numpy as np
import pytest
from PIL import Image

from inpaintkit.errors import InputImageError, NothingToRemoveError, UserError
from inpaintkit.removal.instances import Instance
from inpaintkit.removal.pipeline import MAX_PIXELS, dilate, remove, remove_detailed, segment


class FixedBackend:
    """A stand-in back end returning the same instances whatever the image."""

    name = "fixed"

    def __init__(self, *masks):
        self.masks = masks
        self.calls = 0

    def __call__(self, image, clicks):
        self.calls += 1
        return [Instance(mask.copy(), "thing", 1.0) for mask in self.masks]


def telea(image, mask, guidance=None):
    """A classical stand-in inpainter (OpenCV Telea): fast and deterministic."""
    return cv2.inpaint(image, mask.astype(np.uint8), 3, cv2.INPAINT_TELEA)


def _scene():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    left = np.zeros((48, 64), bool)
    left[10:30, 8:20] = True
    right = np.zeros((48, 64), bool)
    right[12:40, 40:56] = True
    return image, left, right


def test_segment_returns_the_clicked_instance_dilated_by_a_5x5_square():
    image, left, right = _scene()
    mask = segment(image, [(12, 15)], backend=FixedBackend(left, right), dilation=5)
    expected = np.zeros_like(left)
    expected[8:32, 6:22] = True  # 2 px on every side
    assert mask.dtype == bool and np.array_equal(mask, expected)
    assert np.array_equal(segment(image, [(12, 15)], backend=FixedBackend(left, right), dilation=0), left)


def test_islands_inside_an_instance_are_removed_with_it():
    image, _, _ = _scene()
    ring = np.zeros((48, 64), bool)
    ring[10:30, 10:30] = True
    ring[15:25, 15:25] = False  # e.g. a white collar the person mask missed
    mask = segment(image, [(11, 11)], backend=FixedBackend(ring), dilation=0)
    assert mask[15:25, 15:25].all() and mask.sum() == 400


def test_several_clicks_remove_the_union():
    image, left, right = _scene()
    mask = segment(image, [(12, 15), (45, 20)], backend=FixedBackend(left, right), dilation=1)
    assert np.array_equal(mask, left | right)


def test_remove_changes_only_the_dilated_mask_and_keeps_the_type():
    image, left, right = _scene()
    out, mask = remove(image, click=(12, 15), backend=FixedBackend(left, right), model=telea,
                       guidance=None, return_mask=True)
    assert out.dtype == np.uint8 and out.shape == image.shape
    assert np.array_equal(out[~mask], image[~mask])
    assert not np.array_equal(out[mask], image[mask])
    pil = remove(Image.fromarray(image), click=(12, 15), backend=FixedBackend(left, right), model=telea)
    assert isinstance(pil, Image.Image) and np.array_equal(np.asarray(pil), out)


def test_a_model_that_returns_floats_in_0_1_fills_with_its_colours_not_black():
    image, left, right = _scene()
    grey = lambda image, mask, guidance=None: np.full(image.shape, 0.5, np.float32)  # noqa: E731
    out, mask = remove(image, click=(12, 15), backend=FixedBackend(left, right), model=grey, return_mask=True)
    assert (out[mask] == 128).all()
    tiny = lambda image, mask, guidance=None: np.zeros((4, 4, 3), np.uint8)  # noqa: E731
    with pytest.raises(UserError, match="a model must return the photo's size"):
        remove(image, click=(12, 15), backend=FixedBackend(left, right), model=tiny)


def test_known_pixels_are_restored_even_if_the_model_touches_them():
    image, left, right = _scene()
    vandal = lambda image, mask, guidance=None: np.zeros_like(image)  # noqa: E731
    out, mask = remove(image, click=(12, 15), backend=FixedBackend(left, right), model=vandal, return_mask=True)
    assert np.array_equal(out[~mask], image[~mask]) and (out[mask] == 0).all()


def test_auto_guidance_marks_the_other_instance_and_reaches_the_model():
    image, left, right = _scene()
    seen = {}

    def spy(image, mask, guidance=None):
        seen["guidance"] = guidance
        return telea(image, mask)

    result = remove_detailed(image, [(12, 15)], backend=FixedBackend(left, right), model=spy)
    assert np.array_equal(seen["guidance"], right)  # the neighbour, not the target
    assert not (result.guidance & result.mask).any()
    remove(image, click=(12, 15), backend=FixedBackend(left, right), model=spy, guidance="none")
    assert seen["guidance"] is None
    drawn = np.zeros((48, 64), np.uint8)
    drawn[0:5, 0:64] = 255
    remove(image, click=(12, 15), backend=FixedBackend(left, right), model=spy, guidance=drawn)
    assert seen["guidance"].sum() == 5 * 64
    assert set(result.timings) == {"load", "segmentation", "mask", "inpaint"}


def test_a_click_on_nothing_says_so():
    image, left, right = _scene()
    with pytest.raises(NothingToRemoveError, match="nothing to remove at click 2 \\(60, 5\\)"):
        segment(image, [(12, 15), (60, 5)], backend=FixedBackend(left, right))


@pytest.mark.parametrize("click, message", [((64, 10), "outside the 64×48 image"), ((-1, 10), "outside the 64×48 image"),
                                            ((10, 48), "outside the 64×48 image"),
                                            ((float("nan"), 3), "must be two numbers (x, y), not (nan, 3)")])
def test_clicks_outside_the_image_name_the_click_and_the_size(click, message):
    image, left, right = _scene()
    backend = FixedBackend(left, right)
    with pytest.raises(UserError) as refused:
        remove(image, click=click, backend=backend, model=telea)
    assert message in str(refused.value)
    assert backend.calls == 0  # refused before any work


def test_malformed_and_missing_clicks_are_user_errors():
    image, left, right = _scene()
    with pytest.raises(UserError, match="two numbers"):
        segment(image, [("a", 2)], backend=FixedBackend(left))
    with pytest.raises(UserError, match="no click"):
        remove(image, backend=FixedBackend(left), model=telea)


def test_tiny_and_huge_images_are_refused_before_any_work():
    backend = FixedBackend()
    with pytest.raises(InputImageError, match="1×1 pixels"):
        remove(np.zeros((1, 1, 3), np.uint8), click=(0, 0), backend=backend, model=telea)
    # 10000×10000 without allocating 300 MB: a broadcast view has the shape and no memory.
    huge = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (10000, 10000, 3))
    assert huge.shape[0] * huge.shape[1] > MAX_PIXELS
    with pytest.raises(InputImageError, match="10000×10000"):
        remove(huge, click=(5, 5), backend=backend, model=telea)
    assert backend.calls == 0


def test_a_photo_path_is_read_as_its_pixels(tmp_path):
    image, left, right = _scene()
    Image.fromarray(image).save(tmp_path / "photo.png")
    from_path = remove(tmp_path / "photo.png", click=(12, 15), backend=FixedBackend(left, right), model=telea)
    from_array = remove(image, click=(12, 15), backend=FixedBackend(left, right), model=telea)
    assert isinstance(from_path, np.ndarray) and np.array_equal(from_path, from_array)
    with pytest.raises(InputImageError, match="does not exist"):
        remove(str(tmp_path / "nope.png"), click=(12, 15), backend=FixedBackend(left), model=telea)


def test_dilation_kernel_sizes():
    mask = np.zeros((9, 9), bool)
    mask[4, 4] = True
    assert dilate(mask, 3).sum() == 9 and dilate(mask, 5).sum() == 25 and dilate(mask, 0).sum() == 1
    image, left, right = _scene()
    for bad in (-1, "wide", 2.5):
        with pytest.raises(UserError, match="dilation"):
            segment(image, [(12, 15)], backend=FixedBackend(left), dilation=bad)


def test_large_photos_are_segmented_downscaled_and_masks_scaled_back():
    image = np.zeros((1200, 1600, 3), np.uint8)
    seen = {}

    class Recorder:
        name = "recorder"

        def __call__(self, small, clicks):
            seen["shape"], seen["clicks"] = small.shape, clicks
            mask = np.zeros(small.shape[:2], bool)
            mask[200:300, 200:300] = True
            return [Instance(mask, "thing", 1.0)]

    mask = segment(image, [(600, 600)], backend=Recorder(), dilation=1)
    assert seen["shape"] == (480, 640, 3) and seen["clicks"] == [(240, 240)]
    assert mask.shape == (1200, 1600)
    assert abs(mask.sum() - 250 * 250) < 0.02 * 250 * 250


# ---- acceptance on the test photos (MediaPipe + the click back end, Telea as the model)

def _read(photos_dir, name):
    return cv2.cvtColor(cv2.imread(str(photos_dir / name)), cv2.COLOR_BGR2RGB)


def test_removing_the_cameraman_leaves_no_person_there(photos_dir):
    from inpaintkit.removal.people import PeopleSegmenter, person_at

    image = _read(photos_dir, "camera.jpg")
    # The cameraman fills a third of the frame: more than one click takes unasked.
    with pytest.raises(UserError, match="allow_large_hole=True"):
        remove(image, click=(150, 300), model=telea)
    out, mask = remove(image, click=(150, 300), model=telea, return_mask=True, allow_large_hole=True)
    assert 0.3 < mask.mean() < 0.5
    assert np.array_equal(out[~mask], image[~mask])
    assert person_at(PeopleSegmenter(), image, (150, 300)) is not None
    assert person_at(PeopleSegmenter(), out, (150, 300)) is None


def test_removing_one_of_two_people_keeps_the_other(photos_dir):
    from inpaintkit.removal.people import PeopleSegmenter, person_at

    image = _read(photos_dir, "two-people.jpg")  # the astronaut beside the cameraman
    result = remove_detailed(image, [(420, 150)], model=telea)
    assert np.array_equal(result.image[~result.mask], image[~result.mask])
    assert not result.mask[250, 140]  # the other person is not in the hole …
    assert result.guidance is not None and result.guidance[250, 140]  # … but in the guidance
    people = PeopleSegmenter()
    assert person_at(people, result.image, (420, 150)) is None
    assert person_at(people, result.image, (140, 250)) is not None


def test_a_click_on_the_rocket_removes_a_slender_object(photos_dir):
    image = _read(photos_dir, "rocket.jpg")  # 640×427, the rocket on its pad between towers
    mask = segment(image, [(320, 150)])
    ys, xs = np.nonzero(mask)
    # Its body from the nose cone down (checked by eye on an overlay): a tall, narrow
    # region, not the towers beside it nor the sky.
    assert 0.01 < mask.mean() < 0.04
    assert xs.min() > 295 and xs.max() < 345 and ys.min() > 120 and ys.max() < 415
    assert ys.max() - ys.min() > 6 * (xs.max() - xs.min())


def test_a_click_on_the_lawn_is_nothing_to_remove(photos_dir):
    image = _read(photos_dir, "camera.jpg")
    with pytest.raises(NothingToRemoveError):
        segment(image, [(450, 420)])


def _tiny_model():
    from inpaintkit.inference import load_model

    return load_model("pyramid", pretrained=False, width=8, max_side=64)


def test_a_removal_fills_without_the_guide_term_and_inpainting_keeps_it(synthesis_settings_used, monkeypatch):
    # A removal's synthesis starts from the network's layout but does not follow it in
    # the patch distance, its coarsest level may be smaller, and its coarse levels try
    # four layouts (REMOVAL_SYNTHESIS); every other setting is the default. It holds for a model named (the CLI's path),
    # an Inpainter passed in and a partial of one; the same model called to inpaint keeps
    # the defaults.
    from functools import partial
    from dataclasses import replace
    import inpaintkit.inference as inference
    from inpaintkit.removal.pipeline import REMOVAL_SYNTHESIS
    from inpaintkit.synthesis import DEFAULT_SETTINGS

    model = _tiny_model()
    monkeypatch.setattr(inference, "cached_model", lambda name, detail: model)
    image, left, right = _scene()
    for given in ("pyramid", model, partial(model, detail="synthesis")):
        remove_detailed(image, [(14, 20)], backend=FixedBackend(left, right), model=given, guidance=None)
    model(image, left)
    removal = replace(DEFAULT_SETTINGS, guide_weight=0.0, min_side=8, coarsest_thickness=1.5, layout_starts=4)
    assert replace(DEFAULT_SETTINGS, **REMOVAL_SYNTHESIS) == removal != DEFAULT_SETTINGS
    assert synthesis_settings_used == [removal, removal, removal, DEFAULT_SETTINGS]


def test_text_removal_fills_with_the_inpainting_settings(synthesis_settings_used, monkeypatch):
    # Text strokes are thin holes, like the free-form strokes the defaults were chosen on.
    import inpaintkit.removal.pipeline as pipeline
    from inpaintkit.synthesis import DEFAULT_SETTINGS

    image, left, _ = _scene()
    from inpaintkit.removal.text import FoundText

    monkeypatch.setattr(pipeline, "_find_text", lambda rgb: FoundText(left, []))
    remove_detailed(image, text=True, model=_tiny_model(), guidance=None)
    assert synthesis_settings_used == [DEFAULT_SETTINGS]
