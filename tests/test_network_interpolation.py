"""Network interpolation between two fine-tunes of one model (inpaintkit.network_interpolation)."""
import json

import numpy as np
import pytest
import torch

from inpaintkit.cli import main
from inpaintkit.errors import UserError
from inpaintkit.models import create_model
from inpaintkit.network_interpolation import blend_state, interpolate_weights
from inpaintkit.weights import load_weights, read_metadata, save_weights


def _pair(tmp_path, name="gated", width=4):
    """A model and a 'fine-tune' of it (every float parameter moved), saved as fp32 files."""
    torch.manual_seed(0)
    first = create_model(name, width=width).eval()
    second = create_model(name, width=width).eval()
    second.load_state_dict({key: value + 0.5 * torch.randn_like(value) if value.is_floating_point() else value
                            for key, value in first.state_dict().items()})
    a = save_weights(first, tmp_path / "a.safetensors", half=False, metadata={"step": "100", "max_side": "96"})
    b = save_weights(second, tmp_path / "b.safetensors", half=False, metadata={"step": "250", "max_side": "128"})
    return first.state_dict(), second.state_dict(), a, b


def test_alpha_zero_half_and_one_give_first_midpoint_and_second(tmp_path):
    first, second, a, b = _pair(tmp_path)
    for alpha, expected in ((0.0, first), (1.0, second),
                            (0.5, {k: (first[k] + second[k]) / 2 for k in first})):
        path = interpolate_weights(a, b, alpha, tmp_path / f"blend-{alpha}.safetensors", half=False)
        blended = load_weights(path).state_dict()
        for key, value in expected.items():
            torch.testing.assert_close(blended[key], value, rtol=0, atol=1e-6)
    # A quarter of the way: every parameter moved a quarter of its distance, none elsewhere.
    quarter = load_weights(interpolate_weights(a, b, 0.25, tmp_path / "q.safetensors", half=False)).state_dict()
    key = next(k for k, v in first.items() if v.is_floating_point() and v.numel() > 1)
    moved = (quarter[key] - first[key]) / (second[key] - first[key])
    assert torch.allclose(moved, torch.full_like(moved, 0.25), atol=1e-4)


def test_the_blend_runs_and_records_where_it_came_from(tmp_path):
    _, _, a, b = _pair(tmp_path)
    path = interpolate_weights(a, b, 0.3, tmp_path / "blend.safetensors")
    meta = read_metadata(path)
    record = json.loads(meta["interpolation"])
    assert record == {"alpha": 0.3, "first": {"file": "a.safetensors", "step": "100"},
                      "second": {"file": "b.safetensors", "step": "250"}}
    assert meta["step"] == "250" and meta["max_side"] == "128"  # the second file's working size
    assert all(v.dtype == torch.float32 for v in load_weights(path).state_dict().values()
               if v.is_floating_point())  # stored fp16, loaded as fp32
    from inpaintkit.inference import load_model

    image = np.random.default_rng(0).integers(0, 256, (64, 80, 3), dtype=np.uint8)
    mask = np.zeros((64, 80), bool)
    mask[20:40, 20:50] = True
    out = load_model(path)(image, mask)
    assert out.shape == image.shape and np.array_equal(out[~mask], image[~mask])


def test_different_models_and_bad_alphas_are_refused(tmp_path):
    _, _, a, _ = _pair(tmp_path)
    other = save_weights(create_model("gated", width=8), tmp_path / "wide.safetensors")
    with pytest.raises(UserError, match="different models"):
        interpolate_weights(a, other, 0.5, tmp_path / "x.safetensors")
    for alpha in (-0.1, 1.5, float("nan")):
        with pytest.raises(UserError, match="alpha"):
            interpolate_weights(a, a, alpha, tmp_path / "x.safetensors")
    assert not (tmp_path / "x.safetensors").exists()


def test_blend_state_keeps_integer_counters_and_checks_shapes():
    first = {"w": torch.zeros(2), "count": torch.tensor(3)}
    second = {"w": torch.ones(2), "count": torch.tensor(9)}
    blended = blend_state(first, second, 0.5)
    assert torch.equal(blended["w"], torch.full((2,), 0.5)) and blended["count"].item() == 3
    with pytest.raises(UserError, match="different tensors"):
        blend_state(first, {"w": torch.ones(2)}, 0.5)
    with pytest.raises(UserError, match=r"\(2,\) in one file and \(3,\)"):
        blend_state(first, {"w": torch.ones(3), "count": torch.tensor(1)}, 0.5)


def test_cli_writes_the_blend_and_rejects_a_bad_alpha(tmp_path, capsys):
    first, second, a, b = _pair(tmp_path)
    out = tmp_path / "cli.safetensors"
    assert main(["interpolate", str(a), str(b), "--alpha", "0.5", "--fp32", "-o", str(out)]) == 0
    key = next(iter(first))
    torch.testing.assert_close(load_weights(out).state_dict()[key], (first[key] + second[key]) / 2,
                               rtol=0, atol=1e-6)
    assert main(["interpolate", str(a), str(b), "--alpha", "2", "-o", str(tmp_path / "bad.safetensors")]) == 2
    assert "alpha must be a number from 0 to 1" in capsys.readouterr().err


def test_cli_never_writes_the_blend_over_an_input_or_into_a_folder(tmp_path, capsys):
    _, _, a, b = _pair(tmp_path)
    before = a.read_bytes()
    assert main(["interpolate", str(a), str(b), "--alpha", "1", "-o", str(a)]) == 2
    assert f"-o {a} would replace the input {a}; give another name." in capsys.readouterr().err
    assert a.read_bytes() == before
    (tmp_path / "folder").mkdir()
    assert main(["interpolate", str(a), str(b), "--alpha", "0.5", "-o", str(tmp_path / "folder")]) == 2
    assert "is an existing folder" in capsys.readouterr().err
    assert list((tmp_path / "folder").iterdir()) == [] and not list(tmp_path.glob("*.tmp"))


def test_weights_files_are_readable_by_others_as_images_are(tmp_path):
    _, _, a, b = _pair(tmp_path)
    out = tmp_path / "blend.safetensors"
    assert main(["interpolate", str(a), str(b), "--alpha", "0.5", "-o", str(out)]) == 0
    assert out.stat().st_mode & 0o777 == 0o644  # safetensors alone writes 0600
