"""SSD priors: counts, the SSD300/512 tables, ordering, range."""
import pytest
import torch

from inpaintkit.detect.backbone import EXTRAS, base_feature_sizes
from inpaintkit.detect.priors import generate_priors, ssd_prior_spec


def test_ssd300_count_and_table():
    sizes = base_feature_sizes(300, EXTRAS["ssd300"])
    assert sizes == [38, 19, 10, 5, 3, 1]
    spec = ssd_prior_spec(300, sizes)
    # SSD300's published table (Caffe ssd_pascal.py / lufficc vgg_ssd300_voc0712.yaml).
    assert spec.min_sizes == (30, 60, 111, 162, 213, 264)
    assert spec.max_sizes == (60, 111, 162, 213, 264, 315)
    assert spec.boxes_per_location == [4, 6, 6, 6, 4, 4]
    priors = generate_priors(spec)
    assert priors.shape == (8732, 4)


def test_ssd512_count_and_table():
    sizes = base_feature_sizes(512, EXTRAS["ssd512"])
    assert sizes == [64, 32, 16, 8, 4, 2, 1]
    spec = ssd_prior_spec(512, sizes)
    assert spec.min_sizes == pytest.approx((35.84, 76.8, 153.6, 230.4, 307.2, 384.0, 460.8))
    assert spec.max_sizes[-1] == pytest.approx(537.6)
    assert generate_priors(spec).shape == (24564, 4)


def test_small_input_keeps_the_extras_that_fit():
    assert base_feature_sizes(160, EXTRAS["ssd300"]) == [20, 10, 5, 3, 1]
    assert base_feature_sizes(128, EXTRAS["ssd300"]) == [16, 8, 4, 2]
    spec = ssd_prior_spec(128, [16, 8, 4, 2])
    assert spec.num_priors == 16 * 16 * 4 + 8 * 8 * 6 + 4 * 4 * 4 + 2 * 2 * 4
    assert generate_priors(spec).shape == (spec.num_priors, 4)


def test_prior_order_and_range():
    spec = ssd_prior_spec(300, [38, 19, 10, 5, 3, 1])
    priors = generate_priors(spec)
    assert priors.min() >= 0 and priors.max() <= 1
    # First location of level 0: 4 boxes centred on cell (0, 0); then cell (0, 1).
    assert torch.allclose(priors[:4, :2], torch.full((4, 2), 0.5 / 38))
    assert priors[4, 0] == pytest.approx(1.5 / 38) and priors[4, 1] == pytest.approx(0.5 / 38)
    # min square 30/300, then sqrt(30·60)/300, then the 2:1 and 1:2 boxes.
    assert priors[0, 2] == pytest.approx(0.1)
    assert priors[1, 2] == pytest.approx((30 * 60) ** 0.5 / 300)
    assert priors[2, 2] / priors[2, 3] == pytest.approx(2.0)
    assert priors[3, 2] / priors[3, 3] == pytest.approx(0.5)
    # Last prior: the 1×1 map, centred.
    assert priors[-1, :2].tolist() == pytest.approx([0.5, 0.5])
