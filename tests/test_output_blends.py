"""benchmarks/output_blends.py: detail transfer keeps the smooth fill's low frequencies and
adds the sharp fill's high ones; the table averages per bucket; bad input is one line."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "output_blends.py"


@pytest.fixture(scope="module")
def script(load_benchmark):
    return load_benchmark("output_blends")


def _step_edge(size=64, low=60, high=200):
    image = np.full((size, size, 3), low, np.uint8)
    image[:, size // 2:] = high
    return image


def test_detail_transfer_of_an_image_onto_itself_returns_it(script):
    image = _step_edge()
    assert np.abs(script.detail_transfer(image, image, 2.0, 1.0).astype(int) - image).max() <= 1


def test_detail_transfer_puts_the_sharp_edge_on_the_smooth_fill(script):
    sharp = _step_edge()
    smooth = script.to_uint8(script.low_pass(sharp, 4.0))  # the same edge, blurred
    jump = lambda image: int(image[32, 33, 0]) - int(image[32, 30, 0])  # noqa: E731
    full = script.detail_transfer(smooth, sharp, 2.0, 1.0)
    half = script.detail_transfer(smooth, sharp, 2.0, 0.5)
    assert jump(smooth) < jump(half) < jump(full)
    assert jump(full) > 2 * jump(smooth)  # 100 against 42 grey levels across the edge
    # Far from the edge the low frequencies are the smooth fill's: a flat colour stays.
    assert abs(int(full[32, 5, 0]) - int(smooth[32, 5, 0])) <= 1


def test_combinations_name_every_row_and_use_the_given_base(script):
    rows = script.combinations([1.0, 2.0], "A")
    assert list(rows) == ["mean A,B", "low(A)+high(B) σ1", "low(A)+½high(B) σ1",
                          "low(A)+high(B) σ2", "low(A)+½high(B) σ2"]
    fills = {"A": np.zeros((8, 8, 3), np.uint8), "B": np.full((8, 8, 3), 100, np.uint8)}
    assert (rows["mean A,B"](fills) == 50).all()
    assert (rows["low(A)+high(B) σ1"](fills) == 0).all()  # B is flat: it has no detail to give
    from_ns = script.combinations([2.0], "weight blend", detail="ns")
    assert list(from_ns)[1:] == ["low(weight blend)+high(ns) σ2", "low(weight blend)+½high(ns) σ2"]
    edge = {"weight blend": np.zeros((64, 64, 3), np.uint8), "ns": _step_edge()}
    assert from_ns["low(weight blend)+high(ns) σ2"](edge).max() > 50  # ns's edge was added


def test_table_averages_each_bucket(script):
    def scores(value):
        return {"ssim": value, "psnr": 20 + value, "l1": value / 10, "edge_f1_hole": value,
                "gradient_ratio_hole": float("nan") if value == 0.5 else value}
    table = script.table({("ns", "10-20%"): [scores(0.5), scores(0.7)], ("ns", "20-30%"): [scores(0.9)]})
    lines = table.splitlines()
    assert lines[0] == "| fill | 10-20% | 20-30% |"
    assert lines[2] == "| ns | 0.6000 / 20.60 / 0.0600, 0.600 / 0.70 | 0.9000 / 20.90 / 0.0900, 0.900 / 0.90 |"


def test_missing_weights_is_one_line_and_exit_2(tmp_path, photos_dir, test_split):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "a.safetensors"), str(tmp_path / "b.safetensors"),
         "--photos", str(photos_dir), "--split", str(test_split)],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("error:") and len(result.stderr.strip().splitlines()) == 1
