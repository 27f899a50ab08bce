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
