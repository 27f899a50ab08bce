"""benchmarks/synthesis_settings.py: the buckets it reads, and the line that averages the
synthesis over seeds (the figures a settings comparison rests on)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def script(load_benchmark):
    return load_benchmark("synthesis_settings")


def test_buckets_are_read_in_percent_and_all_is_the_benchmarks_three(script):
    assert script.parse_buckets("20-30") == [(0.2, 0.3)]
    assert script.parse_buckets("10-20,30-40") == [(0.1, 0.2), (0.3, 0.4)]
    assert script.parse_buckets("all") == [(0.1, 0.2), (0.2, 0.3), (0.3, 0.4)]
    with pytest.raises(SystemExit, match="LOW-HIGH"):
        script.parse_buckets("twenty")


def _score(psnr, f1):
    return {"psnr": psnr, "ssim": 0.9, "l1": 0.02, "edge_f1_hole": f1, "gradient_ratio_hole": 0.8, "seconds": 1.0}


def test_the_summary_is_the_mean_of_the_seeds_means_with_edge_f1s_range(script):
    # Seed 0 scores two photos (F1 0.6 and 0.8, mean 0.7), seed 1 two others (mean 0.5).
    line = script._summary("detail", [[_score(20.0, 0.6), _score(22.0, 0.8)], [_score(24.0, 0.4), _score(26.0, 0.6)]])
    assert "PSNR 23.00" in line
    assert "edge F1 0.600 (seeds 0.500–0.700)" in line
    assert "gradient ratio 0.80" in line


def test_a_missing_edge_score_is_left_out_of_its_seeds_mean(script):
    # A hole without truth edges has no gradient ratio (NaN): the mean is of the others.
    scores = [_score(20.0, 0.6), {**_score(20.0, 0.8), "gradient_ratio_hole": float("nan")}]
    assert "gradient ratio 0.80" in script._summary("pm", [scores])


def test_an_unknown_setting_is_named(script):
    with pytest.raises(SystemExit, match="unknown setting 'radius'"):
        script.parse_settings(["radius=4"])
    assert script.parse_settings(["em_iterations=8", "coherence=0.15"]).em_iterations == 8
