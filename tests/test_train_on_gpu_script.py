"""scripts/train_on_gpu.sh, run on the CPU with a tiny recipe: what it leaves in DEST is
what a lent GPU machine can return (at most 8 files of 16 MiB), and its portable checkpoint
starts the next session with the discriminators it trained."""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

from inpaintkit.data import find_images
from inpaintkit.training.checkpoint import load_checkpoint
from inpaintkit.training.portable import load_portable

ROOT = Path(__file__).resolve().parents[1]


def run_script(tmp_path: Path, dest: Path, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHON": sys.executable, "OMP_NUM_THREADS": "1",
                   "PYTHONPATH": str(ROOT / "src"), **env}
    return subprocess.run(["bash", str(ROOT / "scripts" / "train_on_gpu.sh"), "1", str(dest)],
                          cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300)


def test_script_returns_fp16_weights_a_portable_checkpoint_and_logs(photos_dir, tmp_path):
    photos = [str(p) for p in find_images(photos_dir)[:3]]
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump({
        "model": {"name": "gated", "width": 4}, "discriminator": {"width": 4},
        "data": {"root": photos, "crop_size": 32, "split": None, "subset": None},
        "train": {"steps": 2, "batch_size": 2, "gan": "hinge", "checkpoint_every": 2,
                  "sample_every": 100, "num_workers": 0},
    }))
    dest = tmp_path / "out"
    done = run_script(tmp_path, dest, MODELS="gated aff", CONFIG=str(config), CHECK_PHOTOS=str(photos_dir))
    assert done.returncode == 0, done.stdout + done.stderr
    # The stage check ran on both exports: two rows per model (coarse, refine) and the attention.
    assert done.stdout.count("output change when zeroed") == 2
    assert f"| {dest / 'aff.safetensors'} | 2 | net.refine |" in done.stdout
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert files == ["aff.safetensors", "gated-portable/part-1-of-1.safetensors", "gated.safetensors",
                     "logs.tar.gz"]
    with tarfile.open(dest / "logs.tar.gz") as archive:
        names = archive.getnames()
    assert "runs/gpu-gated/train.log" in names and any("gpu-aff/tensorboard" in n for n in names)
    assert load_portable(dest / "gated-portable")["discriminators"]

    # The next session: INIT= the portable folder, in a fresh place; the first run's
    # discriminators, not random ones, are where it starts.
    later = tmp_path / "later"
    later.mkdir()
    config_more = yaml.safe_load(config.read_text())
    config_more["train"]["steps"] = 3
    (later / "tiny.yaml").write_text(yaml.safe_dump(config_more))
    done = run_script(later, later / "out", MODELS="gated", CONFIG=str(later / "tiny.yaml"),
                      INIT=str(dest / "gated-portable"))
    assert done.returncode == 0, done.stdout + done.stderr
    train_log = (later / "runs" / "gpu-gated" / "train.log").read_text()
    assert "step 2, discriminators kept" in train_log
    assert load_checkpoint(later / "runs" / "gpu-gated")["step"] == 3
