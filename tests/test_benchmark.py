"""The benchmark runner, reports and CLI: failures are per image, outputs are composited,
the hole never reaches a method, and the CLI writes every promised file."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from inpaintkit.cli import main
from inpaintkit.errors import UserError
from inpaintkit.evaluation.methods import FunctionMethod, create_method, create_methods
from inpaintkit.evaluation.protocols import PROTOCOLS
from inpaintkit.evaluation.report import markdown_report, to_json, write_report, zoomed
from inpaintkit.evaluation.resources import measure
from inpaintkit.evaluation.metrics import METRIC_NAMES
from inpaintkit.evaluation.runner import CaseResult, Example, run_benchmark, summarize

from test_protocols import write_photos


def grey_fill(image, mask):
    return np.full_like(image, 128)


def test_a_method_that_crashes_on_one_image_fails_only_there(tmp_path):
    photos = write_photos(tmp_path, 3)

    def fragile(image, mask):
        if image[..., 2].max() == 80:  # photo2's tint (40·2): only that photo
            raise RuntimeError("boom")
        return grey_fill(image, mask)

    result = run_benchmark([PROTOCOLS["center"]], photos, [FunctionMethod("fragile", fragile),
                                                           FunctionMethod("grey", grey_fill)], size=64, progress=False)
    failed = [r for r in result.results if r.failed]
    assert [(r.method, r.photo) for r in failed] == [("fragile", "photo2.png")]
    assert failed[0].error == "RuntimeError: boom" and failed[0].scores is None
    assert len(result.results) == 6  # the run went on after the failure
    summary = {s.method: s for s in result.summaries("center")}
    assert (summary["fragile"].failed, summary["fragile"].count) == (1, 3)
    assert "failed: 1/3" in markdown_report(result) and "failed: 0/3" in markdown_report(result)
    assert result.examples[2].outputs["fragile"] is None  # shown as failed on the sheet


def test_wrong_output_shape_counts_as_a_failure(tmp_path):
    photos = write_photos(tmp_path, 1)
    result = run_benchmark([PROTOCOLS["center"]], photos, [FunctionMethod("small", lambda i, m: i[:10])],
                           size=64, progress=False)
    assert result.results[0].failed and "expected uint8 (64, 64, 3)" in result.results[0].error


def test_outputs_are_composited_and_the_hole_is_hidden(tmp_path):
    photos = write_photos(tmp_path, 1)
    seen = {}

    def spy(image, mask):
        seen["hole_pixels"] = image[mask != 0]
        return np.zeros_like(image)  # wrong everywhere, also outside the hole

    result = run_benchmark([PROTOCOLS["center"]], photos, [FunctionMethod("spy", spy)], size=64, progress=False)
    assert not seen["hole_pixels"].any()  # the method saw zeros in the hole
    record = result.results[0]
    # Known pixels came back from the truth, so all error lies in the hole.
    assert record.scores["l1"] == pytest.approx(record.scores["l1_hole"] * record.hole_ratio)
    assert record.scores["l1_hole"] > 0.2


def test_the_classical_fills_fill_a_smooth_image_well(tmp_path):
    photos = write_photos(tmp_path, 1)
    methods = create_methods("telea,ns,diffusion,push-pull") + [FunctionMethod("grey", grey_fill)]
    result = run_benchmark([PROTOCOLS["center"]], photos, methods, size=64, progress=False)
    psnr = {r.method: r.scores["psnr_hole"] for r in result.results}
    assert min(psnr[name] for name in ("telea", "ns", "diffusion", "push-pull")) > psnr["grey"] + 5
    assert all(r.seconds > 0 for r in result.results)


def test_patchmatch_is_seeded(tmp_path):
    pytest.importorskip("patchmatch")
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    mask = np.zeros((64, 64), np.uint8)
    mask[20:44, 20:44] = 1
    method = create_method("patchmatch")
    first, second = method(image, mask), method(image, mask)
    assert np.array_equal(first, second)
    assert np.array_equal(first[mask == 0], image[mask == 0])


def test_the_detail_methods_are_the_default_fill_and_the_bare_synthesis():
    from inpaintkit.weights import available_weights

    image = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    mask = np.zeros((64, 64), np.uint8)
    mask[20:44, 20:44] = 1
    synthesis = create_method("synthesis")
    filled = synthesis(image, mask)
    assert synthesis.name == "synthesis" and np.array_equal(filled[mask == 0], image[mask == 0])
    assert np.array_equal(filled, synthesis(image, mask))  # seeded
    if "pyramid" in available_weights():
        detail, network = create_method("detail:pyramid"), create_method("model:pyramid")
        assert (detail.name, detail.inpainter.detail) == ("detail:pyramid", "synthesis")
        assert (network.name, network.inpainter.detail) == ("pyramid", "none")


def test_unknown_method_and_missing_weights_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="unknown method"):
        create_method("magic:wand")
    with pytest.raises(UserError, match="does not exist"):
        create_method(f"weights:{tmp_path / 'none.safetensors'}")
    with pytest.raises(UserError, match="does not exist"):
        create_method(f"detail:{tmp_path / 'none.safetensors'}")
    with pytest.raises(UserError, match="twice"):
        create_methods("telea,telea")


def test_report_files_and_json(tmp_path):
    photos = write_photos(tmp_path / "photos", 2)
    methods = [FunctionMethod("grey", grey_fill), FunctionMethod("same", lambda i, m: i)]
    result = run_benchmark([PROTOCOLS["ratio-sweep"]], photos, methods, size=64, examples=2, progress=False)
    written = {p.name for p in write_report(result, tmp_path / "out")}
    assert written == {"results.md", "results.json", "ratio-sweep.png", "ratio-sweep-examples.png",
                       "ratio-sweep-examples-zoom.png"}
    for name in ("ratio-sweep.png", "ratio-sweep-examples.png", "ratio-sweep-examples-zoom.png"):
        assert (tmp_path / "out" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert len(data["cases"]) == 2 * 5 * 2 and len(data["summaries"]) == 5 * 2
    assert to_json(result) == data
    table = (tmp_path / "out" / "results.md").read_text()
    assert "| grey |" in table and "55% PSNR↑" in table and "time/image" in table
    assert "55% edge F1↑" in table and "gradient ratio→1" in table
    same = next(s for s in data["summaries"] if s["method"] == "same" and s["group"] == "15%")
    assert same["means"]["edge_f1_hole"] == 0.0  # the input's black hole: a seam, no edge continued
    assert same["means"]["gradient_ratio_hole"] > 2  # the hole's rim: a jump the smooth photo lacks


def test_a_metric_undefined_on_one_image_does_not_blank_the_group_mean():
    """A hole over a flat, blown-out sky has no gradient ratio (NaN); the group's mean is
    over the other images. A perfect fill's infinite PSNR still counts."""
    def case(photo, ratio, psnr=30.0):
        scores = {name: 0.5 for name in METRIC_NAMES} | {"gradient_ratio_hole": ratio, "psnr": psnr}
        return CaseResult("freeform", "10-20%", 15.0, photo, "m", 0.15, scores=scores, seconds=0.1)

    summary = summarize("freeform", "10-20%", 15.0, "m", [case("a", 0.2), case("b", math.nan), case("c", 0.4)])
    assert summary.means["gradient_ratio_hole"] == pytest.approx(0.3) and summary.means["l1"] == 0.5
    assert math.isnan(summarize("freeform", "10-20%", 15.0, "m", [case("b", math.nan)]).means["gradient_ratio_hole"])
    assert summarize("freeform", "10-20%", 15.0, "m", [case("a", 0.2), case("d", 0.2, math.inf)]).means["psnr"] == math.inf


def test_the_zoomed_sheet_crops_every_image_to_the_hole_and_a_margin():
    truth = np.zeros((100, 200, 3), np.uint8)
    mask = np.zeros((100, 200), np.uint8)
    mask[40:50, 120:150] = 1
    example = Example("p", "g", "photo.png", truth, mask, {"a": truth + 1, "failed": None})
    crop = zoomed(example)  # margin 10 % of each side: 10 rows, 20 columns
    assert crop.truth.shape == (30, 70, 3) and crop.mask.shape == (30, 70)
    assert crop.mask.sum() == mask.sum()  # the whole hole is in view
    assert crop.outputs["a"].shape == (30, 70, 3) and crop.outputs["failed"] is None
    top = np.zeros_like(mask)
    top[0:5, 120:150] = 1
    assert zoomed(Example("p", "g", "photo.png", truth, top, {})).truth.shape == (15, 70, 3)  # clipped at the border
    empty = Example("p", "g", "photo.png", truth, np.zeros_like(mask), {})
    assert zoomed(empty) is empty


def test_measure_sees_time_and_memory():
    def allocate():
        block = np.ones(200 * 2**20, np.uint8)  # 200 MiB, touched
        return int(block[::4096].sum())

    value, used = measure(allocate)
    assert value == 200 * 2**20 // 4096
    assert used.peak_rss_bytes > 100 * 2**20 and used.seconds > 0


def test_cli_benchmark_writes_everything(tmp_path, capsys):
    write_photos(tmp_path / "photos", 2)
    code = main(["benchmark", "--photos", str(tmp_path / "photos"), "--protocol", "freeform", "--size", "64",
                 "--methods", "telea,ns", "--out", str(tmp_path / "out"), "--no-progress", "--limit", "1"])
    assert code == 0
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert names == {"results.md", "results.json", "freeform.png", "freeform-examples.png",
                     "freeform-examples-zoom.png"}
    assert "| telea |" in capsys.readouterr().out
    assert len(json.loads((tmp_path / "out" / "results.json").read_text())["cases"]) == 3 * 2


def test_cli_reports_user_errors_in_one_line(tmp_path, capsys):
    code = main(["benchmark", "--photos", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])
    assert code == 2 and "does not exist" in capsys.readouterr().err


def test_cli_evaluate_scores_folders_like_image_scores(tmp_path, capsys, monkeypatch):
    from PIL import Image

    from inpaintkit.evaluation.metrics import image_scores

    rng = np.random.default_rng(1)
    for folder in ("pred", "truth", "masks"):
        (tmp_path / folder).mkdir()
    expected = []
    for name in ("a", "b"):
        truth = rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)
        pred = np.clip(truth.astype(int) + rng.integers(-30, 31, truth.shape), 0, 255).astype(np.uint8)
        mask = np.zeros((40, 48), np.uint8)
        mask[10:30, 5:25] = 255
        Image.fromarray(truth).save(tmp_path / "truth" / f"{name}.png")
        Image.fromarray(pred).save(tmp_path / "pred" / f"{name}.png")
        Image.fromarray(mask).save(tmp_path / "masks" / f"{name}.png")
        expected.append(image_scores(pred, truth, mask))
    args = ["evaluate", "--pred", str(tmp_path / "pred"), "--truth", str(tmp_path / "truth"),
            "--masks", str(tmp_path / "masks")]
    assert main(args + ["--out", str(tmp_path / "scores.json")]) == 0
    means = json.loads((tmp_path / "scores.json").read_text())["means"]
    assert means["psnr_hole"] == pytest.approx((expected[0]["psnr_hole"] + expected[1]["psnr_hole"]) / 2)
    assert means["ssim"] == pytest.approx((expected[0]["ssim"] + expected[1]["ssim"]) / 2)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty"))
    monkeypatch.delenv("INPAINTKIT_LPIPS_BACKBONE", raising=False)
    capsys.readouterr()
    assert main(args + ["--lpips"]) == 2  # no weights here: one sentence, no traceback
    error = capsys.readouterr().err
    assert "LPIPS" in error and error.count("\n") == 1
    # A truth without its prediction is said, not left out of the means in silence.
    (tmp_path / "pred" / "b.png").unlink()
    assert main(args) == 0
    assert "warning: 1 truths have no prediction (e.g. b); the means leave them out." in capsys.readouterr().out
    # --out is checked before the scoring.
    assert main(args + ["--out", str(tmp_path / "pred")]) == 2
    assert "is a folder; give a file name" in capsys.readouterr().err


def test_speed_memory_script_runs_each_method_in_a_fresh_process(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    photo = write_photos(tmp_path, 1)[0]
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "speed_memory.py"
    done = subprocess.run([sys.executable, str(script), "--photo", str(photo), "--methods", "telea,nope",
                           "--sizes", "64", "--repeats", "2", "--out", str(tmp_path / "speed.json")],
                          capture_output=True, text=True, check=True)
    rows = json.loads((tmp_path / "speed.json").read_text())["rows"]
    assert rows[0]["method"] == "telea" and len(rows[0]["seconds"]) == 2 and rows[0]["peak_rss_mib"] >= 0
    assert "unknown model" in rows[1]["error"]  # a broken method is reported, the run goes on
    assert "| telea | " in done.stdout and "| nope | failed |" in done.stdout


@pytest.mark.slow
def test_untrained_model_runs_through_the_benchmark(tmp_path):
    """Plumbing: an untrained pyramid model (width 8) is timed and scored like any method."""
    photos = write_photos(tmp_path, 1)
    result = run_benchmark([PROTOCOLS["center"]], photos, [create_method("untrained:pyramid")], size=64, progress=False)
    assert not result.results[0].failed, result.results[0].error
    assert 0 <= result.results[0].scores["ssim_hole"] <= 1
