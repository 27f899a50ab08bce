"""Weights round trip (safetensors + metadata), the Detector API, the CLI."""
import json

import cv2
import numpy as np
import pytest
import torch

from inpaintkit.cli import main
from inpaintkit.detect import Detector, build, load_detector, save_detector
from inpaintkit.errors import InputImageError, MissingWeightsError

NAMES = ["circle", "square", "triangle"]


@pytest.fixture
def tiny(tmp_path):
    model = build("mpssd300", 4, image_size=96, width=1 / 32, batch_norm=True).eval()
    path = tmp_path / "det.safetensors"
    save_detector(path, model, NAMES)
    return model, path


def test_weights_round_trip(tiny):
    model, path = tiny
    loaded, names = load_detector(path)
    assert names == NAMES and loaded.config == model.config
    assert path.read_bytes()[:8] != b"\x80\x02\x8a\x0a"     # not a pickle
    x = torch.rand(1, 3, 96, 96) * 2 - 1
    with torch.no_grad():
        for a, b in zip(model(x), loaded(x)):
            assert torch.equal(a, b)


def test_save_rejects_wrong_class_count(tiny):
    model, path = tiny
    with pytest.raises(ValueError):
        save_detector(path, model, ["only-one"])


def test_missing_weights_is_a_user_error(tmp_path):
    with pytest.raises(MissingWeightsError):
        Detector.from_checkpoint(tmp_path / "nope.safetensors")


def confident_detector(model):
    """Make the head say 'square' with certainty on one prior whose box we know."""
    model = model.eval()
    with torch.no_grad():
        for head in list(model.loc_heads) + list(model.cls_heads):
            head.weight.zero_()
            head.bias.zero_()
        # Last level (2×2 map, 4 priors per cell): class bias favours background …
        anchors = model.cls_heads[-1].out_channels // 4
        model.cls_heads[-1].bias.view(anchors, 4)[:, 0] = 5.0
        # … except anchor 0, the min-size square, which says class 2 ('square').
        model.cls_heads[-1].bias.view(anchors, 4)[0] = torch.tensor([0.0, 0.0, 9.0, 0.0])
        for head in model.cls_heads[:-1]:
            head.bias.view(-1, 4)[:, 0] = 5.0
    return model


def test_detect_returns_boxes_in_image_pixels(tiny):
    model, _ = tiny
    detector = Detector(confident_detector(model), NAMES)
    image = np.zeros((200, 400, 3), np.uint8)
    found = detector.detect(image, score_threshold=0.5)
    assert len(found) == 4                                  # one per cell of the 2×2 map
    priors = model.priors[-4 * 4::4]                        # anchor 0 of each cell
    boxes = sorted(box for box, _, _ in found)
    expected = torch.cat([priors[:, :2] - priors[:, 2:] / 2, priors[:, :2] + priors[:, 2:] / 2], 1)
    expected = sorted(tuple(b) for b in (expected.clamp(0, 1) * torch.tensor([400, 200, 400, 200])).tolist())
    assert np.allclose(boxes, expected, atol=1e-3)
    assert {label for _, label, _ in found} == {"square"}
    assert all(score > 0.99 for _, _, score in found)
    assert detector.detect(image, score_threshold=0.9999999) == []


def test_detect_rejects_bad_images(tiny):
    model, _ = tiny
    detector = Detector(model, NAMES)
    with pytest.raises(InputImageError):
        detector.detect(np.zeros((10, 10), np.uint8))
    with pytest.raises(InputImageError):
        detector.detect(np.zeros((10, 10, 3), np.float32))


def test_cli_predict_and_bad_model(tiny, tmp_path, capsys):
    model, _ = tiny
    path = tmp_path / "confident.safetensors"
    save_detector(path, confident_detector(model), NAMES)
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), np.zeros((60, 80, 3), np.uint8))
    assert main(["detect", "predict", str(path), str(photo), "--score", "0.5",
                 "-o", str(tmp_path / "out.png")]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 4 and lines[0]["label"] == "square"
    assert (tmp_path / "out.png").is_file()
    assert main(["detect", "train", "--model", "yolo", "--synthetic", "-o", "x"]) == 2
    assert main(["detect", "predict", str(tmp_path / "none.safetensors"), str(photo)]) == 2


@pytest.mark.parametrize("argv, message", [
    (["train", "--synthetic", "--steps", "0", "-o", "OUT"], "--steps must be a positive whole number; got 0."),
    (["train", "--synthetic", "--batch", "-1", "-o", "OUT"], "--batch must be a positive whole number; got -1."),
    (["train", "--synthetic", "--lr", "nan", "-o", "OUT"], "--lr must be a positive number; got nan."),
    (["train", "--synthetic", "--width", "0", "-o", "OUT"], "--width must be a positive number; got 0.0."),
    (["train", "--synthetic", "--size", "0", "-o", "OUT"], "--size must be at least 64 pixels; got 0."),
    # A bad output path found after training would throw the training away.
    (["train", "--synthetic", "-o", "DIR"], "is an existing folder"),
    (["eval", "INPAINTING", "--synthetic", "--images", "0"], "--images must be a positive whole number; got 0."),
    (["eval", "INPAINTING", "--synthetic"], "has no detector config in its metadata (inpainting weights?)"),
    (["predict", "DETECTOR", "PHOTO", "--score", "nan"], "--score must be from 0 to 1; got nan."),
])
def test_detect_arguments_are_checked_before_any_work(tiny, tmp_path, capsys, argv, message):
    from inpaintkit.weights import shipped_weights_path

    model, _ = tiny
    save_detector(tmp_path / "det.safetensors", model, NAMES)
    cv2.imwrite(str(tmp_path / "photo.png"), np.zeros((60, 80, 3), np.uint8))
    places = {"OUT": tmp_path / "new.safetensors", "DIR": tmp_path, "PHOTO": tmp_path / "photo.png",
              "DETECTOR": tmp_path / "det.safetensors", "INPAINTING": shipped_weights_path("pyramid")}
    assert main(["detect", *[str(places.get(a, a)) for a in argv]]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "new.safetensors").exists()
