"""benchmarks/removal_pairs.py: the labelled objects' removal holes, filled by two methods
and written as a blind pairs folder with its key outside it."""
import json
import sys

import cv2
import numpy as np
import pytest

from inpaintkit.errors import UserError
from inpaintkit.image_io import read_image, save_image


def _photo_with_square(height=300, width=400):
    """Grey noise with a red square at rows 100–160, columns 150–230."""
    rng = np.random.default_rng(0)
    photo = np.clip(rng.normal(128, 20, (height, width, 3)), 0, 255).astype(np.uint8)
    photo[100:160, 150:230] = (220, 30, 30)
    return photo


SQUARE = {"id": "square", "photo": "square.png", "polygons": [[[150, 100], [230, 100], [230, 160], [150, 160]]],
          "holes": []}


def test_the_hole_covers_the_scaled_object_with_a_margin(load_benchmark):
    bench = load_benchmark("removal_pairs")
    photo, hole = bench.removal_case(_photo_with_square(), SQUARE, max_side=200)
    assert photo.shape == (150, 200, 3)
    # The square at half size: rows 50–80, columns 75–115, all inside the hole …
    assert hole[50:80, 75:115].all()
    # … which remove() grows by a margin, and not far beyond it.
    assert 1.1 * 30 * 40 < hole.sum() < 2.5 * 30 * 40
    assert not hole[:30].any() and not hole[:, :50].any()


def test_unknown_objects_are_named_and_large_ones_left_out(load_benchmark, monkeypatch):
    bench = load_benchmark("removal_pairs")
    shares = {"small": 0.1, "large": 0.6}
    monkeypatch.setattr(bench, "_share", lambda entry: shares[entry["id"]])
    objects = [{"id": "small"}, {"id": "large"}]
    assert [o["id"] for o in bench.chosen_objects(objects, [], 0.5)] == ["small"]
    assert bench.chosen_objects(objects, ["large"], 0.5) == []
    with pytest.raises(UserError, match="no labelled object is called nothing"):
        bench.chosen_objects(objects, ["nothing"], 0.5)


def test_a_run_writes_fills_and_a_pairs_folder_with_its_key_beside_it(load_benchmark, monkeypatch, tmp_path):
    bench = load_benchmark("removal_pairs")
    photos = tmp_path / "photos"
    photos.mkdir()
    save_image(_photo_with_square(), photos / "square.png")
    objects = tmp_path / "objects.json"
    objects.write_text(json.dumps({"objects": [SQUARE]}))
    monkeypatch.setattr(bench, "PHOTOS", photos)
    monkeypatch.setattr(bench, "OBJECTS", objects)
    out = tmp_path / "run"
    monkeypatch.setattr(sys, "argv", ["removal_pairs.py", "--out", str(out), "--methods", "telea,ns"])
    bench.main()
    hole = cv2.imread(str(out / "masks" / "square.png"), cv2.IMREAD_GRAYSCALE) > 127
    photo = read_image(out / "photos" / "square.png")
    for method in ("telea", "ns"):
        filled = read_image(out / "fills" / method / "square.png")
        assert np.array_equal(filled[~hole], photo[~hole])
        assert (filled[hole][:, 0] < 180).mean() > 0.95  # the red square is gone
    key = json.loads((out / "pairs.key.json").read_text())
    assert [(p["case"], {p["left"], p["right"]}) for p in key["pairs"].values()] == [("square", {"telea", "ns"})]
    assert sorted(p.name for p in (out / "pairs").iterdir()) == ["INSTRUCTIONS.md", "answers-template.txt",
                                                                  "pair-001.png"]
