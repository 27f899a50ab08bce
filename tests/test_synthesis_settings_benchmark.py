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


def test_a_bucket_outside_one_to_a_hundred_percent_is_refused(script):
    for text in ("30-20", "0.2-0.3", "20-120"):
        with pytest.raises(SystemExit, match="1 <= LOW < HIGH <= 100"):
            script.parse_buckets(text)


def test_each_seed_scores_its_own_synthesis_and_the_unseeded_methods_count_once_for_all(script, monkeypatch, tmp_path):
    import cv2
    import numpy as np

    photos = []
    for index in range(2):
        path = tmp_path / f"photo{index}.png"
        cv2.imwrite(str(path), np.full((64, 64, 3), 100 + 50 * index, np.uint8))
        photos.append(path)
    masks = [np.zeros((512, 512), np.uint8) for _ in photos]
    for mask in masks:
        mask[200:300, 200:300] = 1
    calls = []

    def fill(method, image, hole, guide, settings, seed):
        # Each seed paints the hole a different grey, so its PSNR tells the seeds apart.
        calls.append((method, seed))
        out = image.copy()
        out[hole] = image[hole].astype(int)[0] + 10 * (seed + 1) if method == "detail" else image[hole]
        return out

    monkeypatch.setattr(script, "_fill", fill)
    scores, rows = script._score_bucket(photos, masks, lambda image, hole: image, ["detail", "pm"],
                                        None, [0, 1, 2], with_sheet=True)
    assert calls.count(("pm", 0)) == 2 and not any(m == "pm" and s != 0 for m, s in calls)
    assert [s for m, s in calls if m == "detail"] == [0, 1, 2, 0, 1, 2]
    psnr = {seed: scores[("detail", seed)][0]["psnr"] for seed in (0, 1, 2)}
    assert psnr[0] > psnr[1] > psnr[2]  # 10, 20 and 30 grey levels off in the hole
    assert [scores[("pm", seed)] for seed in (1, 2)] == [scores[("pm", 0)]] * 2
    assert len(rows) == 2 and rows[0].shape == (256, 256 * 4, 3)
