"""Generators (gated, pyramid, aff and every ablation variant), the registry and the
SN-PatchGAN discriminator. Tiny widths and 32–64 px inputs keep this fast on CPU."""
import json

import pytest
import torch

from inpaintkit.errors import UserError
from inpaintkit.layers.fusion import AFF
from inpaintkit.layers.gated import GatedConv2d
from inpaintkit.losses import l1_loss
from inpaintkit.models import (
    create_discriminator,
    create_model,
    list_models,
    model_config_dict,
    model_from_config,
)
from inpaintkit.models.discriminator import SNPatchGAN

WIDTH = 4


def _batch(size: int, batch: int = 2):
    image = torch.rand(batch, 3, size, size) * 2 - 1
    mask = torch.zeros(batch, 1, size, size)
    mask[0, :, size // 4 : size // 2, size // 8 : size // 2] = 1.0
    if batch > 1:
        mask[1, :, size // 2 : 3 * size // 4, size // 2 : 7 * size // 8] = 1.0
    return image, mask


def _structure(model, size: int, batch: int = 2):
    if model.structure_scale is None:
        return None
    side = int(size * model.structure_scale)
    return torch.rand(batch, 3, side, side) * 2 - 1


def _run(model, image, mask, **kwargs):
    with torch.no_grad():
        return model(image, mask, **kwargs)


@pytest.mark.parametrize("name", list_models())
def test_every_variant_fills_the_hole_without_seeing_it(name):
    model = create_model(name, width=WIDTH).eval()
    size = max(32, 2 * model.size_multiple)
    image, mask = _batch(size)
    structure = _structure(model, size)
    out = _run(model, image, mask, structure=structure)

    assert out.output.shape == image.shape
    assert torch.isfinite(out.output).all()
    assert out.output.abs().max() <= 1.0
    assert out.stages[-1].image is out.output and out.stages[-1].adversarial

    # Pixels inside the hole never reach the network: any content there, same result,
    # for the final output and every supervised stage.
    scribbled = torch.where(mask.bool().expand_as(image), torch.randn_like(image) * 10, image)
    again = _run(model, scribbled, mask, structure=structure)
    assert torch.equal(again.output, out.output)
    for first, second in zip(out.stages, again.stages):
        assert torch.equal(first.image, second.image), first.name


@pytest.mark.parametrize("name", list_models())
def test_config_dict_round_trips_exactly(name):
    model = create_model(name, width=WIDTH)
    config = model_config_dict(model)
    assert config["name"] in ("gated", "pyramid", "aff")
    stored = json.loads(json.dumps(config))  # what weights.py writes and reads back
    rebuilt = model_from_config(stored)
    assert model_config_dict(rebuilt) == config
    assert type(rebuilt) is type(model)
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == shapes
    rebuilt.load_state_dict(model.state_dict(), strict=True)


def test_pyramid_stages_follow_section_3_2():
    model = create_model("pyramid", width=WIDTH).eval()
    assert model.structure_scale == 0.25 and model.size_multiple == 16
    image, mask = _batch(64)
    stages = _run(model, image, mask, structure=_structure(model, 64)).stages
    summary = [(s.name, tuple(s.image.shape[-2:]), s.target, s.adversarial, s.weight) for s in stages]
    assert summary == [
        ("G0", (16, 16), "structure", False, 1.0),
        ("G1", (32, 32), "image", True, 1.0),
        ("G2-coarse", (64, 64), "image", False, 1.0),
        ("G2", (64, 64), "image", True, 1.0),
    ]


def test_pyramid_layer_variants_of_table_3_4():
    two = create_model("pyramid-pgs256", width=WIDTH)
    assert two.structure_scale == 0.5 and two.size_multiple == 8
    assert create_model("pyramid-pg256-512", width=WIDTH).structure_scale is None
    images_only = create_model("pyramid-pg128-256-512", width=WIDTH).eval()
    assert images_only.structure_scale is None
    stages = _run(images_only, *_batch(64)).stages
    assert [(s.name, s.target, s.adversarial) for s in stages][:2] == [("G0", "image", True), ("G1", "image", True)]


def _rates(unet):
    return [conv.conv.dilation[0] for conv in unet.chain.convs]


def test_adaptive_and_standard_dilation_of_table_3_6():
    adaptive = create_model("pyramid", width=WIDTH)
    assert [_rates(g) for g in adaptive.layers_below] == [[2, 4, 8], [2, 4, 8, 16]]
    assert _rates(adaptive.top.coarse) == [2, 4, 8, 12, 16]
    assert [c.conv.dilation[0] for c in adaptive.top.refine.chain.convs] == [2, 4, 8, 12, 16]
    standard = create_model("pyramid-standard-dilation", width=WIDTH)
    assert [_rates(g) for g in standard.layers_below] == [[2, 4, 8, 16]] * 2
    assert _rates(standard.top.coarse) == [2, 4, 8, 16]


@pytest.mark.parametrize(
    "fusion, conv_in, attention_in, coarse_mid_in, decoder_in",
    [  # h = WIDTH / 2 = 2 effective channels; the lower layer's features have 4h = 8
        ("image-refine", 6, 6, 8, 16),
        ("image-attention", 3, 6, 8, 16),
        ("image-conv", 6, 3, 8, 16),
        ("feature-coarse", 3, 3, 16, 16),
        ("feature-refine", 3, 3, 8, 24),
    ],
)
def test_fusion_options_of_table_3_5_feed_the_right_place(fusion, conv_in, attention_in, coarse_mid_in, decoder_in):
    top = create_model("pyramid", width=WIDTH, fusion=fusion).top
    assert top.refine.conv_encoder.conv1.conv.in_channels == conv_in
    assert top.refine.attention_encoder.conv1.conv.in_channels == attention_in
    assert top.coarse.encoder.conv5.conv.in_channels == coarse_mid_in
    assert top.refine.decoder.conv11.conv.in_channels == decoder_in


def test_structure_hole_content_does_not_leak_but_the_rest_matters():
    model = create_model("pyramid", width=WIDTH).eval()
    image, mask = _batch(64)
    structure = _structure(model, 64)
    quarter_mask = torch.nn.functional.max_pool2d(mask, 4)
    out = _run(model, image, mask, structure=structure).output
    leaked = torch.where(quarter_mask.bool().expand_as(structure), -structure, structure)
    assert torch.equal(_run(model, image, mask, structure=leaked).output, out)
    changed = torch.where(quarter_mask.bool().expand_as(structure), structure, -structure)
    assert not torch.equal(_run(model, image, mask, structure=changed).output, out)


def test_pyramid_computes_the_structure_image_at_inference():
    structure_module = pytest.importorskip("inpaintkit.structure")
    if not hasattr(structure_module, "structure_image"):
        pytest.skip("inpaintkit.structure.structure_image is not written yet")
    model = create_model("pyramid", width=WIDTH).eval()
    image, mask = _batch(64)
    images, masks = model.pyramid_inputs(image, mask)
    expected = structure_module.structure_image(images[0], masks[0])
    out = _run(model, image, mask).output
    assert torch.equal(out, _run(model, image, mask, structure=expected).output)
    scribbled = torch.where(mask.bool().expand_as(image), -image, image)
    assert torch.equal(_run(model, scribbled, mask).output, out)


@pytest.mark.parametrize("name", ["gated", "aff", "pyramid"])
def test_guidance_reaches_the_contextual_attention(name):
    model = create_model(name, width=WIDTH).eval()
    size = 32
    image, mask = _batch(size)
    structure = _structure(model, size)
    out = _run(model, image, mask, structure=structure).output
    # guidance inside the hole changes nothing: hole patches are never candidates
    assert torch.equal(_run(model, image, mask, guidance=mask, structure=structure).output, out)
    # guidance over known pixels removes candidates, so the fill changes
    known_guidance = torch.zeros_like(mask)
    known_guidance[..., :, : size // 2] = 1.0
    guided = _run(model, image, mask, guidance=known_guidance * (1 - mask), structure=structure).output
    assert not torch.equal(guided, out)


@pytest.mark.parametrize("name", ["gated", "aff", "pyramid"])
def test_guidance_keeps_a_residual_models_base_fill_off_the_avoided_pixels(name):
    # Untrained, a residual model's corrections are zero: its output is its base fill. A red
    # neighbour touching the hole must not diffuse into it once the guidance map marks it.
    model = create_model(name, width=WIDTH, residual=True, base="harmonic").eval()
    size = 64
    image = torch.zeros(1, 3, size, size)  # mid grey
    mask = torch.zeros(1, 1, size, size)
    mask[..., 16:48, 24:48] = 1.0
    neighbour = torch.zeros_like(mask)
    neighbour[..., 8:56, 8:24] = 1.0
    image[:, 0:1] += neighbour  # red
    hole = mask.bool()[:, 0]
    redness = lambda out: float((out[:, 0] - out[:, 1])[hole].mean())  # noqa: E731
    assert redness(_run(model, image, mask).output) > 0.1
    assert abs(redness(_run(model, image, mask, guidance=neighbour).output)) < 0.01


def _count(model, kind):
    return sum(isinstance(m, kind) for m in model.modules())


def test_aff_variants_of_table_4_2():
    # SCAF: two skips (full, ½) per stage; DCR: one per stage's dilated chain.
    assert _count(create_model("gated", width=WIDTH), AFF) == 0
    assert _count(create_model("aff-concat-skip", width=WIDTH), AFF) == 0
    assert _count(create_model("aff-scaf", width=WIDTH), AFF) == 4
    assert _count(create_model("aff-dcr", width=WIDTH), AFF) == 2
    assert _count(create_model("aff", width=WIDTH), AFF) == 6
    # a skip connection doubles the decoder's input at ½ resolution (2h → 4h channels)
    assert create_model("gated", width=WIDTH).net.coarse.decoder.conv14.conv.in_channels == 4
    assert create_model("aff-concat-skip", width=WIDTH).net.coarse.decoder.conv14.conv.in_channels == 8


@pytest.mark.parametrize("name, overrides", [
    ("gated", {}), ("aff", {"aff_norm": "none"}), ("pyramid", {}),
    ("pyramid-fusion-feature-coarse", {}), ("pyramid-fusion-feature-refine", {}),
])
def test_every_parameter_learns(name, overrides):
    model = create_model(name, width=WIDTH, **overrides).train()
    image, mask = _batch(32, batch=1)  # batch 1 trains AFF with aff_norm="none"
    out = model(image, mask, structure=_structure(model, 32, batch=1))
    sum(s.image.mean() for s in out.stages).backward()
    # Every building block gets a gradient (a wiring bug leaves one out). Blocks, not single
    # tensors: at width 4 MS-CAM has one hidden ReLU unit, which may well be dead.
    blocks = {name: m for name, m in model.named_modules() if isinstance(m, (GatedConv2d, AFF))}
    blocks["to_rgb"] = model.top.refine.decoder.to_rgb if hasattr(model, "top") else model.net.refine.decoder.to_rgb
    assert len(blocks) > 40
    dead = [name for name, block in blocks.items()
            if not any(p.grad is not None and p.grad.abs().sum() > 0 for p in block.parameters())]
    assert dead == []


def test_loss_falls_when_fitting_one_image():
    torch.manual_seed(0)  # 16 steps: 0.30–0.51 of the first loss over seeds 0–9
    model = create_model("gated", width=WIDTH).train()
    ramp = torch.linspace(-0.5, 0.5, 32)
    image = torch.stack([0.6 + 0.3 * ramp.expand(32, 32), -0.4 + ramp.view(-1, 1).expand(32, 32),
                         torch.full((32, 32), 0.2)])[None]  # a smooth image a tiny net can fit
    mask = torch.zeros(1, 1, 32, 32)
    mask[..., 8:16, 4:16] = 1.0
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(16):
        loss = sum(l1_loss(s.image, image) for s in model(image, mask).stages)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]


def test_default_widths_are_the_papers():
    gated = create_model("gated")
    assert gated.config.width == 48
    # DeepFill v2's published generator has 4.05 M parameters at cnum = 48
    assert 4.0e6 < sum(p.numel() for p in gated.parameters()) < 4.1e6


def test_sizes_that_do_not_divide_are_refused():
    model = create_model("pyramid", width=WIDTH)
    with pytest.raises(ValueError, match="multiple of 16"):
        model(*_batch(24))


def test_registry_errors_are_user_errors():
    with pytest.raises(UserError, match="unknown model"):
        create_model("deepfill-v9")
    with pytest.raises(UserError, match="unknown option"):
        create_model("gated", widht=8)
    with pytest.raises(UserError, match="width"):
        create_model("pyramid", width=7)
    with pytest.raises(UserError, match="fusion"):
        create_model("pyramid", fusion="telepathy")
    with pytest.raises(UserError):
        model_from_config({"width": 8})


def test_model_from_config_accepts_a_variant_name():
    model = model_from_config({"name": "pyramid-pgs256", "width": WIDTH})
    assert model.config.layers == ("structure", "image")


@pytest.mark.parametrize("size, cells", [(64, 1), (128, 2), (96, 2)])
def test_discriminator_gives_one_logit_map_per_64_pixels(size, cells):
    discriminator = create_discriminator(width=4)
    assert isinstance(discriminator, SNPatchGAN)
    logits = discriminator(torch.rand(2, 3, size, size), torch.zeros(2, 1, size, size))
    assert logits.shape == (2, 16, cells, cells)


def test_discriminator_layers_are_spectrally_normalised():
    discriminator = SNPatchGAN(width=8).train()
    x, m = torch.rand(1, 3, 64, 64), torch.zeros(1, 1, 64, 64)
    for _ in range(30):  # each training forward runs one power iteration
        discriminator(x, m)
    convs = [layer for layer in discriminator.net if isinstance(layer, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [8, 16, 32, 32, 32, 32]
    for conv in convs:
        sigma = torch.linalg.matrix_norm(conv.weight.detach().flatten(1), ord=2)
        assert sigma.item() == pytest.approx(1.0, abs=0.05)


# --------------------------------------------------------------------------- residual stages


def test_the_pyramid_solves_each_harmonic_level_once(monkeypatch):
    """The top layer's harmonic fill starts from the layer below's, which is the same
    problem at half size; it must not solve that level (and those under it) again."""
    from inpaintkit import fills

    solved_sizes = []
    solve = fills._conjugate_gradients

    def counting(known_part, *args):
        solved_sizes.append(known_part.shape[-1])
        return solve(known_part, *args)

    monkeypatch.setattr(fills, "_conjugate_gradients", counting)
    model = create_model("pyramid", width=WIDTH, residual=True, base="harmonic").eval()
    image, mask = _batch(128)
    out = _run(model, image, mask)
    # layers at 32 (structure: no fill), 64 (recursion: 32 then 64) and 128 (its own level only)
    assert solved_sizes == [32, 64, 128]
    assert torch.allclose(out.output, fills.harmonic_fill(image * (1 - mask), mask), atol=1e-6)


@pytest.mark.parametrize("base", ["push-pull", "harmonic", "navier-stokes"])
@pytest.mark.parametrize("name", ["gated", "aff", "pyramid"])
def test_an_untrained_residual_model_returns_its_base_fill(name, base):
    """residual=True: every stage corrects a base image and the correction starts at 0."""
    from inpaintkit.fills import base_fill

    model = create_model(name, width=WIDTH, residual=True, base=base).eval()
    image, mask = _batch(32)
    out = _run(model, image, mask)
    assert torch.allclose(out.output, base_fill(base)(image * (1 - mask), mask), atol=1e-6)
    scribbled = torch.where(mask.bool().expand_as(image), torch.randn_like(image) * 10, image)
    assert torch.equal(_run(model, scribbled, mask).output, out.output)  # still blind to the hole
    assert model_config_dict(model)["residual"] is True
    assert create_model(name, width=WIDTH).config.residual is False  # the papers' models by default


STEPS = 30


@pytest.mark.parametrize("name", ["gated", "pyramid"])
def test_a_residual_model_learns_what_its_base_fill_gets_wrong(name):
    """Vertical stripes through a hole: the default base (push–pull) fills it grey; after a
    few steps of hole-only L1 the model's fill is clearly closer to the stripes."""
    from inpaintkit.fills import push_pull_fill
    from inpaintkit.training.trainer import resize_area

    torch.manual_seed(0)
    model = create_model(name, width=8, residual=True).train()
    stripes = (torch.arange(32) // 4 % 2).float() * 1.2 - 0.6
    image = stripes.expand(1, 3, 32, 32).clone()
    mask = torch.zeros(1, 1, 32, 32)
    mask[..., 10:22, 8:24] = 1.0
    hole_error = lambda filled: ((filled - image).abs() * mask).sum() / (3 * mask.sum())  # noqa: E731
    base = hole_error(push_pull_fill(image * (1 - mask), mask)).item()
    optimiser = torch.optim.Adam(model.parameters(), lr=5e-3)
    for _ in range(STEPS):
        # every stage against the image at its own size (the structure layer too: the
        # stripes are their own structure image here)
        loss = sum(l1_loss(s.image, resize_area(image, s.image.shape[-2:]),
                           resize_area(mask, s.image.shape[-2:]), known_weight=0.0)
                   for s in model(image, mask).stages)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        learned = hole_error(model.eval()(image, mask).output).item()
    # measured here: 0.590 → gated 0.391, pyramid 0.384 after 30 steps
    assert learned < 0.8 * base, f"{name}: hole L1 {base:.3f} (push–pull base) → {learned:.3f}"


@pytest.mark.parametrize("options, message", [
    ({"residual": "maybe"}, "the pyramid model's residual must be true or false, not 'maybe'."),
    ({"width": 8.0}, "the pyramid model's width must be a whole number of 0 or more, not 8.0."),
    ({"softmax_scale": float("nan")}, "the pyramid model's softmax_scale must be a finite number, not nan."),
])
def test_model_options_of_the_wrong_kind_are_one_sentence(options, message):
    from inpaintkit.errors import UserError
    from inpaintkit.models.registry import create_discriminator, create_model

    with pytest.raises(UserError) as refused:
        create_model("pyramid", **options)
    assert str(refused.value) == message
    with pytest.raises(UserError, match="the discriminator's width must be a positive whole number, not 8.5."):
        create_discriminator(width=8.5)
