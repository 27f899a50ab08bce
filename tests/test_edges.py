"""inpaintkit.evaluation.edges: edge F1 and gradient ratio tell a continued edge from a smear."""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from inpaintkit.evaluation.edges import (
    _matched_share,
    edge_f1,
    edge_map,
    edge_precision_recall,
    edge_tolerance,
    gradient_ratio,
)
from inpaintkit.evaluation.metrics import METRIC_NAMES, image_scores
from inpaintkit.evaluation.methods import create_method

SIZE = 512


def step_image(column: int) -> np.ndarray:
    """A dark left half and a light right half, the step at ``column`` (uint8 RGB)."""
    image = np.full((SIZE, SIZE, 3), 40, np.uint8)
    image[:, column:] = 200
    return image


@pytest.fixture
def hole() -> np.ndarray:
    """A 160 px square straddling the step at column 256."""
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[176:336, 176:336] = 1
    return mask


def paste(fill: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> np.ndarray:
    return np.where(hole[:, :, None] != 0, fill, truth)


def test_the_truth_scores_perfectly(hole):
    truth = step_image(256)
    assert edge_precision_recall(truth, truth, hole) == (1.0, 1.0)
    assert gradient_ratio(truth, truth, hole) == pytest.approx(1.0)


def test_a_smeared_edge_scores_below_a_continued_one(hole):
    truth = step_image(256)
    smear = paste(create_method("diffusion")(truth * (1 - hole[:, :, None]), hole), truth, hole)  # harmonic: the smoothest
    precision, recall = edge_precision_recall(smear, truth, hole)
    assert recall < 0.6  # the step fades out towards the hole's middle
    assert edge_f1(smear, truth, hole) < 0.8
    assert gradient_ratio(smear, truth, hole) < 0.5


def test_an_edge_within_tolerance_counts_and_one_beyond_it_does_not(hole):
    truth = step_image(256)
    assert edge_tolerance(truth.shape) == pytest.approx(0.0075 * math.hypot(SIZE, SIZE))  # 5.4 px
    near = paste(step_image(259), truth, hole)  # 3 px off, inside the tolerance
    far = paste(step_image(276), truth, hole)   # 20 px off
    assert edge_f1(near, truth, hole) > 0.95
    precision, recall = edge_precision_recall(far, truth, hole)
    assert precision < 0.3 and recall < 0.3  # only the ends by the rim still match
    # Both are as sharp as the truth: the ratio measures detail, not position.
    assert gradient_ratio(far, truth, hole) == pytest.approx(1.0, abs=0.15)


def test_flat_regions_and_invented_edges(hole):
    flat = np.full((SIZE, SIZE, 3), 120, np.uint8)
    assert edge_f1(flat, flat, hole) == 1.0  # nothing to continue, nothing invented
    invented = flat.copy()
    invented[:, 256:] = 220
    invented = paste(invented, flat, hole)
    assert edge_f1(invented, flat, hole) == 0.0
    assert math.isnan(gradient_ratio(invented, flat, hole))  # no detail to compare with


def test_an_empty_hole_scores_nan():
    truth = step_image(256)
    empty = np.zeros(truth.shape[:2], np.uint8)
    assert math.isnan(edge_f1(truth, truth, empty)) and math.isnan(gradient_ratio(truth, truth, empty))


def test_matched_share_agrees_with_brute_force(rng):
    counted = rng.random((40, 50)) < 0.05
    targets = rng.random((40, 50)) < 0.03
    ys, xs = np.nonzero(targets)
    expected = [np.min(np.hypot(ys - y, xs - x)) <= 2.5 for y, x in zip(*np.nonzero(counted))]
    assert _matched_share(counted, targets, 2.5) == pytest.approx(np.mean(expected))
    assert _matched_share(np.zeros_like(counted), targets, 2.5) == 1.0
    assert _matched_share(counted, np.zeros_like(targets), 2.5) == 0.0


def test_fixed_thresholds_lose_edges_when_the_image_blurs():
    """Quantile thresholds would find as many edges in a blurred image; fixed ones must not.
    Stripes of 24 % contrast: edges when sharp, none left after a blur of σ = 6."""
    stripes = np.full((SIZE, SIZE, 3), 100, np.uint8)
    stripes[np.arange(SIZE) % 64 < 32] = 160
    assert edge_map(stripes).sum() > 10 * SIZE
    assert edge_map(cv2.GaussianBlur(stripes, (0, 0), 6)).sum() == 0


def test_image_scores_carry_the_structure_numbers(hole):
    truth = step_image(256)
    scores = image_scores(truth, truth, hole)
    assert set(scores) == set(METRIC_NAMES)
    assert scores["edge_f1_hole"] == 1.0 and scores["gradient_ratio_hole"] == pytest.approx(1.0)
