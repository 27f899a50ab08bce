"""Inpainting a folder (``inpaintkit.batch``, ``inpaintkit inpaint DIR DIR -o DIR``): pairing by
name, one bad file costs one image, resuming, and results that ``inpaintkit evaluate`` scores."""
import json

import numpy as np
import pytest
from PIL import Image

from inpaintkit.batch import inpaint_folder, plan_folder
from inpaintkit.cli import main
from inpaintkit.errors import UserError
from inpaintkit.image_io import images_by_stem


def _hole(height=40, width=48):
    mask = np.zeros((height, width), np.uint8)
    mask[10:25, 12:30] = 255
    return mask


@pytest.fixture
def folders(tmp_path):
    """photos/a.png, b.jpg, c.png (c has no mask); masks/a.png, b.png."""
    rng = np.random.default_rng(0)
    photos, masks = tmp_path / "photos", tmp_path / "masks"
    photos.mkdir(), masks.mkdir()
    for name, ext in (("a", "png"), ("b", "jpg"), ("c", "png")):
        Image.fromarray(rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)).save(photos / f"{name}.{ext}")
    for name in ("a", "b"):
        Image.fromarray(_hole()).save(masks / f"{name}.png")
    (photos / "notes.txt").write_text("not an image")
    (photos / ".hidden.png").write_bytes(b"editor debris")
    return photos, masks, tmp_path / "results"


def grey_fill(image, mask, guidance):
    """A stand-in model: the hole becomes grey 128, every other pixel is kept."""
    out = image.copy()
    out[np.asarray(mask) > 0] = 128
    return out


def test_photos_pair_with_masks_by_name_whatever_the_extension(folders):
    photos, masks, results = folders
    jobs, unpaired = plan_folder(photos, masks, results)
    assert [(j.name, j.image.name, j.mask.name, j.output.name) for j in jobs] == [
        ("a", "a.png", "a.png", "a.png"), ("b", "b.jpg", "b.png", "b.png")]
    assert list(unpaired) == ["c"] and "no mask named c" in unpaired["c"]


def test_one_mask_file_serves_every_photo(folders):
    photos, masks, results = folders
    jobs, unpaired = plan_folder(photos, masks / "a.png", results)
    assert [j.name for j in jobs] == ["a", "b", "c"] and unpaired == {}
    assert {j.mask for j in jobs} == {masks / "a.png"}


def test_one_mask_kept_among_the_photos_is_not_filled_as_a_photo(folders):
    photos, masks, results = folders
    (photos / "watermark.png").write_bytes((masks / "a.png").read_bytes())
    jobs, unpaired = plan_folder(photos, photos / "watermark.png", results)
    assert [j.name for j in jobs] == ["a", "b", "c"] and unpaired == {}


def test_folders_that_cannot_work_are_one_clear_error(folders, tmp_path):
    photos, masks, results = folders
    with pytest.raises(UserError, match="also an input folder"):
        plan_folder(photos, masks, photos)  # would overwrite a.png and c.png
    with pytest.raises(UserError, match="does not exist"):
        plan_folder(photos, tmp_path / "nowhere", results)
    with pytest.raises(UserError, match="is a file"):
        plan_folder(photos, masks, masks / "a.png")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="holds no images"):
        plan_folder(tmp_path / "empty", masks, results)
    with pytest.raises(UserError, match="no image .* has a mask of the same name"):
        plan_folder(photos, tmp_path / "empty", results)
    Image.fromarray(_hole()).save(photos / "a.jpg")
    with pytest.raises(UserError, match="a.jpg and a.png .* have the same name"):
        images_by_stem(photos)


def test_a_bad_file_costs_its_own_image_only(folders):
    photos, masks, results = folders
    (photos / "b.jpg").write_bytes(b"\xff\xd8 truncated jpeg")
    Image.fromarray(_hole(30, 30)).save(masks / "c.png")  # the wrong size for c
    report = inpaint_folder(grey_fill, plan_folder(photos, masks, results)[0], progress=False)
    assert report.written == [results / "a.png"]
    assert sorted(report.skipped) == ["b", "c"]
    assert "b.jpg" in report.skipped["b"] and "must be the same size" in report.skipped["c"]
    result, photo = np.asarray(Image.open(results / "a.png")), np.asarray(Image.open(photos / "a.png"))
    hole = _hole() > 0
    assert (result[hole] == 128).all() and np.array_equal(result[~hole], photo[~hole])


def test_skip_existing_resumes_without_touching_what_was_written(folders):
    photos, masks, results = folders
    jobs = plan_folder(photos, masks, results)[0]
    results.mkdir()
    Image.fromarray(np.zeros((40, 48, 3), np.uint8)).save(results / "a.png")  # from "an earlier run"
    report = inpaint_folder(grey_fill, jobs, skip_existing=True, progress=False)
    assert report.kept == [results / "a.png"] and report.written == [results / "b.png"]
    assert np.asarray(Image.open(results / "a.png")).max() == 0
    assert inpaint_folder(grey_fill, jobs, progress=False).written == [results / "a.png", results / "b.png"]


def test_a_bug_stops_the_run_and_keeps_what_was_written(folders):
    photos, masks, results = folders
    calls = []

    def breaks_on_second(image, mask, guidance):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("a bug, not bad input")
        return grey_fill(image, mask, guidance)

    with pytest.raises(RuntimeError, match="a bug"):
        inpaint_folder(breaks_on_second, plan_folder(photos, masks, results)[0], progress=False)
    assert sorted(p.name for p in results.iterdir()) == ["a.png"]


def test_cli_fills_a_folder_that_evaluate_then_scores(folders, tmp_path, capsys):
    from inpaintkit.models.registry import create_model
    from inpaintkit.weights import save_weights

    photos, masks, results = folders
    Image.fromarray(np.zeros((40, 48), np.uint8)).save(masks / "d.png")
    Image.fromarray(np.zeros((40, 48, 3), np.uint8)).save(photos / "d.png")  # an empty mask
    weights = save_weights(create_model("pyramid", width=8), tmp_path / "tiny.safetensors")
    code = main(["inpaint", str(photos), str(masks), "-o", str(results), "--model", str(weights)])
    out, err = capsys.readouterr()
    assert code == 1  # c has no mask, d's mask is empty
    assert "wrote 2 of 4 images" in out
    assert "skipped c: no mask named c" in err and "skipped d: the mask is empty" in err
    for name, ext in (("a", "png"), ("b", "jpg")):
        result = np.asarray(Image.open(results / f"{name}.png"))
        photo = np.asarray(Image.open(photos / f"{name}.{ext}").convert("RGB"))
        known = _hole() == 0
        assert result.shape == photo.shape and np.array_equal(result[known], photo[known])
    (photos / "c.png").unlink(), (photos / "d.png").unlink()
    assert main(["inpaint", str(photos), str(masks), "-o", str(results), "--model", str(weights),
                 "--skip-existing"]) == 0
    assert "0 skipped, 2 kept from an earlier run" in capsys.readouterr().out
    # The results folder is scored as it is, paired with truths and masks by the same names.
    assert main(["evaluate", "--pred", str(results), "--truth", str(photos), "--masks", str(masks),
                 "--out", str(tmp_path / "scores.json")]) == 0
    per_image = json.loads((tmp_path / "scores.json").read_text())["per_image"]
    assert sorted(per_image) == ["a", "b"] and all(np.isfinite(s["psnr"]) for s in per_image.values())


def test_cli_refuses_an_image_file_name_for_a_folders_results(folders, capsys):
    photos, masks, _ = folders
    results = photos.parent / "res.png"
    assert main(["inpaint", str(photos), str(masks), "-o", str(results)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"inpaintkit inpaint: {photos} is a folder of images, so the results need a folder, not the image "
        f"file name {results}; give a folder name such as {photos.parent / 'res'}.")
    assert not results.exists()
    (photos.parent / "shots.jpg").mkdir()  # an existing folder named so is a folder all the same
    jobs, _ = plan_folder(photos, masks, photos.parent / "shots.jpg")
    assert jobs[0].output == photos.parent / "shots.jpg" / "a.png"


def test_cli_refuses_a_folder_mask_for_one_image(folders, capsys):
    photos, masks, results = folders
    assert main(["inpaint", str(photos / "a.png"), str(masks), "-o", str(results / "a.png")]) == 2
    assert "must be one image too" in capsys.readouterr().err


def test_cli_fills_an_object_mask_as_removal_does_when_asked(folders, tmp_path, synthesis_settings_used):
    # --removal: the mask covers objects to remove, so the synthesis runs with a removal's
    # settings (inpaintkit.removal.pipeline.removal_inpainter); without it, the defaults.
    from inpaintkit.models.registry import create_model
    from inpaintkit.removal.pipeline import removal_synthesis_settings
    from inpaintkit.synthesis import DEFAULT_SETTINGS
    from inpaintkit.weights import save_weights

    photos, masks, results = folders
    weights = save_weights(create_model("pyramid", width=8), tmp_path / "tiny.safetensors")
    one = ["inpaint", str(photos / "a.png"), str(masks / "a.png"), "--model", str(weights)]
    assert main(one + ["-o", str(tmp_path / "plain.png")]) == 0
    assert main(one + ["-o", str(tmp_path / "removed.png"), "--removal"]) == 0
    (photos / "c.png").unlink()
    assert main(["inpaint", str(photos), str(masks), "-o", str(results), "--model", str(weights), "--removal"]) == 0
    assert synthesis_settings_used == [DEFAULT_SETTINGS] + [removal_synthesis_settings()] * 3
