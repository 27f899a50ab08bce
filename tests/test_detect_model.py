"""Detector construction: output shapes, the FFM/PAM wiring, SE, the loss."""
import pytest
import torch

from inpaintkit.detect import DETECTOR_CONFIGS, build
from inpaintkit.detect.engine import targets_for
from inpaintkit.detect.fusion import FeatureFusionModule, PyramidAggregation, SqueezeExcitation
from inpaintkit.detect.loss import MultiBoxLoss, hard_negative_mask

TINY = dict(width=1 / 32)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny networks gain nothing from a second thread, and on a shared, oversubscribed
    CPU spin-waiting OpenMP threads make them several times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("name,priors", [("ssd300", 8732), ("fssd300", 8732),
                                         ("mpssd300", 8732)])
def test_300_models_output_one_prediction_per_prior(name, priors):
    model = build(name, num_classes=5, **TINY).eval()
    with torch.no_grad():
        locations, logits = model(torch.zeros(1, 3, 300, 300))
    assert locations.shape == (1, priors, 4)
    assert logits.shape == (1, priors, 5)
    assert model.priors.shape == (priors, 4)


@pytest.mark.parametrize("name", ["ssd512", "mpssd512"])
def test_512_models(name):
    model = build(name, num_classes=3, **TINY).eval()
    with torch.no_grad():
        locations, logits = model(torch.zeros(1, 3, 512, 512))
    assert locations.shape == (1, 24564, 4) and logits.shape == (1, 24564, 3)


def test_registry_names_and_unknown_name():
    assert set(DETECTOR_CONFIGS) == {"ssd300", "ssd512", "fssd300", "mpssd300", "mpssd512"}
    with pytest.raises(ValueError, match="unknown detector"):
        build("yolo", 3)


def test_mpssd_paths_follow_eq_5_5():
    model = build("mpssd300", 3, width=1 / 16)
    starts = [p.start for p in model.paths]
    assert starts == [0, 1, 2]
    # Path 2 fuses fc7, conv6_2, conv7_2 (Fig. 5.3); each path reaches the 1×1 level.
    assert list(model.paths[1].inputs) == [1, 2, 3]
    assert [len(p.levels) for p in model.paths] == [6, 5, 4]
    # PAM: level l concatenates the paths that reach it; the third FFM is 128 wide (×width).
    assert model.aggregate.out_channels == [16, 32, 48, 48, 48, 48]
    assert model.paths[2].reduce[0][0].out_channels == 8


def test_ablation_table_5_5_is_configuration():
    # 1, 2, 3 and 4 FFMs and ffm3_c = 256 all build from the same code.
    for channels in [(256,), (256, 256), (256, 256, 256), (256, 256, 128, 128)]:
        model = build("mpssd300", 3, fusion_channels=channels, image_size=160, **TINY).eval()
        with torch.no_grad():
            locations, _ = model(torch.zeros(1, 3, 160, 160))
        assert len(model.paths) == len(channels)
        assert locations.shape == (1, model.priors.shape[0], 4)


def test_ffm_output_sizes_match_base_pyramid():
    sizes = [38, 19, 10, 5, 3, 1]
    base = [torch.randn(1, 4, s, s) for s in sizes]
    ffm = FeatureFusionModule([4] * 6, sizes, start=1, reduce_channels=2, path_channels=6)
    assert [f.shape[-1] for f in ffm(base)] == sizes[1:]
    assert all(f.shape[1] == 6 for f in ffm(base))


def test_pam_concatenates_same_scale_features():
    pam = PyramidAggregation(starts=[0, 1], path_channels=3, num_levels=3, attention=False)
    a = [torch.full((1, 3, s, s), 1.0) for s in (4, 2, 1)]
    b = [torch.full((1, 3, s, s), 2.0) for s in (2, 1)]
    out = pam([a, b])
    assert [o.shape[1] for o in out] == [3, 6, 6]
    assert out[1][0, :3].eq(1).all() and out[1][0, 3:].eq(2).all()


def test_squeeze_excitation_only_rescales_channels():
    se = SqueezeExcitation(32)                     # C' = 32 / 16 = 2
    assert se.excite[0].out_features == 2
    x = torch.randn(2, 32, 5, 5).abs() + 0.1
    y = se(x)
    ratio = y / x
    # One factor in (0, 1) per image and channel, constant over space.
    assert torch.allclose(ratio, ratio[:, :, :1, :1].expand_as(ratio), atol=1e-6)
    assert (ratio > 0).all() and (ratio < 1).all()


def test_hard_negative_mining_keeps_three_negatives_per_positive():
    logits = torch.randn(2, 100, 4)
    labels = torch.zeros(2, 100, dtype=torch.long)
    labels[0, :5] = 2
    labels[1, :1] = 1
    mask = hard_negative_mask(logits, labels, neg_pos_ratio=3)
    assert mask.sum(1).tolist() == [20, 4]
    # The chosen negatives are the ones with the highest background loss.
    background_loss = -torch.log_softmax(logits, -1)[..., 0]
    chosen = background_loss[1][mask[1] & (labels[1] == 0)]
    rest = background_loss[1][~mask[1]]
    assert chosen.min() >= rest.max()


def test_loss_falls_when_fitting_one_batch():
    torch.manual_seed(0)
    model = build("mpssd300", 3, image_size=96, width=1 / 32, batch_norm=True)
    images = torch.rand(2, 3, 96, 96) * 2 - 1
    boxes = [torch.tensor([[0.1, 0.1, 0.5, 0.6]]), torch.tensor([[0.4, 0.3, 0.9, 0.8]])]
    labels = [torch.tensor([1]), torch.tensor([2])]
    target_loc, target_cls = targets_for(model, boxes, labels)
    criterion = MultiBoxLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(15):
        loc, conf = criterion(*model(images), target_loc, target_cls)
        optimizer.zero_grad()
        (loc + conf).backward()
        optimizer.step()
        losses.append((loc + conf).item())
    assert losses[-1] < 0.5 * losses[0]
