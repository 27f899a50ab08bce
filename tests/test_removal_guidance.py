"""Structural guidance (§5.4): the automatic map, and what it does to contextual attention."""
import numpy as np
import pytest
import torch

from inpaintkit.data import to_tensor
from inpaintkit.removal.guidance import auto_guidance
from inpaintkit.removal.instances import Instance
from inpaintkit.removal.pipeline import dilate

attention = pytest.importorskip("inpaintkit.layers.attention")


def _two_people(size=64):
    """A grey-green textured background; a red 'neighbour' standing right next to the
    blue 'target' (they touch). Returns the image and the two masks."""
    rng = np.random.default_rng(0)
    image = np.empty((size, size, 3), np.float64)
    image[:] = (110, 130, 100)
    image += rng.normal(0, 8, image.shape)
    neighbour = np.zeros((size, size), bool)
    neighbour[12:60, 14:30] = True
    target = np.zeros((size, size), bool)
    target[16:60, 30:44] = True
    image[neighbour] = (200, 40, 40)
    image[target] = (40, 40, 200)
    return np.clip(image, 0, 255).astype(np.uint8), neighbour, target


def test_auto_guidance_is_the_other_instances_minus_the_hole():
    image, neighbour, target = _two_people()
    hole = dilate(target, 5)
    instances = [Instance(target, "person", 0.9), Instance(neighbour, "person", 0.9)]
    guidance = auto_guidance(image, hole, instances)
    assert np.array_equal(guidance, neighbour & ~hole)
    assert guidance.sum() > 0.8 * neighbour.sum()
    assert not auto_guidance(image, hole, instances[:1]).any()  # alone: nothing to avoid


def _attend(image, hole, guidance):
    x = to_tensor(image)[None]
    m = torch.from_numpy(hole)[None, None].float()
    g = None if guidance is None else torch.from_numpy(guidance)[None, None].float()
    layer = attention.ContextualAttention(ksize=3, rate=2, fuse_k=3, softmax_scale=10.0)
    out, scores = layer(x * (1 - m), m, guidance=g, return_scores=True)
    return out, scores  # scores: 1 × L × h × w, candidates row-major at half resolution


@pytest.fixture(scope="module")
def two_people_attended():
    """The two-people scene with the target's dilated hole, attended without and with the
    automatic guidance: ``(neighbour, hole, (free_out, free_scores), (guided_out, guided_scores))``."""
    image, neighbour, target = _two_people()
    hole = dilate(target, 5)
    guidance = auto_guidance(image, hole, [Instance(neighbour, "person", 0.9)])
    return neighbour, hole, _attend(image, hole, None), _attend(image, hole, guidance)


def test_guided_attention_gives_the_neighbour_exactly_zero_weight(two_people_attended):
    neighbour, hole, (_, free), (_, guided) = two_people_attended
    # Candidates (matching cells at half resolution) that lie on the neighbour.
    on_neighbour = torch.from_numpy(neighbour[::2, ::2].reshape(-1))
    hole_cells = torch.from_numpy(hole[::2, ::2])
    free_mass = free[0][on_neighbour][:, hole_cells].sum(0)   # per hole position
    guided_mass = guided[0][on_neighbour][:, hole_cells].sum(0)
    assert free_mass.mean() > 0.05          # unguided, the fill borrows from the neighbour
    assert torch.count_nonzero(guided_mass) == 0   # guided: exactly zero, everywhere
    assert torch.allclose(guided[0][:, hole_cells].sum(0), torch.ones(1))  # still a distribution


def test_guided_fill_copies_less_red_from_the_neighbour(two_people_attended):
    _, hole, (free, _), (guided, _) = two_people_attended
    redness = lambda out: (out[0, 0] - out[0, 1])[torch.from_numpy(hole)].mean().item()  # noqa: E731
    background = (110 - 130) / 127.5  # red − green of the background, in [-1, 1] units
    assert redness(free) > background + 0.1
    assert abs(redness(guided) - background) < 0.05


@pytest.mark.parametrize("name", ["pyramid", "aff"])
def test_a_shipped_model_fills_from_the_background_with_guidance(name):
    # End to end with the shipped weights. Their contextual attention contributes next to
    # nothing (docs/experiments/2026-11-26-dead-attention.md), so what keeps the neighbour out is the
    # guidance reaching the residual stages' base fill (inpaintkit.fills.fill_avoiding).
    from inpaintkit.inference import load_model

    image, neighbour, target = _two_people()
    hole = dilate(target, 5)
    guidance = auto_guidance(image, hole, [Instance(neighbour, "person", 0.9)])
    model = load_model(name)
    redness = lambda out: float((out[..., 0].astype(float) - out[..., 1])[hole].mean())  # noqa: E731
    background = 110 - 130
    assert redness(model(image, hole)) > background + 40      # unguided, the red bleeds in
    assert abs(redness(model(image, hole, guidance)) - background) < 3
