"""VOC XML and COCO JSON readers, the synthetic shapes set, collation."""
import json

import cv2
import numpy as np
import pytest

from inpaintkit.detect.datasets import (COCODetection, SyntheticShapes, VOCDetection, collate,
                                        split_photo_paths)


def write_image(path, h=40, w=60):
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((h, w, 3), 128, np.uint8))


def test_voc_layout(tmp_path):
    write_image(tmp_path / "JPEGImages" / "000001.jpg")
    (tmp_path / "ImageSets" / "Main").mkdir(parents=True)
    (tmp_path / "ImageSets" / "Main" / "trainval.txt").write_text("000001\n")
    (tmp_path / "Annotations").mkdir()
    (tmp_path / "Annotations" / "000001.xml").write_text("""<annotation>
      <object><name>dog</name><difficult>0</difficult>
        <bndbox><xmin>11</xmin><ymin>5</ymin><xmax>30</xmax><ymax>25</ymax></bndbox></object>
      <object><name>cat</name><difficult>1</difficult>
        <bndbox><xmin>1</xmin><ymin>1</ymin><xmax>9</xmax><ymax>9</ymax></bndbox></object>
    </annotation>""")
    data = VOCDetection(tmp_path)
    sample = data[0]
    assert len(data) == 1 and sample.image.shape == (40, 60, 3)
    assert sample.boxes.tolist() == [[10, 4, 30, 25]]      # 1-based → 0-based corners
    assert sample.labels.tolist() == [data.class_names.index("dog") + 1]
    assert len(VOCDetection(tmp_path, keep_difficult=True)[0].labels) == 2


def test_coco_layout(tmp_path):
    write_image(tmp_path / "images" / "a.jpg")
    annotations = {
        "images": [{"id": 7, "file_name": "a.jpg", "width": 60, "height": 40}],
        "categories": [{"id": 18, "name": "dog"}, {"id": 3, "name": "car"}],
        "annotations": [
            {"id": 1, "image_id": 7, "category_id": 18, "bbox": [10, 4, 20, 21], "iscrowd": 0},
            {"id": 2, "image_id": 7, "category_id": 3, "bbox": [0, 0, 5, 5], "iscrowd": 1},
        ],
    }
    (tmp_path / "ann.json").write_text(json.dumps(annotations))
    data = COCODetection(tmp_path / "images", tmp_path / "ann.json")
    assert data.class_names == ("car", "dog")              # by category id
    sample = data[0]
    assert sample.boxes.tolist() == [[10, 4, 30, 25]]      # xywh → xyxy; crowd skipped
    assert sample.labels.tolist() == [2]


def _voc(tmp_path, name="dog", image=True):
    if image:
        write_image(tmp_path / "JPEGImages" / "000001.jpg")
    (tmp_path / "ImageSets" / "Main").mkdir(parents=True, exist_ok=True)
    (tmp_path / "ImageSets" / "Main" / "trainval.txt").write_text("000001\n")
    (tmp_path / "Annotations").mkdir(exist_ok=True)
    (tmp_path / "Annotations" / "000001.xml").write_text(f"""<annotation>
      <object><name>{name}</name><difficult>0</difficult>
        <bndbox><xmin>11</xmin><ymin>5</ymin><xmax>30</xmax><ymax>25</ymax></bndbox></object></annotation>""")


def test_a_voc_set_of_other_classes_or_with_missing_files_is_one_sentence(tmp_path):
    from inpaintkit.errors import UserError

    _voc(tmp_path / "widgets", name="widget")
    # Trained on, it would have given empty boxes only, and a detector that looks fine.
    with pytest.raises(UserError, match=r"no object in .* is one of the 20 classes .*; found: widget\."):
        VOCDetection(tmp_path / "widgets")
    _voc(tmp_path / "no-image", image=False)
    with pytest.raises(UserError, match=r"000001\.jpg is listed in the VOC split but missing\."):
        VOCDetection(tmp_path / "no-image")


@pytest.mark.parametrize("broken, message", [
    (lambda a: a.pop("categories"), "is not a COCO annotation file"),
    (lambda a: a["annotations"][0].update(image_id=55), "names an image or category the file does not list"),
    (lambda a: a["images"][0].update(file_name="gone.jpg"), r"1 images of .* are not in .* \(e\.g\. gone\.jpg\)"),
])
def test_a_broken_coco_file_is_one_sentence(tmp_path, broken, message):
    from inpaintkit.errors import UserError

    write_image(tmp_path / "images" / "a.jpg")
    annotations = {"images": [{"id": 7, "file_name": "a.jpg"}], "categories": [{"id": 1, "name": "dog"}],
                   "annotations": [{"id": 1, "image_id": 7, "category_id": 1, "bbox": [1, 1, 5, 5]}]}
    broken(annotations)
    (tmp_path / "ann.json").write_text(json.dumps(annotations))
    with pytest.raises(UserError, match=message):
        COCODetection(tmp_path / "images", tmp_path / "ann.json")
    (tmp_path / "ann.json").write_text("{not json")
    with pytest.raises(UserError, match="cannot read the COCO annotation file"):
        COCODetection(tmp_path / "images", tmp_path / "ann.json")


def test_synthetic_shapes_are_deterministic_and_tight(rng):
    backgrounds = [rng.integers(0, 60, (90, 120, 3), dtype=np.uint8)]   # dark photo
    data = SyntheticShapes(backgrounds, length=20, size=64, seed=3)
    first, again = data[5], data[5]
    assert np.array_equal(first.image, again.image)
    assert np.array_equal(first.boxes, again.boxes)
    assert not np.array_equal(data[6].image, first.image)
    for i in range(20):
        sample = data[i]
        assert sample.image.shape == (64, 64, 3) and sample.image.dtype == np.uint8
        assert 1 <= len(sample.boxes) <= 4
        assert set(sample.labels.tolist()) <= {1, 2, 3}
        assert (sample.boxes >= 0).all() and (sample.boxes <= 64).all()
        # Shapes are saturated and bright (V ≥ 170), the background is dark: every bright
        # pixel lies inside some ground-truth box (the boxes are where the shapes are).
        bright = sample.image.max(axis=2) >= 150
        inside = np.zeros_like(bright)
        for x1, y1, x2, y2 in sample.boxes:
            inside[int(y1):int(np.ceil(y2)) + 1, int(x1):int(np.ceil(x2)) + 1] = True
        assert bright.any() and not (bright & ~inside).any()


def test_collate_scales_boxes_to_unit_range(rng):
    data = SyntheticShapes([rng.integers(0, 255, (50, 50, 3), dtype=np.uint8)], 4, size=64)
    images, boxes, labels = collate([data[0], data[1]], size=32)
    assert images.shape == (2, 3, 32, 32)
    assert images.min() >= -1 and images.max() <= 1
    assert all((b >= 0).all() and (b <= 1).all() for b in boxes)
    assert np.allclose(boxes[0].numpy() * 64, data[0].boxes)


def test_split_photo_paths_partitions_a_folder(photos_dir, test_split):
    train = split_photo_paths(photos_dir, test_split, "train")
    held_out = split_photo_paths(photos_dir, test_split, "validation")
    assert [p.name for p in held_out] == ["camera.jpg", "gravel.jpg", "rocket.jpg"]
    assert len(train) == 6 and not {p.name for p in train} & {p.name for p in held_out}


@pytest.mark.shared_photos
def test_project_split_has_no_overlap(shared_photos_dir):
    from pathlib import Path
    split = Path(__file__).resolve().parents[1] / "configs" / "split.yaml"
    train = split_photo_paths(shared_photos_dir, split, "train")
    held_out = split_photo_paths(shared_photos_dir, split, "validation")
    assert len(held_out) == 12 and len(train) == 49
    assert not {p.name for p in train} & {p.name for p in held_out}


def test_synthetic_needs_a_background():
    with pytest.raises(ValueError):
        SyntheticShapes([], 1)
