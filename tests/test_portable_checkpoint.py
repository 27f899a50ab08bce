"""Portable checkpoints: generator and discriminators in parts a lent GPU machine can return."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml

from inpaintkit.cli import main
from inpaintkit.data import find_images
from inpaintkit.errors import UserError
from inpaintkit.training.checkpoint import load_checkpoint
from inpaintkit.training.config import config_from_dict, load_config
from inpaintkit.training.portable import PART_BYTES, is_portable, load_portable, save_portable
from inpaintkit.training.trainer import Trainer
from inpaintkit.weights import load_weights

ROOT = Path(__file__).resolve().parents[1]


def tiny_gan(photos: list[Path], steps: int = 2, discriminator_width: int = 4) -> dict:
    return {
        "model": {"name": "aff", "width": 4},  # AFF's batch norms: integer buffers in the generator
        "discriminator": {"width": discriminator_width},
        "data": {"root": [str(p) for p in photos], "crop_size": 32, "split": None, "subset": None},
        "train": {"steps": steps, "batch_size": 2, "lr_g": 1e-3, "lr_d": 1e-3, "gan": "hinge",
                  "checkpoint_every": 2, "log_every": 1, "sample_every": 100, "num_workers": 0},
    }


@pytest.fixture(scope="module")
def trained(photos_dir, tmp_path_factory) -> tuple[Path, Path, list[Path]]:
    """A 2-step adversarial run: (its folder, its config file, the photos)."""
    photos = find_images(photos_dir)[:3]
    folder = tmp_path_factory.mktemp("portable")
    config = folder / "tiny.yaml"
    config.write_text(yaml.safe_dump(tiny_gan(photos)))
    assert main(["train", str(config), "--out", str(folder / "run")]) == 0
    return folder / "run", config, photos


def fp16_close(rounded: torch.Tensor, exact: torch.Tensor) -> bool:
    return bool(((rounded - exact).abs() <= exact.abs() * 2**-11 + 3e-8).all())


def test_round_trip_keeps_the_generator_exactly_and_discriminators_to_fp16(trained, tmp_path):
    run, _, _ = trained
    state = load_checkpoint(run)
    paths = save_portable(state, tmp_path / "p", part_bytes=20_000)  # tiny parts: many of them
    assert len(paths) > 3 and is_portable(tmp_path / "p") and not is_portable(run)
    largest = max(v.numel() * 4 for v in state["generator"].values())
    for path in paths:  # a part's tensors overflow only as one tensor larger than the limit
        header = int.from_bytes(path.read_bytes()[:8], "little")  # safetensors: 8-byte length, JSON, data
        assert path.stat().st_size - 8 - header <= max(20_000, largest)
    back = load_portable(tmp_path / "p")
    assert back["step"] == state["step"] == 2 and back["config"] == state["config"]
    assert back["model_config"] == state["model_config"]
    assert back["generator"].keys() == state["generator"].keys()
    assert all(torch.equal(back["generator"][k], v) for k, v in state["generator"].items())
    assert all(back["generator"][k].dtype == v.dtype for k, v in state["generator"].items())
    assert any(not v.is_floating_point() for v in state["generator"].values())
    assert back["discriminators"].keys() == state["discriminators"].keys() and state["discriminators"]
    for key, exact in state["discriminators"].items():
        assert back["discriminators"][key].dtype == exact.dtype
        if exact.is_floating_point():
            assert fp16_close(back["discriminators"][key], exact), key
    # Rewriting in fewer parts leaves no stray part of the old split behind.
    assert len(save_portable(state, tmp_path / "p")) == 1
    assert [p.name for p in (tmp_path / "p").iterdir()] == ["part-1-of-1.safetensors"]


def test_init_from_a_portable_checkpoint_keeps_the_discriminators(trained, tmp_path, capsys):
    run, config, photos = trained
    assert main(["export", str(run), "--portable", "-o", str(tmp_path / "p")]) == 0
    state = load_portable(tmp_path / "p")
    trainer = Trainer(config_from_dict(tiny_gan(photos)), tmp_path / "probe")
    fresh = {k: v.clone() for k, v in trainer.discriminators.state_dict().items()}
    assert trainer.init_from_weights(tmp_path / "p") == 2
    assert all(torch.equal(v, state["generator"][k]) for k, v in trainer.generator.state_dict().items())
    kept = trainer.discriminators.state_dict()
    assert all(torch.equal(v, state["discriminators"][k]) for k, v in kept.items())
    assert any(not torch.equal(v, fresh[k]) for k, v in kept.items())  # not the random start
    # The CLI goes on from it, says so, and trains the next step.
    capsys.readouterr()
    assert main(["train", str(config), "--out", str(tmp_path / "next"), "--steps", "3",
                 "--init", str(tmp_path / "p")]) == 0
    assert "discriminators kept" in capsys.readouterr().out
    assert load_checkpoint(tmp_path / "next")["step"] == 3
    # A portable checkpoint without discriminators (an L1 run) starts fresh ones, and says nothing of keeping.
    l1_only = load_checkpoint(run)
    save_portable(dict(l1_only, discriminators={}), tmp_path / "g")
    again = Trainer(config_from_dict(tiny_gan(photos)), tmp_path / "probe2")
    assert again.init_from_weights(tmp_path / "g") == 2 and not again.discriminators_kept
    assert trainer.discriminators_kept


def test_a_portable_checkpoint_exports_the_same_weights_as_its_run(trained, tmp_path):
    run, _, _ = trained
    assert main(["export", str(run), "--portable", "-o", str(tmp_path / "p")]) == 0
    assert main(["export", str(run), "--fp32", "-o", str(tmp_path / "a.safetensors")]) == 0
    assert main(["export", str(tmp_path / "p"), "--fp32", "-o", str(tmp_path / "b.safetensors")]) == 0
    a, b = (load_weights(tmp_path / n).state_dict() for n in ("a.safetensors", "b.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_export_never_writes_over_its_checkpoint(trained, tmp_path, capsys):
    run, _, _ = trained
    before = (run / "checkpoint.pt").read_bytes()
    assert main(["export", str(run), "-o", str(run / "checkpoint.pt")]) == 2
    assert f"would replace the input {run}" in capsys.readouterr().err
    assert main(["export", str(run), "--portable", "-o", str(run)]) == 2
    assert (run / "checkpoint.pt").read_bytes() == before
    assert main(["export", str(run), "-o", str(tmp_path)]) == 2
    assert "is an existing folder" in capsys.readouterr().err


def test_export_refuses_what_is_no_training_checkpoint_and_a_bad_max_side(trained, tmp_path, capsys):
    run, config, _ = trained
    torch.save({"state_dict": {}}, tmp_path / "foreign.pt")
    for source in (tmp_path / "foreign.pt",):
        for extra in ([], ["--portable"]):
            target = tmp_path / ("p" if extra else "w.safetensors")
            assert main(["export", str(source), *extra, "-o", str(target)]) == 2
            assert f"{source} is no inpaintkit training checkpoint (it lacks " in capsys.readouterr().err
            assert not target.exists()
    assert main(["export", str(run), "--max-side", "-5", "-o", str(tmp_path / "w.safetensors")]) == 2
    assert "must be from 32 to 4096 pixels; got -5." in capsys.readouterr().err
    (tmp_path / "afile").write_text("")
    assert main(["train", str(config), "--out", str(tmp_path / "afile")]) == 2
    assert f"--out {tmp_path / 'afile'} is a file; give a folder for the run" in capsys.readouterr().err


def test_a_checkpoint_loaded_as_weights_is_told_to_be_exported(trained, tmp_path):
    run, _, _ = trained
    with pytest.raises(UserError, match=r"if it is a training checkpoint, turn it into weights with `inpaintkit export"):
        load_weights(run / "checkpoint.pt")
    assert main(["export", str(run), "--portable", "-o", str(tmp_path / "p")]) == 0
    part = next((tmp_path / "p").glob("part-*.safetensors"))
    with pytest.raises(UserError, match=rf"one part of a portable training checkpoint, not weights; .*export {tmp_path / 'p'} "):
        load_weights(part)


def test_broken_or_mismatched_portable_checkpoints_are_one_line_errors(trained, tmp_path, capsys):
    run, config, photos = trained
    state = load_checkpoint(run)
    parts = len(save_portable(state, tmp_path / "p", part_bytes=20_000))
    (tmp_path / "p" / f"part-2-of-{parts}.safetensors").unlink()
    with pytest.raises(UserError, match="incomplete portable checkpoint"):
        load_portable(tmp_path / "p")
    # A part of another checkpoint (another step) does not belong.
    save_portable(state, tmp_path / "q", part_bytes=20_000)
    save_portable(dict(state, step=7), tmp_path / "r", part_bytes=20_000)
    name = f"part-1-of-{parts}.safetensors"
    (tmp_path / "r" / name).replace(tmp_path / "q" / name)
    with pytest.raises(UserError, match="does not belong"):
        load_portable(tmp_path / "q")
    with pytest.raises(UserError, match="no portable checkpoint"):
        load_portable(tmp_path)
    # A truncated part (a copy that broke off) is named, not a safetensors traceback.
    save_portable(state, tmp_path / "cut", part_bytes=20_000)
    broken = tmp_path / "cut" / f"part-3-of-{parts}.safetensors"
    broken.write_bytes(broken.read_bytes()[:100])
    with pytest.raises(UserError, match=f"part-3-of-{parts}.safetensors is not a readable"):
        load_portable(tmp_path / "cut")
    # Discriminators of another width: refused with the config named, not a traceback.
    save_portable(state, tmp_path / "good")
    wide = Trainer(config_from_dict(tiny_gan(photos, discriminator_width=8)), tmp_path / "probe")
    with pytest.raises(UserError, match="discriminators do not fit"):
        wide.init_from_weights(tmp_path / "good")
    # A run folder is not a portable checkpoint: the error says how to make one.
    with pytest.raises(UserError, match="not a portable checkpoint.*export .* --portable"):
        wide.init_from_weights(run)
    # --portable writes a folder: the weights-file options are refused.
    assert main(["export", str(run), "--portable", "--fp32", "-o", str(tmp_path / "x")]) == 2
    assert "--portable" in capsys.readouterr().err


def test_the_adversarial_recipes_portable_checkpoint_fits_a_lent_machines_return(tmp_path):
    """configs/pyramid-gan-finetune.yaml: 176 MiB as an exact checkpoint; its portable
    parts must come back (at most 8 files of 16 MiB, 64 MiB in all) beside the fp16 export."""
    recipe = load_config(ROOT / "configs" / "pyramid-gan-finetune.yaml", ["train.amp=none"])  # bf16 is CUDA only
    trainer = Trainer(recipe, tmp_path / "run", device="cpu")
    assert len(trainer.discriminators) == 2
    paths = save_portable(trainer.state_dict(), tmp_path / "p")
    sizes = [p.stat().st_size for p in paths]
    assert all(size <= PART_BYTES + 65536 for size in sizes) and PART_BYTES < 16 * 2**20
    assert len(paths) <= 4 and sum(sizes) < 40 * 2**20, [s / 2**20 for s in sizes]


def test_a_file_that_is_no_checkpoint_is_named_in_one_plain_sentence(tmp_path):
    photo = tmp_path / "text.jpg"
    photo.write_text("not a checkpoint at all")
    with pytest.raises(UserError) as refused:
        load_checkpoint(photo)
    # Not the unpickler's "invalid load key, 'n'" or a bare number.
    assert str(refused.value) == (f"{photo} is not a readable inpaintkit checkpoint (not a file written by "
                                  "inpaintkit train, or damaged).")
