"""Metrics agree with scikit-image / torchmetrics, the hole-only ones look only at the hole,
and FID / LPIPS stop with one sentence when their weights are not on the machine."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from inpaintkit.errors import MissingWeightsError
from inpaintkit.evaluation import perceptual
from inpaintkit.evaluation.metrics import image_scores


@pytest.fixture
def pair(rng):
    """A 48×64 truth, a noisy prediction of it, and a hole touching the top and right edges."""
    truth = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    noise = rng.integers(-40, 41, truth.shape)
    pred = np.clip(truth.astype(int) + noise, 0, 255).astype(np.uint8)
    mask = np.zeros((48, 64), np.uint8)
    mask[0:20, 30:64] = 1
    return pred, truth, mask


def _skimage_ssim(pred, truth):
    """The Wang et al. SSIM as scikit-image computes it (mean, full map)."""
    return structural_similarity(pred / 255.0, truth / 255.0, channel_axis=2, data_range=1.0,
                                 gaussian_weights=True, sigma=1.5, use_sample_covariance=False, full=True)


def test_whole_image_metrics_match_scikit_image(pair):
    pred, truth, mask = pair
    scores = image_scores(pred, truth, mask)
    reference_ssim, _ = _skimage_ssim(pred, truth)
    assert scores["ssim"] == pytest.approx(reference_ssim, abs=1e-4)
    assert scores["psnr"] == pytest.approx(peak_signal_noise_ratio(truth / 255.0, pred / 255.0, data_range=1.0), abs=1e-4)
    assert scores["l1"] == pytest.approx(np.abs(pred / 255.0 - truth / 255.0).mean(), abs=1e-6)
    assert 0.3 < scores["ssim"] < 0.99  # a real, non-trivial value


def test_hole_metrics_match_the_masked_reference(pair):
    pred, truth, mask = pair
    scores = image_scores(pred, truth, mask)
    _, reference_map = _skimage_ssim(pred, truth)
    hole = mask != 0
    assert scores["ssim_hole"] == pytest.approx(reference_map[hole].mean(), abs=1e-4)
    expected_psnr = peak_signal_noise_ratio(truth[hole] / 255.0, pred[hole] / 255.0, data_range=1.0)
    assert scores["psnr_hole"] == pytest.approx(expected_psnr, abs=1e-4)
    assert scores["l1_hole"] == pytest.approx(np.abs(pred[hole] / 255.0 - truth[hole] / 255.0).mean(), abs=1e-6)


def test_ssim_map_matches_torchmetrics_away_from_the_border(pair):
    """torchmetrics pads with ``reflect`` and averages the map *with* its border, so only
    the interior (≥ 5 px in, where padding plays no part) is comparable — and must agree."""
    from torchmetrics.functional.image import structural_similarity_index_measure

    pred, truth, _ = pair
    interior = np.zeros(truth.shape[:2], np.uint8)
    interior[5:-5, 5:-5] = 1
    def as_tensor(image):
        return torch.from_numpy(image).permute(2, 0, 1)[None].double() / 255.0

    _, reference_map = structural_similarity_index_measure(
        as_tensor(pred), as_tensor(truth), data_range=1.0, return_full_image=True
    )
    expected = float(reference_map[..., 5:-5, 5:-5].mean())
    assert image_scores(pred, truth, interior)["ssim_hole"] == pytest.approx(expected, abs=1e-4)


def test_hole_metrics_ignore_errors_outside_the_hole(pair):
    pred, truth, mask = pair
    exact_outside = np.where(mask[:, :, None] != 0, pred, truth)
    wrong_outside = np.where(mask[:, :, None] != 0, pred, 255 - truth)
    a, b = image_scores(exact_outside, truth, mask), image_scores(wrong_outside, truth, mask)
    assert a["l1_hole"] == b["l1_hole"] and a["psnr_hole"] == b["psnr_hole"]
    assert b["l1"] > a["l1"] + 0.1  # while the whole-image numbers do see them


def test_composited_l1_is_the_hole_l1_times_the_hole_ratio(pair):
    """Why the thesis' L1 values are whole-image ones: with known pixels exact, whole
    L1 = hole L1 × hole ratio."""
    pred, truth, mask = pair
    composited = np.where(mask[:, :, None] != 0, pred, truth)
    scores = image_scores(composited, truth, mask)
    assert scores["l1"] == pytest.approx(scores["l1_hole"] * mask.mean(), rel=1e-9)


def test_identical_images_score_perfectly(pair):
    _, truth, mask = pair
    scores = image_scores(truth, truth, mask)
    assert scores["ssim"] == pytest.approx(1.0) and scores["ssim_hole"] == pytest.approx(1.0)
    assert scores["l1"] == 0.0 and scores["psnr"] == float("inf")


@pytest.mark.parametrize("metric, env", [("FID", perceptual.FID_WEIGHTS_ENV), ("LPIPS", perceptual.LPIPS_BACKBONE_ENV)])
def test_missing_perceptual_weights_are_one_sentence(metric, env, tmp_path, monkeypatch):
    """No torchvision here, or no weights file: either way one sentence, never a download."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.delenv(env, raising=False)
    with pytest.raises(MissingWeightsError) as caught:
        getattr(perceptual, metric)()
    message = str(caught.value)
    assert metric in message and message.endswith(".") and "\n" not in message


def test_weights_are_found_by_argument_then_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "hub"))
    given, from_env = tmp_path / "given.pth", tmp_path / "env.pth"
    given.write_bytes(b"x")
    from_env.write_bytes(b"x")
    monkeypatch.setenv("X_WEIGHTS", str(from_env))
    assert perceptual.find_weights("f.pth", given, "X_WEIGHTS", "X", "--x") == given
    assert perceptual.find_weights("f.pth", None, "X_WEIGHTS", "X", "--x") == from_env
    with pytest.raises(MissingWeightsError, match="does not exist"):
        perceptual.find_weights("f.pth", tmp_path / "nope.pth", "X_WEIGHTS", "X", "--x")
    monkeypatch.delenv("X_WEIGHTS")
    with pytest.raises(MissingWeightsError, match="f.pth.*--x.*X_WEIGHTS"):
        perceptual.find_weights("f.pth", None, "X_WEIGHTS", "X", "--x")


def test_lpips_backbone_tensors_land_in_the_right_slices():
    """torchvision's ``features.N`` layers map onto LPIPS's ``sliceK.N`` modules."""
    slices = torch.nn.Module()
    slices.slice1 = torch.nn.Sequential()
    slices.slice1.add_module("0", torch.nn.Conv2d(3, 4, 3))
    slices.slice2 = torch.nn.Sequential()
    slices.slice2.add_module("2", torch.nn.Conv2d(4, 4, 3))
    state = {"features.0.weight": torch.full((4, 3, 3, 3), 1.0), "features.0.bias": torch.zeros(4),
             "features.2.weight": torch.full((4, 4, 3, 3), 2.0), "features.2.bias": torch.ones(4)}
    perceptual.load_backbone(slices, state)
    assert torch.equal(slices.slice2[0].weight, state["features.2.weight"])
    assert torch.equal(slices.slice1[0].bias, state["features.0.bias"])
    with pytest.raises(MissingWeightsError, match="features.2.bias"):
        perceptual.load_backbone(slices, {k: v for k, v in state.items() if k != "features.2.bias"})
