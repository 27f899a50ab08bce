"""``inpaintkit remove``: end to end on a tiny untrained model, and its error paths."""
import numpy as np
import pytest
from PIL import Image

from inpaintkit.cli import main


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    from inpaintkit.models.registry import create_model
    from inpaintkit.weights import save_weights

    return save_weights(create_model("pyramid", width=8), tmp_path_factory.mktemp("w") / "tiny.safetensors")


@pytest.fixture
def photo(tmp_path):
    """A red disc on a textured green background, as a PNG."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from test_removal_click import _textured_scene

    image, truth = _textured_scene(0)
    path = tmp_path / "photo.png"
    Image.fromarray(image).save(path)
    return path, image, truth


def test_remove_writes_the_result_and_the_mask(photo, tmp_path, tiny_weights, capsys):
    path, image, truth = photo
    out, mask_path = tmp_path / "out.png", tmp_path / "mask.png"
    code = main(["remove", str(path), "--click", "70,50", "-o", str(out), "--backend", "click",
                 "--save-mask", str(mask_path), "--model", str(tiny_weights)])
    assert code == 0
    result = np.asarray(Image.open(out))
    mask = np.asarray(Image.open(mask_path)) > 0
    assert result.shape == image.shape and mask.shape == truth.shape
    assert mask[truth].all()                                   # covers the object …
    assert mask.sum() < 1.6 * truth.sum()                      # … and not much more
    assert np.array_equal(result[~mask], image[~mask])         # the rest untouched
    assert "segmentation" in capsys.readouterr().out


@pytest.mark.parametrize("click, message", [("500,5", "outside the 128×96 image"),
                                            ("5,5", "nothing to remove")])
def test_bad_clicks_exit_2_and_write_nothing(photo, tmp_path, tiny_weights, capsys, click, message):
    path, _, _ = photo
    out = tmp_path / "out.png"
    code = main(["remove", str(path), "--click", click, "-o", str(out), "--backend", "click",
                 "--model", str(tiny_weights)])
    assert code == 2 and message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [path]  # no output, no temporary file


def test_an_unreadable_photo_and_a_malformed_click_are_clear(tmp_path, capsys):
    missing = tmp_path / "nope.jpg"
    assert main(["remove", str(missing), "--click", "1,1", "-o", str(tmp_path / "o.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["remove", str(missing), "--click", "1;1", "-o", str(tmp_path / "o.png")])
    assert "X,Y" in capsys.readouterr().err


def _big_object_photo(tmp_path):
    """A dark disc covering about 40 % of a light, textured photo."""
    import cv2

    rng = np.random.default_rng(0)
    image = rng.integers(180, 220, (96, 128, 3)).astype(np.uint8)
    cv2.ellipse(image, (64, 48), (50, 40), 0, 0, 360, (30, 30, 90), -1)
    path = tmp_path / "big.png"
    Image.fromarray(image).save(path)
    return path


@pytest.mark.parametrize("prompt", [["--box", "10,5,118,92"], ["--click", "64,48"]])
def test_a_hole_over_a_quarter_is_refused_unless_asked(tmp_path, tiny_weights, capsys, prompt):
    path = _big_object_photo(tmp_path)
    out = tmp_path / "out.png"
    args = ["remove", str(path), *prompt, "-o", str(out), "--backend", "click", "--model", str(tiny_weights)]
    assert main(args) == 2
    error = capsys.readouterr().err.strip()
    assert "more than the 25% one removal takes unasked; add --allow-large-hole" in error
    assert error.count("\n") == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.png"]  # nothing written
    assert main(args + ["--allow-large-hole"]) == 0 and out.exists()


@pytest.mark.parametrize("extra, message", [
    (["--box", "10,10,10,50"], "the box is 0×40 pixels"),
    (["--click", "70,50", "--exclude", "500,10"], "exclude point 1 at (500, 10) is outside"),
    (["--click", "70,50", "--box", "0,0,20,20"], "outside the box"),
    ([], "no click or box given: pass --click X,Y on the object to remove, or --box X0,Y0,X1,Y1 around it"),
    (["--exclude", "5,5"], "no click or box given: pass --click X,Y"),
])
def test_bad_prompts_exit_2_with_one_sentence_and_write_nothing(photo, tmp_path, tiny_weights, capsys,
                                                                 extra, message):
    path, _, _ = photo
    out = tmp_path / "out.png"
    code = main(["remove", str(path), "-o", str(out), "--backend", "click", "--model", str(tiny_weights)] + extra)
    error = capsys.readouterr().err.strip()
    assert code == 2 and message in error and error.count("\n") == 0
    assert list(tmp_path.iterdir()) == [path]


def test_a_malformed_box_is_a_usage_error(photo, tmp_path, capsys):
    path, _, _ = photo
    with pytest.raises(SystemExit):
        main(["remove", str(path), "--box", "1,2,3", "-o", str(tmp_path / "o.png")])
    assert "X0,Y0,X1,Y1" in capsys.readouterr().err
