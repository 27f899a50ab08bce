"""Inpainter: any size in, known pixels bit-identical, clear errors, crop-and-resize."""
import itertools
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from inpaintkit.errors import InputImageError, MissingWeightsError, UserError
from inpaintkit import inference
from inpaintkit.inference import Inpainter, crop_around_hole
from inpaintkit.models.base import InpaintGenerator, InpaintOutput

ROOT = Path(__file__).resolve().parents[1]


class RecordingModel(InpaintGenerator):
    """Predicts mid-grey everywhere and records the input sizes it was given."""

    size_multiple = 16

    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.zeros(()))
        self.calls = []

    def forward(self, image, mask, guidance=None, structure=None):
        self.calls.append((tuple(image.shape), None if guidance is None else float(guidance.sum())))
        assert float((image * mask).abs().sum()) == 0.0  # the hole never reaches the model
        return InpaintOutput(output=torch.zeros_like(image) + self.scale)


def _photo(height, width, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def _band_mask(size):
    """A band a quarter of the height tall (at least one row), from the middle column to
    the right edge: a hole that touches the border at every size."""
    mask = np.zeros(size, np.uint8)
    mask[size[0] // 3 : size[0] // 3 + max(1, size[0] // 4), size[1] // 2 :] = 255
    return mask


class TintingModel(RecordingModel):
    """Predicts a greenish grey, as a network trained on colour photos may."""

    def forward(self, image, mask, guidance=None, structure=None):
        tint = torch.tensor([-0.1, 0.05, -0.05]).view(1, 3, 1, 1)
        return InpaintOutput(output=torch.zeros_like(image) + tint)


@pytest.mark.parametrize("detail", ["none", "synthesis"])
def test_a_black_and_white_photo_gets_a_grey_fill(detail):
    grey = np.repeat(_photo(64, 64)[..., :1], 3, axis=2)
    mask = np.zeros((64, 64), np.uint8)
    mask[20:40, 20:40] = 255
    inpainter = Inpainter(TintingModel(), device="cpu", max_side=64, detail=detail)
    # With the whole photo avoided nothing may be copied: the network's fill is all there is.
    result = inpainter(grey, mask, guidance=np.where(mask > 0, 0, 255).astype(np.uint8))
    assert (result.max(axis=2) == result.min(axis=2)).all()
    hole = result[mask > 0, 0].astype(int)
    assert np.abs(hole - 123).max() <= 1  # the tint's mean: 127.5 · (1 + (-0.1 + 0.05 - 0.05) / 3) = 123.25
    colour = _photo(64, 64)
    tinted = inpainter(colour, mask, guidance=np.where(mask > 0, 0, 255).astype(np.uint8))
    assert (tinted[mask > 0].astype(int).ptp(axis=1) > 0).all()  # a colour photo keeps its colours


@pytest.mark.parametrize("size", [(1, 1), (37, 53), (300, 200), (900, 1300)])
def test_known_pixels_are_bit_identical_at_any_size(size):
    image, mask = _photo(*size), _band_mask(size)
    model = RecordingModel()
    result = Inpainter(model, device="cpu", max_side=256, detail="none")(image, mask)
    known = mask == 0
    assert result.shape == image.shape and result.dtype == np.uint8
    assert np.array_equal(result[known], image[known])
    assert (result[~known] == 128).all()  # output 0 in [-1, 1] is grey 128
    for shape, _ in model.calls:
        assert shape[2] % 16 == 0 and shape[3] % 16 == 0
        assert max(shape[2:]) <= 256 + 15


@pytest.mark.parametrize("size", [(1, 1), (37, 53), (300, 200), (900, 1300)])
def test_detail_synthesis_keeps_known_pixels_at_any_size(size):
    image, mask = _photo(*size), _band_mask(size)
    model = RecordingModel()
    result = Inpainter(model, device="cpu", max_side=512)(image, mask)
    known = mask == 0
    assert np.array_equal(result[known], image[known])
    # The network steers at GUIDE_SIDE at most; its grey fill is replaced by the photo's
    # own pixels wherever any may be copied (a 1×1 photo has none: the network's fill).
    assert all(max(shape[2:]) <= inference.GUIDE_SIDE + 15 for shape, _ in model.calls)
    if size == (1, 1):
        assert (result == 128).all()
    else:
        assert (result[~known] != 128).any(axis=-1).mean() > 0.9


def test_detail_is_chosen_per_call_and_checked():
    image = _photo(64, 64)
    mask = np.zeros((64, 64), bool)
    mask[20:40, 20:40] = True
    inpainter = Inpainter(RecordingModel(), device="cpu")
    assert (inpainter(image, mask, detail="none")[mask] == 128).all()
    assert (inpainter(image, mask)[mask] != 128).any()
    with pytest.raises(UserError, match="detail mode"):
        inpainter(image, mask, detail="sharp")


def test_large_image_runs_at_working_resolution():
    image = _photo(1536, 2048)
    mask = np.zeros(image.shape[:2], bool)
    mask[700:800, 900:1100] = True
    model = RecordingModel()
    Inpainter(model, device="cpu", max_side=512, detail="none")(image, mask)
    assert max(model.calls[0][0][2:]) <= 512


def test_pil_in_pil_out_and_guidance_passed():
    image = Image.fromarray(_photo(64, 64))
    mask = np.zeros((64, 64), bool)
    mask[10:20, 10:20] = True
    guidance = np.zeros((64, 64), bool)
    guidance[40:50, 40:50] = True
    model = RecordingModel()
    result = Inpainter(model, device="cpu")(image, mask, guidance)
    assert isinstance(result, Image.Image)
    assert model.calls[0][1] == 100.0


def test_the_padding_mirrors_the_guidance_map_with_the_image():
    # 60 rows pad to 64 by mirroring the image: an avoided object on the bottom edge gets a
    # mirror copy in the padding, which must be avoided as well.
    model = RecordingModel()
    hole = np.zeros((60, 64), bool)
    hole[20:40, 20:40] = True
    avoid = np.zeros((60, 64), bool)
    avoid[56:, 30:40] = True  # 4 rows × 10 columns on the bottom edge
    Inpainter(model, device="cpu")._run_model(_photo(60, 64), hole, avoid)
    assert model.calls[0] == ((1, 3, 64, 64), 80.0)


def test_a_guidance_map_that_bars_every_pixel_is_refused():
    image, mask = _photo(40, 40), np.zeros((40, 40), np.uint8)
    mask[10:20, 10:20] = 255
    inpainter = Inpainter(RecordingModel(), device="cpu", max_side=64, detail="none")
    with pytest.raises(UserError, match=r"^the guidance map bars the whole photo .*\(is it inverted\?\)\.$"):
        inpainter(image, mask, guidance=np.full((40, 40), 255, np.uint8))
    assert inpainter(image, mask, guidance=mask).shape == image.shape  # barring the hole alone is fine


def test_a_guidance_map_in_the_model_s_place_is_one_sentence():
    image, mask = _photo(16, 16), np.zeros((16, 16), bool)
    mask[4:8, 4:8] = True
    with pytest.raises(UserError, match="^model must be a model name, a .safetensors path or an Inpainter, "
                                        "not ndarray; pass a guidance map as guidance=.$"):
        inference.inpaint(image, mask, np.zeros((16, 16), bool))


def test_bad_inputs_are_clear_errors():
    inpainter = Inpainter(RecordingModel(), device="cpu")
    image = _photo(32, 32)
    with pytest.raises(UserError, match="empty"):
        inpainter(image, np.zeros((32, 32)))
    with pytest.raises(InputImageError, match="same size"):
        inpainter(image, np.ones((16, 32)))
    with pytest.raises(InputImageError, match="RGB"):
        inpainter(np.zeros((4, 4, 5), np.uint8), np.ones((4, 4)))  # grey (+alpha) or RGB (+alpha) only


def test_one_shot_inpaint_refuses_a_whole_photo_hole_unless_asked():
    inpainter = Inpainter(RecordingModel(), device="cpu", detail="none")
    image = _photo(32, 32)
    with pytest.raises(InputImageError) as refused:
        inference.inpaint(image, np.ones((32, 32), bool), model=inpainter)
    assert str(refused.value) == ("the mask covers 100% of the photo, which leaves nothing to fill the hole from; "
                                  "if the mask is inverted, make the hole white; pass allow_large_hole=True if "
                                  "this is meant.")
    assert (inference.inpaint(image, np.ones((32, 32), bool), model=inpainter, allow_large_hole=True) == 128).all()
    almost = np.ones((32, 32), bool)
    almost[0, :4] = False  # 99.6 %: not "100 %" while some of the photo is left
    with pytest.raises(InputImageError, match=r"^the mask covers 99\.6% of the photo"):
        inference.inpaint(image, almost, model=inpainter)
    nine_tenths = np.zeros((32, 32), bool)
    nine_tenths[:, :28] = True  # 87.5 %: under the rule's 90 %, filled unasked
    assert (inference.inpaint(image, nine_tenths, model=inpainter)[nine_tenths] == 128).all()


def test_paths_are_read_like_arrays_with_the_readers_errors(tmp_path):
    image, mask = _photo(32, 48), _band_mask((32, 48))
    Image.fromarray(image).save(tmp_path / "photo.png")
    Image.fromarray(mask).save(tmp_path / "mask.png")
    inpainter = Inpainter(RecordingModel(), device="cpu", detail="none")
    from_arrays = inference.inpaint(image, mask, model=inpainter)
    from_paths = inference.inpaint(str(tmp_path / "photo.png"), tmp_path / "mask.png", model=inpainter)
    assert isinstance(from_paths, np.ndarray) and np.array_equal(from_paths, from_arrays)
    assert np.array_equal(inpainter(tmp_path / "photo.png", str(tmp_path / "mask.png")), from_arrays)
    with pytest.raises(InputImageError) as missing:
        inference.inpaint(tmp_path / "nope.jpg", mask, model=inpainter)
    assert str(missing.value) == f"the image file {tmp_path / 'nope.jpg'} does not exist."
    (tmp_path / "broken.png").write_bytes(b"not an image")
    with pytest.raises(InputImageError, match="broken.png is not an image file this program can read"):
        inference.inpaint(image, tmp_path / "broken.png", model=inpainter)


def test_crop_keeps_hole_with_context_inside_image():
    hole = np.zeros((1000, 1500), bool)
    hole[10:60, 1400:1490] = True
    top, bottom, left, right = crop_around_hole(hole, 512)
    assert 0 <= top < 10 and bottom >= 60 + 90 and right == 1500 and left <= 1400 - 90
    assert bottom - top == 512 and right - left == 512


def test_unknown_and_missing_models_are_clear_errors(monkeypatch):
    from inpaintkit import inference, weights

    shipped = ", ".join(weights.available_weights())
    with pytest.raises(UserError) as unknown:
        inference.load_model("no-such-model")
    assert str(unknown.value) == f"unknown model 'no-such-model'; pass a .safetensors path or choose one of {shipped}."
    with pytest.raises(UserError, match="choose one of gated, pyramid, "):  # untrained: any registered model
        inference.load_model("no-such-model", pretrained=False)
    monkeypatch.setattr(weights, "shipped_weights_path", lambda name: None)
    with pytest.raises(MissingWeightsError, match="no trained weights") as missing:
        inference.load_model("pyramid-pgs256")
    assert "`inpaintkit train configs/pyramid.yaml --model pyramid-pgs256`" in str(missing.value)
    assert str(missing.value).endswith(f"pass the .safetensors path, or choose one of {shipped}.")
    # With no weights installed at all, no empty list is offered.
    monkeypatch.setattr(weights, "available_weights", lambda: {})
    with pytest.raises(UserError) as nothing:
        inference.load_model("no-such-model")
    assert str(nothing.value) == ("unknown model 'no-such-model'; pass a .safetensors path or train a model first "
                                  "(no model ships weights here).")


def test_a_seed_picks_the_fill_and_repeats_its_bytes():
    image, mask = _photo(48, 48, seed=3), np.zeros((48, 48), bool)
    mask[16:32, 16:32] = True
    def fill(seed):
        torch.manual_seed(0)  # the same untrained weights each time; the synthesis seed varies
        return inference.load_model("pyramid", pretrained=False, width=8, max_side=64, seed=seed)(image, mask)

    fills = [fill(seed) for seed in (0, 0, 7)]
    assert np.array_equal(fills[0], fills[1]) and not np.array_equal(fills[0], fills[2])
    with pytest.raises(UserError, match=r"the seed must be a whole number of 0 or more; got -1\."):
        inference.load_model("pyramid", seed=-1)
    with pytest.raises(UserError, match=r"unknown option\(s\) \['sead'\] for load_model"):
        inference.load_model("pyramid", sead=3)


def test_weights_file_round_trip_and_its_working_size(tmp_path):
    from inpaintkit.inference import load_model
    from inpaintkit.models import create_model
    from inpaintkit.weights import load_weights, save_weights

    model = create_model("gated", width=4).eval()
    path = save_weights(model, tmp_path / "tiny.safetensors", half=False, metadata={"max_side": "96"})
    restored = load_weights(path)
    for key, value in model.state_dict().items():
        assert torch.equal(value, restored.state_dict()[key])
    inpainter = load_model(path)
    assert inpainter.max_side == 96 and load_model(path, max_side=64).max_side == 64
    image = _photo(80, 120)
    mask = np.zeros((80, 120), bool)
    mask[20:40, 30:70] = True
    out = inpainter(image, mask)
    assert np.array_equal(out[~mask], image[~mask]) and not np.array_equal(out[mask], image[mask])


def test_shipped_default_model_loads_and_fills(tmp_path):
    from inpaintkit.inference import load_model
    from inpaintkit.weights import available_weights

    if "pyramid" not in available_weights():
        pytest.skip("no shipped pyramid weights")
    inpainter = load_model("pyramid", device="cpu")
    image = _photo(300, 400)
    mask = np.zeros((300, 400), bool)
    mask[100:160, 150:260] = True
    out = inpainter(image, mask)
    assert np.array_equal(out[~mask], image[~mask])
    assert out[mask].std() > 0  # a learned fill, not a constant


def _hole_l1_against_telea(name: str, photos: list) -> tuple[float, float]:
    """Summed hole L1 of the shipped ``name`` and of OpenCV Telea on the first 12 free-form
    cases (256 px) of ``photos``."""
    import cv2

    from inpaintkit.evaluation.protocols import get_protocols
    from inpaintkit.inference import load_model
    from inpaintkit.weights import available_weights

    if name not in available_weights():
        pytest.skip(f"no shipped {name} weights")
    inpainter = load_model(name, device="cpu", detail="none")  # the weights themselves
    model_error = telea_error = 0.0
    for case in itertools.islice(get_protocols("freeform")[0].cases(photos, 256, seed=0), 12):
        hole = case.mask > 0
        truth = case.image[hole].astype(float)
        model_error += np.abs(inpainter(case.image, case.mask)[hole] - truth).mean()
        telea = cv2.inpaint(case.image, hole.astype(np.uint8), 3, cv2.INPAINT_TELEA)
        telea_error += np.abs(telea[hole] - truth).mean()
    return model_error, telea_error


@pytest.mark.parametrize("name", ["pyramid", "aff"])
def test_shipped_models_fill_the_test_photos_about_as_well_as_telea(photos_dir, name):
    """A guard on the shipped file itself: on the nine test photos (people, structure,
    texture) its hole L1 stays within 5 % of OpenCV Telea's. Measured: pyramid 0.90×
    Telea, aff 0.98× (about 7 s each on one CPU thread)."""
    from inpaintkit.evaluation.protocols import list_photos

    model_error, telea_error = _hole_l1_against_telea(name, list_photos(photos_dir))
    assert model_error < 1.05 * telea_error, f"hole L1: shipped {name} {model_error:.1f} vs Telea {telea_error:.1f}"


@pytest.mark.shared_photos
@pytest.mark.parametrize("name", ["pyramid", "aff"])
def test_shipped_models_fill_the_validation_photos_about_as_well_as_telea(shared_photos_dir, name):
    """The same guard on the first free-form case of each of the project's 12 validation
    photos (the benchmark's photos). Measured: pyramid 0.96× Telea, aff 1.01×; the
    weights shipped earlier are compared in docs/experiments/."""
    from inpaintkit.evaluation.protocols import list_photos

    photos = list_photos(shared_photos_dir, ROOT / "configs" / "split.yaml", "validation")
    model_error, telea_error = _hole_l1_against_telea(name, photos)
    assert model_error < 1.05 * telea_error, f"hole L1: shipped {name} {model_error:.1f} vs Telea {telea_error:.1f}"


def test_array_likes_are_pixels_not_file_names():
    # Nested lists (and tensors) are what np.asarray reads; only str, PathLike and bytes
    # are opened as files.
    from inpaintkit.inference import load_model

    model = load_model("pyramid", pretrained=False, width=8, max_side=64)
    image = np.random.default_rng(0).integers(0, 256, (48, 40, 3), dtype=np.uint8)
    hole = np.zeros((48, 40), bool)
    hole[20:28, 16:24] = True
    from_lists = model(image.tolist(), hole.tolist(), detail="none")
    assert np.array_equal(from_lists, model(image, hole, detail="none"))
    assert np.array_equal(from_lists[~hole], image[~hole])
