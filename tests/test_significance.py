"""inpaintkit.evaluation.significance: paired bootstrap comparisons of benchmark methods."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from inpaintkit.evaluation.significance import bootstrap_interval, compare

ROOT = Path(__file__).resolve().parents[1]


def _case(photo: str, method: str, l1: float, psnr, error=None, group="10-20%") -> dict:
    return {"protocol": "freeform", "group": group, "photo": photo, "method": method,
            "scores": None if error else {"l1": l1, "psnr": psnr}, "error": error}


def _results(a_l1, b_l1, a_psnr=None, b_psnr=None) -> dict:
    cases = []
    for index, (first, second) in enumerate(zip(a_l1, b_l1)):
        cases.append(_case(f"p{index}", "a", first, a_psnr[index] if a_psnr else 30.0))
        cases.append(_case(f"p{index}", "b", second, b_psnr[index] if b_psnr else 30.0))
    return {"cases": cases}


def test_a_clear_difference_is_separated_and_a_tie_is_not():
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 0.001, 12)
    clear = bootstrap_interval(0.01 + noise)
    tie = bootstrap_interval(noise - noise.mean())
    assert 0 < clear[0] < 0.01 < clear[1]
    assert tie[0] < 0 < tie[1]
    # The interval narrows as the spread falls: a tenth of the noise, about a tenth the width.
    narrow = bootstrap_interval(0.01 + noise / 10)
    assert (narrow[1] - narrow[0]) == pytest.approx((clear[1] - clear[0]) / 10, rel=0.05)


def test_identical_differences_give_a_point_interval():
    assert bootstrap_interval([0.5, 0.5, 0.5]) == (0.5, 0.5)
    with pytest.raises(ValueError, match="two"):
        bootstrap_interval([0.5])


def test_compare_pairs_photos_and_counts_wins_by_the_metrics_direction():
    # a has the lower (better) L1 on 3 of 4 photos, and the lower (worse) PSNR on all 4.
    results = _results([0.1, 0.1, 0.1, 0.3], [0.2, 0.2, 0.2, 0.2], [20, 20, 20, 20], [25, 26, 27, 28])
    rows = {row.metric: row for row in compare(results, "a", "b", ["l1", "psnr"])}
    assert rows["l1"].a_better == 3 and rows["l1"].count == 4
    assert rows["l1"].mean_difference == pytest.approx(-0.05)
    assert rows["psnr"].a_better == 0
    assert rows["psnr"].mean_difference == pytest.approx(-6.5)
    assert rows["psnr"].separated and rows["psnr"].high < 0


def test_the_gradient_ratio_is_better_nearer_one():
    """Below 1 smears, above 1 invents detail: a wins where it is closer to 1, either side."""
    cases = []
    for index, (first, second) in enumerate([(0.9, 0.5), (1.1, 1.6), (0.4, 0.8), (1.3, 0.95)]):
        for method, value in (("a", first), ("b", second)):
            cases.append({"protocol": "freeform", "group": "10-20%", "photo": f"p{index}", "method": method,
                          "scores": {"gradient_ratio_hole": value}, "error": None})
    (row,) = compare({"cases": cases}, "a", "b", ["gradient_ratio_hole"])
    assert row.a_better == 2 and row.count == 4
    assert row.mean_difference == pytest.approx((0.4 - 0.5 - 0.4 + 0.35) / 4)


def test_failed_and_infinite_cases_drop_out_of_the_pairs():
    results = _results([0.1, 0.1, 0.1], [0.2, 0.2, 0.2])
    results["cases"][0] = _case("p0", "a", 0.0, None, error="out of memory")
    results["cases"][3]["scores"]["psnr"] = None  # b filled p1 perfectly: PSNR stored as null
    rows = {row.metric: row for row in compare(results, "a", "b", ["l1", "psnr"])}
    assert rows["l1"].count == 2
    assert "psnr" not in rows  # one pair left: no interval
    with pytest.raises(ValueError, match="no cases of method 'c'"):
        compare(results, "a", "c")


def test_the_benchmark_script_prints_a_row_per_group_and_metric(tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(_results([0.1, 0.12, 0.11], [0.2, 0.21, 0.19])))
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "paired_bootstrap.py"), str(path),
                          "a", "b", "--metrics", "l1", "--resamples", "2000"],
                         capture_output=True, text=True, check=True)
    rows = [line for line in run.stdout.splitlines() if line.startswith("| freeform")]
    assert rows == [rows[0]] and "| l1 | -0.09000 |" in rows[0] and "| 3/3 | yes |" in rows[0]
    bad = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "paired_bootstrap.py"),
                          str(tmp_path / "missing.json"), "a", "b"], capture_output=True, text=True)
    assert bad.returncode == 2 and "error:" in bad.stderr
