"""inpaintkit.training: losses fall, exact resume, DDP agreement, NaN stop, export, configs."""
from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from torch.utils.data import default_collate

from inpaintkit.cli import main
from inpaintkit.errors import UserError
from inpaintkit.training.checkpoint import load_checkpoint
from inpaintkit.models.registry import model_config_dict
from inpaintkit.training.config import config_from_dict, load_config
from inpaintkit.training.trainer import Trainer, TrainingDivergedError, sample_grid

ROOT = Path(__file__).resolve().parents[1]


def tiny(photos: list[Path], model: str = "gated", **train) -> dict:
    """A config dict that trains in well under a second per step on 2 CPU threads."""
    return {
        "model": {"name": model, "width": 4},
        "discriminator": {"width": 4},
        "data": {"root": [str(p) for p in photos], "crop_size": 32, "split": None, "subset": None},
        "train": {"steps": 4, "batch_size": 2, "lr_g": 1e-3, "lr_d": 1e-3, "checkpoint_every": 2,
                  "log_every": 1, "sample_every": 2, "num_workers": 0, **train},
    }


@pytest.fixture(scope="module")
def photos(photos_dir) -> list[Path]:
    """Four test photos, a texture and three colour scenes: a batch of the first two holds
    enough detail for a tiny model's L1 to fall clearly within 20 steps."""
    return [photos_dir / name for name in ("brick.jpg", "chelsea.jpg", "coffee.jpg", "rocket.jpg")]


@pytest.fixture(autouse=True)
def _small_tensor_speed():
    """32-px, width-4 convolutions: oneDNN's per-call set-up costs more than the maths
    (measured 2.5× slower per step), and a second OpenMP thread only spins on a shared
    2-core machine. Both settings are restored afterwards."""
    threads, mkldnn = torch.get_num_threads(), torch.backends.mkldnn.enabled
    torch.set_num_threads(1)
    torch.backends.mkldnn.enabled = False
    yield
    torch.set_num_threads(threads)
    torch.backends.mkldnn.enabled = mkldnn


def write_config(path: Path, content: dict) -> Path:
    path.write_text(yaml.safe_dump(content))
    return path


def test_ssim_term_is_logged_per_stage_added_to_the_total_and_falls(photos, tmp_path):
    """train.ssim_weight adds 1 − SSIM of every composited stage (losses.ssim_loss)."""
    config = tiny(photos, "pyramid", gan="none", known_weight=0.0, ssim_weight=2.0, lr_g=5e-3)
    trainer = Trainer(config_from_dict(config), tmp_path)
    batch = default_collate([trainer.dataset[i] for i in range(2)])
    history = [trainer.train_step(batch) for _ in range(20)]
    first = history[0]
    assert {key for key in first if key.startswith("ssim/")} == {f"ssim/{name}" for name, _ in trainer.stages}
    structural = sum(value for key, value in first.items() if key.startswith("ssim/"))
    assert first["g_total"] == pytest.approx(first["l1"] + 2.0 * structural, rel=1e-5)
    totals = [sum(v for k, v in step.items() if k.startswith("ssim/")) for step in history]
    assert sum(totals[-3:]) < 0.9 * sum(totals[:3]), np.round(totals, 4)


@pytest.mark.parametrize("value", [-0.5, float("nan"), float("inf")])
def test_config_refuses_a_negative_or_nan_loss_weight(value):
    for key in ("ssim_weight", "gan_weight", "l1_weight", "gp_weight"):
        with pytest.raises(UserError, match=f"train.{key} must be a finite number of 0 or more"):
            config_from_dict({"model": {"name": "gated"}, "train": {key: value}})


@pytest.mark.parametrize("section, values, message", [
    # A clip of 0 or below would zero or turn around every gradient, silently.
    ("train", {"grad_clip": -1}, "train.grad_clip must be a positive number (or null: off), not -1.0."),
    ("train", {"grad_clip": 0}, "train.grad_clip must be a positive number"),
    ("train", {"lr_g": float("nan")}, "train.lr_g must be a positive finite learning rate, not nan."),
    ("train", {"lr_d": float("inf")}, "train.lr_d must be a positive finite learning rate"),
    ("train", {"lr_g": -1}, "train.lr_g must be a positive finite learning rate"),
    ("train", {"betas": [2, 0.9]}, "train.betas must be two numbers from 0 up to (not including) 1"),
    ("train", {"num_workers": -1}, "train.num_workers must be 0 or more, not -1."),
    ("train", {"seed": -1}, "train.seed must be 0 or more"),
    ("data", {"crop_size": 0}, "data.crop_size must be at least 32 pixels, not 0."),
])
def test_config_refuses_settings_that_would_train_wrong_or_crash_later(section, values, message):
    with pytest.raises(UserError) as refused:
        config_from_dict({"model": {"name": "gated"}, section: values})
    assert message in str(refused.value)


@pytest.mark.parametrize("content, message", [
    ({"model": {"name": "pyramid"}, "data": "photos"}, "data section must be a mapping"),
    ({"model": "pyramid"}, "model section must be a mapping"),
])
def test_a_section_that_is_no_mapping_is_one_sentence(content, message):
    with pytest.raises(UserError, match=message):
        config_from_dict(content)


def test_a_crop_the_model_cannot_take_and_a_batch_norm_batch_of_one_are_refused_before_a_step(photos, tmp_path):
    with pytest.raises(UserError, match="data.crop_size 40 does not suit this model: it works on multiples of 16"):
        Trainer(config_from_dict({**tiny(photos, "pyramid"), "data": {**tiny(photos, "pyramid")["data"],
                                                                        "crop_size": 40}}), tmp_path / "crop")
    with pytest.raises(UserError, match="train.batch_size must be 2 or more .*model.aff_norm: none"):
        Trainer(config_from_dict(tiny(photos, "aff", batch_size=1)), tmp_path / "aff")


@pytest.mark.parametrize("model", ["gated", "pyramid", "aff"])
def test_each_model_fits_a_fixed_batch(model, photos, tmp_path):
    trainer = Trainer(config_from_dict(tiny(photos, model, lr_g=5e-3)), tmp_path)
    batch = default_collate([trainer.dataset[i] for i in range(2)])
    history = [trainer.train_step(batch) for _ in range(20)]
    l1 = [step["l1"] for step in history]
    first, last = sum(l1[:3]) / 3, sum(l1[-3:]) / 3
    # measured here: gated 0.55 → 0.37, pyramid 0.82 → 0.55, aff 0.47 → 0.33 (a 0.85 bar leaves a wide margin)
    assert last < 0.85 * first, f"{model}: L1 {first:.3f} → {last:.3f}"
    # Every adversarial stage has its own discriminator, and only those stages do.
    adversarial = {name for name, is_adversarial in trainer.stages if is_adversarial}
    assert {key[2:] for key in history[-1] if key.startswith("d/")} == adversarial
    assert set(trainer.discriminators) == {name.replace(".", "_") for name in adversarial}
    if model == "pyramid":  # G0 restores the structure image: L1 only, no discriminator
        assert "G0" not in adversarial and "l1/G0" in history[-1]
    grid = sample_grid(*trainer._last)  # TensorBoard's picture: 2 rows of 4 panels
    assert grid.shape == (3, 2 * 32, 4 * 32) and 0 <= grid.min() and grid.max() <= 1


def test_cli_training_resumes_exactly(photos, tmp_path):
    """4 steps in one go == 2 steps, stop, --resume to 4 (weights, Ds, optimizers).
    WGAN-GP draws torch.rand in its penalty, so this also checks the RNG state restore."""
    config = write_config(tmp_path / "tiny.yaml", tiny(photos, "pyramid", gan="wgan-gp", steps=4))
    assert main(["train", str(config), "--out", str(tmp_path / "once"), "--device", "cpu"]) == 0
    assert main(["train", str(config), "--out", str(tmp_path / "twice"), "--steps", "2"]) == 0
    assert load_checkpoint(tmp_path / "twice")["step"] == 2
    assert main(["train", str(config), "--out", str(tmp_path / "twice"), "--resume"]) == 0
    once, twice = load_checkpoint(tmp_path / "once"), load_checkpoint(tmp_path / "twice")
    assert once["step"] == twice["step"] == 4
    for part in ("generator", "discriminators"):
        for key, value in once[part].items():
            assert torch.allclose(value, twice[part][key], atol=1e-6, rtol=0), f"{part}.{key}"
    moments = lambda state: [s["exp_avg"] for s in state["state"].values()]  # noqa: E731
    for a, b in zip(moments(once["optimizer_g"]), moments(twice["optimizer_g"])):
        assert torch.allclose(a, b, atol=1e-7, rtol=0)
    # the run was real: weights moved, and TensorBoard got its event file
    fresh = Trainer(config_from_dict(tiny(photos, "pyramid")), tmp_path / "fresh").generator.state_dict()
    assert any(not torch.equal(fresh[k], once["generator"][k]) for k in fresh)
    assert list((tmp_path / "once" / "tensorboard").glob("events.out.tfevents.*"))
    # a second start without --resume must not clobber the run
    assert main(["train", str(config), "--out", str(tmp_path / "once")]) == 2


def test_set_changes_one_key_for_one_run(photos, tmp_path, capsys):
    """``--set`` reaches the trainer (no discriminator without a GAN), is recorded in the
    checkpoint, and a bad item is one sentence, exit code 2."""
    config = write_config(tmp_path / "tiny.yaml", tiny(photos, "gated", gan="hinge", steps=3))
    assert main(["train", str(config), "--out", str(tmp_path / "run"), "--device", "cpu",
                 "--set", "train.gan=none", "--set", "train.steps=1", "--set", "train.betas=[0.9, 0.99]"]) == 0
    state = load_checkpoint(tmp_path / "run")
    assert state["step"] == 1 and state["discriminators"] == {}
    assert state["config"]["train"]["gan"] == "none" and state["config"]["train"]["betas"] == [0.9, 0.99]
    for item, message in (("train.lr_gen=1", "lr_gen"), ("optim.lr_g=1", "no section 'optim'"),
                          ("train.gan", "SECTION.KEY=VALUE"), ("train.gan=lsgan", "train.gan must be")):
        capsys.readouterr()
        assert main(["train", str(config), "--out", str(tmp_path / "bad"), "--set", item]) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_structure_on_device_gives_the_loaders_target_and_the_models_input(photos, tmp_path):
    """data.structure_on_device: one batched RTV solve in the step replaces the loader's
    target and the model's own input; both must match what they replace."""
    import torch.nn.functional as F
    from inpaintkit.structure import structure_image

    on_device = tiny(photos, "pyramid", gan="none")
    on_device["data"]["structure_on_device"] = True
    trainer = Trainer(config_from_dict(on_device), tmp_path / "device")
    sample = trainer.dataset[0]
    assert "structure" not in sample  # the loader no longer computes it
    batch = default_collate([trainer.dataset[i] for i in range(2)])
    structure, target = trainer.generator.structure_pair(batch["image"], batch["mask"])
    images, masks = trainer.generator.pyramid_inputs(batch["image"], batch["mask"])
    assert torch.allclose(structure, structure_image(images[0], masks[0]), atol=1e-3)
    assert torch.allclose(target, structure_image(F.avg_pool2d(batch["image"], 4)), atol=1e-3)
    loader_target = Trainer(config_from_dict(tiny(photos, "pyramid", gan="none")), tmp_path / "loader").dataset[0]
    # the loader resizes the uint8 crop with OpenCV, the step pools floats: same image
    assert (loader_target["structure"] - target[0]).abs().mean() < 0.01
    losses = trainer.train_step(batch)
    assert "l1/G0" in losses and all(map(math.isfinite, losses.values()))


def test_time_budget_stops_training_and_keeps_a_checkpoint(photos, tmp_path):
    config = write_config(tmp_path / "tiny.yaml", tiny(photos, "gated", gan="none", steps=100000))
    started = time.monotonic()
    assert main(["train", str(config), "--out", str(tmp_path / "run"), "--max-minutes", "0.05"]) == 0
    assert time.monotonic() - started < 60
    step = load_checkpoint(tmp_path / "run")["step"]
    assert 1 <= step < 100000
    assert main(["train", str(config), "--out", str(tmp_path / "bad"), "--max-minutes", "0"]) == 2


def test_cli_overrides_model_and_data_root(photos, tmp_path):
    """--model trains another model on the same recipe; --data-root another folder."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for photo in photos[:2]:
        (folder / photo.name).write_bytes(photo.read_bytes())
    content = tiny(photos, "gated", gan="none", steps=1)
    content["data"]["root"] = str(tmp_path / "nowhere")  # only --data-root makes this work
    config = write_config(tmp_path / "tiny.yaml", content)
    assert main(["train", str(config), "--out", str(tmp_path / "run"), "--model", "aff",
                 "--data-root", str(folder)]) == 0
    state = load_checkpoint(tmp_path / "run")
    assert state["model_config"]["name"] == "aff" and state["config"]["data"]["root"] == str(folder)
    assert main(["train", str(config), "--out", str(tmp_path / "run2"), "--model", "nonesuch",
                 "--data-root", str(folder)]) == 2


def test_init_from_exported_weights_continues_with_fresh_optimizers(photos, tmp_path):
    """--init: the way back from a lent GPU, whose checkpoint is too large to return."""
    from inpaintkit.weights import load_weights

    config = write_config(tmp_path / "tiny.yaml", tiny(photos, "gated", gan="none", steps=2))
    assert main(["train", str(config), "--out", str(tmp_path / "first")]) == 0
    assert main(["export", str(tmp_path / "first"), "-o", str(tmp_path / "w.safetensors")]) == 0
    exported = load_weights(tmp_path / "w.safetensors").state_dict()
    trainer = Trainer(config_from_dict(tiny(photos, "gated", gan="none")), tmp_path / "probe")
    assert trainer.init_from_weights(tmp_path / "w.safetensors") == 2
    assert all(torch.equal(value, exported[key]) for key, value in trainer.generator.state_dict().items())
    assert main(["train", str(config), "--out", str(tmp_path / "second"), "--steps", "3",
                 "--init", str(tmp_path / "w.safetensors")]) == 0
    state = load_checkpoint(tmp_path / "second")
    assert state["step"] == 3 and len(state["optimizer_g"]["state"]) > 0
    assert any(not torch.equal(value, exported[key]) for key, value in state["generator"].items())
    # another model's weights, or --init with --resume: one-line errors
    assert main(["train", str(config), "--out", str(tmp_path / "third"), "--model", "aff",
                 "--init", str(tmp_path / "w.safetensors")]) == 2
    assert main(["train", str(config), "--out", str(tmp_path / "second"), "--resume",
                 "--init", str(tmp_path / "w.safetensors")]) == 2


def test_init_may_change_the_base_fill_and_nothing_else(photos, tmp_path, capsys):
    """The base fill has no parameters: weights trained to correct the harmonic fill can be
    fine-tuned to correct Navier–Stokes'. Any other change of the model is still refused."""
    harmonic = tiny(photos, "gated", gan="none", steps=2)
    harmonic["model"].update(residual=True, base="harmonic")
    assert main(["train", str(write_config(tmp_path / "h.yaml", harmonic)), "--out", str(tmp_path / "h")]) == 0
    assert main(["export", str(tmp_path / "h"), "-o", str(tmp_path / "h.safetensors")]) == 0
    transported = {**harmonic, "model": {**harmonic["model"], "base": "navier-stokes"}}
    transported["train"] = {**harmonic["train"], "steps": 3}
    capsys.readouterr()
    assert main(["train", str(write_config(tmp_path / "ns.yaml", transported)), "--out", str(tmp_path / "ns"),
                 "--init", str(tmp_path / "h.safetensors")]) == 0
    assert "base fill changed from harmonic to navier-stokes" in capsys.readouterr().out
    state = load_checkpoint(tmp_path / "ns")
    assert state["step"] == 3 and state["model_config"]["base"] == "navier-stokes"
    wider = {**transported, "model": {**transported["model"], "width": 8}}
    assert main(["train", str(write_config(tmp_path / "w.yaml", wider)), "--out", str(tmp_path / "w"),
                 "--init", str(tmp_path / "h.safetensors")]) == 2


class PoisonAfter(torch.utils.data.Dataset):
    """Wraps a dataset; from the ``after``-th sample on, images are NaN."""

    def __init__(self, dataset, after: int):
        self.dataset, self.after, self.calls = dataset, after, 0

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, key):
        self.calls += 1
        sample = self.dataset[key]
        if self.calls > self.after:
            sample["image"] = torch.full_like(sample["image"], float("nan"))
        return sample


def test_nan_stops_with_step_and_loss_and_keeps_the_good_checkpoint(photos, tmp_path):
    trainer = Trainer(config_from_dict(tiny(photos, "gated", steps=6)), tmp_path)
    trainer.dataset = PoisonAfter(trainer.dataset, after=4)  # steps 1–2 clean (batch 2), step 3 poisoned
    with pytest.raises(TrainingDivergedError, match=r"step 3: d/\S+ = nan"):
        trainer.train()
    state = load_checkpoint(tmp_path)
    assert state["step"] == 2
    assert all(torch.isfinite(v).all() for v in state["generator"].values())
    assert not list(tmp_path.glob("*.tmp"))
    # the message is one sentence a user can act on
    error = pytest.raises(TrainingDivergedError, Trainer.train_step, trainer,
                          {"image": torch.full((2, 3, 32, 32), float("nan")), "mask": torch.ones(2, 1, 32, 32)})
    assert "lower the learning rate" in str(error.value)


def test_ctrl_c_says_where_the_run_stands(photos, tmp_path, capsys, monkeypatch):
    config = write_config(tmp_path / "tiny.yaml", tiny(photos, "gated", gan="none", steps=2))
    assert main(["train", str(config), "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()

    def interrupted(self, max_seconds=None):
        self.step += 1
        raise KeyboardInterrupt

    monkeypatch.setattr(Trainer, "train", interrupted)
    assert main(["train", str(config), "--out", str(tmp_path / "run"), "--resume", "--steps", "4"]) == 130
    assert capsys.readouterr().err.endswith(
        f"interrupted at step 3; {tmp_path / 'run' / 'checkpoint.pt'} is kept (--resume continues it)\n")
    assert main(["train", str(config), "--out", str(tmp_path / "fresh")]) == 130
    assert capsys.readouterr().err.endswith("interrupted at step 1; no checkpoint was written yet\n")


def test_a_divergence_before_any_checkpoint_does_not_promise_one(photos, tmp_path):
    trainer = Trainer(config_from_dict(tiny(photos, "gated", steps=6)), tmp_path)
    error = pytest.raises(TrainingDivergedError, Trainer.train_step, trainer,
                          {"image": torch.full((2, 3, 32, 32), float("nan")), "mask": torch.ones(2, 1, 32, 32)})
    assert str(error.value).endswith("no checkpoint was written yet — lower the learning rate or check the data, "
                                     "then start again.")


def test_resume_takes_the_new_learning_rate_and_refuses_other_discriminators(photos, tmp_path):
    config = config_from_dict(tiny(photos, "gated", steps=2))
    Trainer(config, tmp_path).train()
    lowered = config_from_dict(tiny(photos, "gated", steps=4, lr_g=1e-5, betas=[0.9, 0.99]))
    resumed = Trainer(lowered, tmp_path)
    resumed.resume()
    assert {(g["lr"], tuple(g["betas"])) for g in resumed.optimizer_g.param_groups} == {(1e-5, (0.9, 0.99))}
    assert resumed.optimizer_g.state  # the moments came back with the checkpoint
    # The same architecture spelt out in the model section resumes; other discriminators do not.
    spelt = tiny(photos, "gated", steps=4)
    spelt["model"] = {**spelt["model"], **{k: v for k, v in model_config_dict(resumed.generator).items()
                                           if k != "name"}}
    assert Trainer(config_from_dict(spelt), tmp_path).resume() == 2
    with pytest.raises(UserError, match="trained with other discriminators"):
        Trainer(config_from_dict(tiny(photos, "gated", steps=4, gan="none")), tmp_path).resume()
    wider = tiny(photos, "gated", steps=4)
    wider["discriminator"] = {"width": 8}
    with pytest.raises(UserError, match="trained with other discriminators"):
        Trainer(config_from_dict(wider), tmp_path).resume()


def test_export_writes_weights_that_load_back(photos, tmp_path):
    trainer = Trainer(config_from_dict(tiny(photos, "aff", steps=2)), tmp_path)
    trainer.train()
    from inpaintkit.weights import load_weights, read_metadata

    assert main(["export", str(tmp_path), "-o", str(tmp_path / "aff.safetensors")]) == 0
    assert main(["export", str(tmp_path / "checkpoint.pt"), "-o", str(tmp_path / "aff32.safetensors"), "--fp32"]) == 0
    half, full = load_weights(tmp_path / "aff.safetensors"), load_weights(tmp_path / "aff32.safetensors")
    expected = trainer.generator.state_dict()
    for key, value in full.state_dict().items():
        assert torch.equal(value, expected[key]), key
        if value.is_floating_point():
            assert torch.allclose(half.state_dict()[key], value, atol=1e-3, rtol=1e-3), key
    assert read_metadata(tmp_path / "aff.safetensors")["step"] == "2"


DDP_SCRIPT = textwrap.dedent(
    """
    import sys, torch
    from inpaintkit.training import distributed
    from inpaintkit.training.config import config_from_dict
    from inpaintkit.training.trainer import Trainer
    import yaml

    config = config_from_dict(yaml.safe_load(open(sys.argv[1])))
    context = distributed.setup("cpu")
    trainer = Trainer(config, sys.argv[2], context=context)
    batch = trainer.loader(config.train.steps).batch_sampler.batch(0)
    trainer.train()
    torch.save({"generator": trainer.generator.state_dict(), "d": trainer.discriminators.state_dict(),
                "batch0": batch, "world": context.world_size}, f"{sys.argv[2]}/rank{context.rank}.pt")
    distributed.teardown(context)
    """
)


def test_ddp_two_cpu_ranks_stay_identical(photos, tmp_path):
    config = write_config(tmp_path / "tiny.yaml", tiny(photos, "gated", steps=3, checkpoint_every=3))
    script = tmp_path / "ddp_train.py"
    script.write_text(DDP_SCRIPT)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               str(script), str(config), str(tmp_path)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    assert ranks[0]["world"] == ranks[1]["world"] == 2
    assert not set(map(tuple, ranks[0]["batch0"])) & set(map(tuple, ranks[1]["batch0"]))  # sharded
    for part in ("generator", "d"):
        for key, value in ranks[0][part].items():
            assert torch.equal(value, ranks[1][part][key]), f"{part}.{key} differs between ranks"
    assert load_checkpoint(tmp_path)["step"] == 3  # rank 0 wrote the checkpoint


@pytest.mark.parametrize("name", ["gated", "pyramid", "aff", "pyramid-cpu", "pyramid-preview", "pyramid-gpu",
                                  "pyramid-residual"])
def test_shipped_configs_are_valid_and_build(name):
    config = load_config(ROOT / "configs" / f"{name}.yaml")
    assert config.train.lr_g > 0 and config.data.subset == "train" and config.data.split == "configs/split.yaml"
    from inpaintkit.models.registry import create_model

    options = dict(config.model)
    model = create_model(options.pop("name"), **options)
    assert config.data.crop_size % model.size_multiple == 0


@pytest.mark.parametrize("shipped, model", [("pyramid", None), ("aff", "aff")])
def test_gpu_recipe_builds_the_shipped_architectures(shipped, model):
    """configs/pyramid-gpu.yaml (with ``--model`` where the card says so) must rebuild the
    exact architecture of the shipped file, or the card's "reproduce" line is wrong."""
    from inpaintkit.models.registry import create_model, model_config_dict
    from inpaintkit.weights import load_weights, shipped_weights_path

    path = shipped_weights_path(shipped)
    if path is None:
        pytest.skip(f"no shipped {shipped} weights")
    options = dict(load_config(ROOT / "configs" / "pyramid-gpu.yaml").model)
    name = options.pop("name")
    recipe = create_model(model or name, **options)
    assert model_config_dict(recipe) == model_config_dict(load_weights(path))


def test_gan_finetune_recipe_is_the_gpu_recipe_plus_a_gentle_adversarial_term():
    """The shipped pyramid is a blend of weights trained with configs/pyramid-gpu.yaml and
    their fine-tune with configs/pyramid-gan-finetune.yaml, which takes the first as its
    base: the resolved fine-tune recipe must differ only in the adversarial keys."""
    base = load_config(ROOT / "configs" / "pyramid-gpu.yaml").to_dict()
    tune = load_config(ROOT / "configs" / "pyramid-gan-finetune.yaml").to_dict()
    differing = {(section, key) for section in base for key in base[section]
                 if base[section][key] != tune[section][key]}
    assert differing == {("train", "gan"), ("train", "gan_weight"), ("train", "lr_g"), ("train", "betas")}
    assert tune["train"]["gan"] == "hinge" and 0 < tune["train"]["gan_weight"] <= 0.05
    assert tune["train"]["lr_g"] < base["train"]["lr_g"]


def test_a_config_file_can_take_its_recipe_from_a_base_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "base.yaml").write_text(
        "model: {name: gated, width: 8}\ndata: {crop_size: 64}\ntrain: {batch_size: 4, lr_g: 5.0e-4, gan: none}\n")
    (tmp_path / "variant.yaml").write_text("base: base.yaml\ntrain: {lr_g: 1e-4, gan: hinge}\n")
    (tmp_path / "grandchild.yaml").write_text("base: variant.yaml\ndata: {crop_size: 128}\n")
    config = load_config(tmp_path / "grandchild.yaml", ["train.batch_size=2"])
    assert config.model == {"name": "gated", "width": 8} and config.data.crop_size == 128
    assert (config.train.lr_g, config.train.gan, config.train.batch_size) == (1e-4, "hinge", 2)
    assert "base" not in config.to_dict()  # checkpoints record the resolved recipe
    (tmp_path / "loop.yaml").write_text("base: loop.yaml\nmodel: {name: gated}\n")
    with pytest.raises(UserError, match="its own base"):
        load_config(tmp_path / "loop.yaml")
    (tmp_path / "orphan.yaml").write_text("base: missing.yaml\nmodel: {name: gated}\n")
    with pytest.raises(UserError, match=r"base: missing.yaml of the config file .*orphan.yaml is not a file"):
        load_config(tmp_path / "orphan.yaml")
    # Run from elsewhere, a shipped config still finds its base (configs/… from the checkout).
    monkeypatch.chdir(tmp_path.parent)
    shipped = Path(__file__).resolve().parents[1] / "configs" / "pyramid-gan-finetune.yaml"
    assert load_config(shipped).model["name"] == "pyramid-aff"


def test_config_rejects_misspelt_keys():
    with pytest.raises(UserError, match="lr_gen"):
        config_from_dict({"model": {"name": "gated"}, "train": {"lr_gen": 1e-4}})
    with pytest.raises(UserError, match="gan"):
        config_from_dict({"model": {"name": "gated"}, "train": {"gan": "lsgan"}})
    with pytest.raises(UserError, match="known_weight"):
        config_from_dict({"model": {"name": "gated"}, "train": {"known_weight": 2}})
    with pytest.raises(UserError, match="data.masks"):
        config_from_dict({"model": {"name": "gated"}, "data": {"masks": "boxes"}})
    with pytest.raises(UserError, match="train.lr_g must be a number"):
        config_from_dict({"model": {"name": "gated"}, "train": {"lr_g": "fast"}})
    with pytest.raises(UserError, match="train.batch_size must be a whole number"):
        config_from_dict({"model": {"name": "gated"}, "train": {"batch_size": 2.5}})
    with pytest.raises(UserError, match="train.betas must be a pair of numbers"):
        config_from_dict({"model": {"name": "gated"}, "train": {"betas": 0.5}})


def test_a_learning_rate_without_a_dot_is_a_number():
    """YAML 1.1 reads ``1e-4`` as a string; the config must make it the float it means."""
    config = config_from_dict(yaml.safe_load("model: {name: gated}\ntrain: {lr_g: 1e-4, gan_weight: 2}"))
    assert config.train.lr_g == 1e-4 and isinstance(config.train.gan_weight, float)


def test_training_holes_follow_the_configs_masks(photos, tmp_path):
    """data.masks reaches the loader: strokes alone leave small holes, DeepFill's box ∪
    strokes always hold a 32² crop's box (16 px, less up to 2 px from each side: ≥ 12²)."""
    def hole_ratios(masks: str) -> np.ndarray:
        config = tiny(photos)
        config["data"]["masks"] = masks
        dataset = Trainer(config_from_dict(config), tmp_path / masks).dataset
        return np.array([dataset[i, epoch]["mask"].mean().item() for epoch in range(10) for i in range(4)])

    deepfill, strokes = hole_ratios("deepfill"), hole_ratios("strokes")
    assert deepfill.min() >= 12**2 / 32**2
    assert np.median(strokes) < np.median(deepfill)


@pytest.mark.gpu
@pytest.mark.parametrize("amp", ["bf16", "fp16"])
def test_mixed_precision_trains_on_cuda(amp, photos, tmp_path):
    trainer = Trainer(config_from_dict(tiny(photos, "pyramid", amp=amp)), tmp_path, device="cuda")
    batch = default_collate([trainer.dataset[i] for i in range(2)])
    l1 = [trainer.train_step(batch)["l1"] for _ in range(20)]
    assert all(torch.isfinite(torch.tensor(l1))) and sum(l1[-3:]) < sum(l1[:3])


@pytest.mark.gpu
def test_resume_on_cuda(photos, tmp_path):
    """A checkpoint written on a GPU resumes there (its RNG states must stay CPU tensors)."""
    config = write_config(tmp_path / "tiny.yaml", tiny(photos, "pyramid", gan="none", steps=2))
    run = str(tmp_path / "run")
    assert main(["train", str(config), "--out", run, "--device", "cuda", "--steps", "1"]) == 0
    assert main(["train", str(config), "--out", run, "--device", "cuda", "--resume"]) == 0
    assert load_checkpoint(run)["step"] == 2


@pytest.mark.slow
@pytest.mark.shared_photos  # the recipe's data.root is ../shared/data/photos
def test_cpu_recipe_trains_and_exports_end_to_end(tmp_path, monkeypatch):
    """The shipped CPU recipe on the real photos, a few steps, then export (~minutes)."""
    monkeypatch.chdir(ROOT)  # the recipe's paths are relative to the repository root
    run = tmp_path / "run"
    assert main(["train", str(ROOT / "configs" / "pyramid-cpu.yaml"), "--steps", "3", "--out", str(run)]) == 0
    assert main(["export", str(run), "-o", str(tmp_path / "pyramid.safetensors")]) == 0
    from inpaintkit.weights import load_weights

    assert load_weights(tmp_path / "pyramid.safetensors").structure_scale == 0.25
