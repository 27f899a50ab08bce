"""benchmarks/stage_corrections.py: a stage that adds nothing, a stage that adds a constant
and a stage that adapts to its input are told apart."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from inpaintkit.models.registry import create_model

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "stage_corrections.py"


@pytest.fixture(scope="module")
def script(load_benchmark):
    return load_benchmark("stage_corrections")


def _inputs(size=64):
    torch.manual_seed(0)
    images = torch.rand(3, 3, size, size) * 2 - 1
    mask = torch.zeros(3, 1, size, size)
    mask[..., 16:40, 20:44] = 1
    return images, mask


def test_untrained_constant_and_adaptive_stages(script):
    model = create_model("pyramid", width=4, residual=True, base="harmonic").eval()
    images, mask = _inputs()
    untrained = script.stage_corrections(model, images, mask)
    assert set(untrained) == {"layers_below.0.decoder.to_rgb", "layers_below.1.decoder.to_rgb",
                              "top.coarse.decoder.to_rgb", "top.refine.decoder.to_rgb"}
    assert all(size == 0 and spread == 0 for size, spread in untrained.values())  # zero output convs

    with torch.no_grad():
        model.layers_below[1].decoder.to_rgb.bias.fill_(0.1)  # a constant correction: a dead stage
        torch.nn.init.normal_(model.top.refine.decoder.to_rgb.weight, std=0.1)  # reads its features
    table = script.stage_corrections(model, images, mask)
    size, spread = table["layers_below.1.decoder.to_rgb"]
    assert size == pytest.approx(0.1, abs=1e-6) and spread < 1e-6
    size, spread = table["top.refine.decoder.to_rgb"]
    assert size > 1e-3 and spread > 1e-3


def test_attention_reliance_tells_a_used_attention_from_a_cut_one(script):
    model = create_model("pyramid", width=4, residual=True, base="harmonic").eval()
    images, mask = _inputs()
    refine = model.top.refine
    with torch.no_grad():
        torch.nn.init.normal_(refine.decoder.to_rgb.weight, std=0.1)
    used = script.attention_reliance(model, images, mask)
    assert list(used) == ["top.refine.attention"]
    assert used["top.refine.attention"] > 1e-4

    with torch.no_grad():  # the decoder no longer reads the attention path's channels
        start = refine.conv_encoder.out_channels
        refine.decoder.conv11.conv.weight[:, start:start + refine.after_attention[-1].out_ch] = 0
    assert script.attention_reliance(model, images, mask)["top.refine.attention"] == 0.0


def test_the_script_reports_a_missing_photo_folder(tmp_path):
    run = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "w.safetensors"),
                          "--photos", str(tmp_path / "nowhere")], capture_output=True, text=True)
    assert run.returncode == 2 and "error:" in run.stderr


def test_the_script_reports_a_missing_checkpoint(photos_dir, tmp_path):
    run = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), "--photos", str(photos_dir), "--count", "1",
                          "--size", "64"], capture_output=True, text=True)
    assert run.returncode == 2 and "No checkpoint at" in run.stderr and "Traceback" not in run.stderr
