"""Detection datasets: VOC XML and COCO JSON layouts, and synthetic shapes on photos.

Every dataset yields :class:`DetectionSample` — ``image`` ``H×W×3`` uint8 RGB, ``boxes``
``[N, 4]`` float32 xyxy in image pixels, ``labels`` ``[N]`` int64 in 1 … C (0 is background),
and exposes ``class_names`` (without background: label i is ``class_names[i − 1]``).
:func:`collate` resizes samples to the network's square input and scales the boxes to
[0, 1]; SSD warps (no letterbox), as in the original.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
import torch
import yaml

from ..data import to_tensor
from ..errors import UserError

VOC_CLASSES = (
    "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa",
    "train", "tvmonitor",
)
SHAPE_CLASSES = ("circle", "square", "triangle")


@dataclass
class DetectionSample:
    image: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    image_id: str = ""


def read_rgb(path: Path) -> np.ndarray:
    """An image file as ``H×W×3`` uint8 RGB."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(f"cannot read image {path}")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


class VOCDetection:
    """PASCAL VOC layout: ``root/ImageSets/Main/<split>.txt``, ``root/Annotations/<id>.xml``,
    ``root/JPEGImages/<id>.jpg``. VOC's 1-based pixel corners become 0-based continuous
    coordinates (x_min − 1, x_max). ``difficult`` objects are dropped unless asked for."""

    def __init__(self, root: str | Path, split: str = "trainval",
                 class_names: Sequence[str] = VOC_CLASSES, keep_difficult: bool = False):
        self.root = Path(root)
        self.class_names = tuple(class_names)
        self.keep_difficult = keep_difficult
        ids_file = self.root / "ImageSets" / "Main" / f"{split}.txt"
        self.ids = [line.strip() for line in ids_file.read_text().splitlines() if line.strip()]
        self._check_files()

    def _check_files(self) -> None:
        """UserErrors now, not a traceback steps into training: an image or annotation
        the split lists but the folder lacks, or no object of a known class at all (a set
        of other classes trains on empty boxes and looks fine)."""
        known, others = 0, set()
        for image_id in self.ids:
            for path in (self.root / "Annotations" / f"{image_id}.xml", self.root / "JPEGImages" / f"{image_id}.jpg"):
                if not path.is_file():
                    raise UserError(f"{path} is listed in the VOC split but missing.")
            try:
                names = [obj.findtext("name", "").strip()
                         for obj in ElementTree.parse(self.root / "Annotations" / f"{image_id}.xml").findall("object")]
            except ElementTree.ParseError as error:
                annotation = self.root / "Annotations" / f"{image_id}.xml"
                raise UserError(f"{annotation} is not valid XML ({error}).") from None
            known += sum(name in self.class_names for name in names)
            others.update(name for name in names if name not in self.class_names)
        if self.ids and not known:
            found = ", ".join(sorted(others)[:5]) or "none"
            raise UserError(f"no object in {self.root} is one of the {len(self.class_names)} classes "
                            f"({', '.join(self.class_names[:3])}, …); found: {found}.")

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> DetectionSample:
        image_id = self.ids[index]
        tree = ElementTree.parse(self.root / "Annotations" / f"{image_id}.xml")
        boxes, labels = [], []
        for obj in tree.findall("object"):
            difficult = obj.findtext("difficult", "0").strip() == "1"
            name = obj.findtext("name", "").strip()
            if (difficult and not self.keep_difficult) or name not in self.class_names:
                continue
            box = obj.find("bndbox")
            x1, y1, x2, y2 = (float(box.findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax"))
            boxes.append([x1 - 1, y1 - 1, x2, y2])
            labels.append(self.class_names.index(name) + 1)
        image = read_rgb(self.root / "JPEGImages" / f"{image_id}.jpg")
        return DetectionSample(image, np.array(boxes, np.float32).reshape(-1, 4),
                               np.array(labels, np.int64), image_id)


class COCODetection:
    """COCO layout: one JSON with ``images``, ``annotations`` (``bbox`` = x, y, w, h) and
    ``categories``; category ids map to labels 1 … C in id order. Crowd boxes are
    skipped (COCO ignores them in evaluation too)."""

    def __init__(self, image_dir: str | Path, annotation_file: str | Path):
        self.image_dir = Path(image_dir)
        try:
            data = json.loads(Path(annotation_file).read_text())
            categories = sorted(data["categories"], key=lambda c: c["id"])
            self.class_names = tuple(c["name"] for c in categories)
            self.label_of = {c["id"]: i + 1 for i, c in enumerate(categories)}
            self.images = sorted(data["images"], key=lambda im: im["id"])
            self.annotations: dict[int, list] = {im["id"]: [] for im in self.images}
            for ann in data["annotations"]:
                if ann["image_id"] not in self.annotations or ann["category_id"] not in self.label_of:
                    raise UserError(f"{annotation_file}: annotation {ann.get('id', '?')} names an image or "
                                    "category the file does not list.")
                if not ann.get("iscrowd", 0) and ann["bbox"][2] > 0 and ann["bbox"][3] > 0:
                    self.annotations[ann["image_id"]].append(ann)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise UserError(f"cannot read the COCO annotation file {annotation_file} ({error}).") from None
        except (KeyError, TypeError, IndexError) as error:
            raise UserError(f"{annotation_file} is not a COCO annotation file (images, annotations and "
                            f"categories with their fields; missing or wrong: {error}).") from None
        missing = [im["file_name"] for im in self.images if not (self.image_dir / im["file_name"]).is_file()]
        if missing:
            raise UserError(f"{len(missing)} images of {annotation_file} are not in {self.image_dir} "
                            f"(e.g. {missing[0]}).")

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> DetectionSample:
        info = self.images[index]
        anns = self.annotations[info["id"]]
        boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in (a["bbox"] for a in anns)],
                         np.float32).reshape(-1, 4)
        labels = np.array([self.label_of[a["category_id"]] for a in anns], np.int64)
        image = read_rgb(self.image_dir / info["file_name"])
        return DetectionSample(image, boxes, labels, str(info["id"]))


def split_photo_paths(photos_dir: str | Path, split_file: str | Path,
                      subset: str) -> list[Path]:
    """The photos of ``subset`` ("train" or "validation") under the project's fixed split
    (``configs/split.yaml``: validation files are listed, all others are training)."""
    try:
        validation = set(yaml.safe_load(Path(split_file).read_text())["validation"])
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise UserError(f"cannot read the photo split {split_file} (a YAML file with a validation list; "
                        f"{error}).") from None
    photos = sorted(Path(photos_dir).glob("*.jpg"))
    if subset == "validation":
        return [p for p in photos if p.name in validation]
    return [p for p in photos if p.name not in validation]


def load_backgrounds(paths: Sequence[Path], max_side: int = 400) -> list[np.ndarray]:
    """Photos shrunk (area) to at most ``max_side`` px, kept in memory: decoding 2048 px
    JPEGs for every sample would dominate a CPU training step."""
    images = []
    for path in paths:
        image = read_rgb(path)
        scale = max_side / max(image.shape[:2])
        if scale < 1:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        images.append(image)
    return images


class SyntheticShapes:
    """Filled coloured shapes (circle, square, triangle) pasted at random scales and
    positions on random crops of photos: a detection set we can make without downloads.

    Sample ``i`` is a pure function of ``(seed, i)``, so a held-out set built from the
    validation photos with a fixed seed is the same every run. Each image is
    ``size``×``size`` with 1 … ``max_objects`` shapes of side 12–60 % of the image, in a
    saturated random colour with a dark outline, overlapping others by at most IoU 0.3
    (a later shape may hide part of an earlier one, like real occlusion).
    """

    class_names = SHAPE_CLASSES

    def __init__(self, backgrounds: Sequence[np.ndarray], length: int, size: int = 160,
                 seed: int = 0, max_objects: int = 4, scale_range=(0.12, 0.6)):
        if not backgrounds:
            raise ValueError("SyntheticShapes needs at least one background photo")
        self.backgrounds = list(backgrounds)
        self.length, self.size, self.seed = length, size, seed
        self.max_objects, self.scale_range = max_objects, scale_range

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> DetectionSample:
        rng = np.random.default_rng([self.seed, index])
        image = self.background_crop(rng)
        boxes, labels = [], []
        for _ in range(int(rng.integers(1, self.max_objects + 1))):
            box = self.place(rng, boxes)
            if box is None:
                continue
            label = int(rng.integers(len(SHAPE_CLASSES)))
            self.draw(image, SHAPE_CLASSES[label], box, rng)
            boxes.append(box)
            labels.append(label + 1)
        return DetectionSample(image, np.array(boxes, np.float32).reshape(-1, 4),
                               np.array(labels, np.int64), f"synthetic-{self.seed}-{index}")

    def background_crop(self, rng: np.random.Generator) -> np.ndarray:
        photo = self.backgrounds[int(rng.integers(len(self.backgrounds)))]
        h, w = photo.shape[:2]
        side = int(rng.integers(min(h, w) // 2, min(h, w) + 1))
        y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
        crop = photo[y:y + side, x:x + side]
        return np.ascontiguousarray(cv2.resize(crop, (self.size, self.size),
                                               interpolation=cv2.INTER_AREA))

    def place(self, rng: np.random.Generator, taken: list) -> list | None:
        """A random square box that overlaps every taken box by IoU ≤ 0.3 (10 tries)."""
        for _ in range(10):
            side = rng.uniform(*self.scale_range) * self.size
            x, y = rng.uniform(0, self.size - side, size=2)
            box = [float(x), float(y), float(x + side), float(y + side)]
            if all(iou_xyxy(box, other) <= 0.3 for other in taken):
                return box
        return None

    @staticmethod
    def draw(image: np.ndarray, shape: str, box: list, rng: np.random.Generator) -> None:
        """Draw ``shape`` filling ``box`` exactly (so the box is the tight ground truth)."""
        hsv = np.uint8([[[rng.integers(0, 180), rng.integers(170, 256), rng.integers(170, 256)]]])
        colour = tuple(int(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0])
        x1, y1, x2, y2 = box
        # Sub-pixel corners via cv2's fixed-point "shift": 4 fractional bits.
        s = 16
        if shape == "circle":
            centre = (int((x1 + x2) / 2 * s), int((y1 + y2) / 2 * s))
            radius = int((x2 - x1) / 2 * s)
            cv2.circle(image, centre, radius, colour, -1, cv2.LINE_AA, shift=4)
            cv2.circle(image, centre, radius, (20, 20, 20), 1, cv2.LINE_AA, shift=4)
            return
        if shape == "square":
            corners = [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]
        else:
            corners = [((x1 + x2) / 2, y1), (x2, y2), (x1, y2)]
        points = (np.array(corners) * s).astype(np.int32)
        cv2.fillPoly(image, [points], colour, cv2.LINE_AA, shift=4)
        cv2.polylines(image, [points], True, (20, 20, 20), 1, cv2.LINE_AA, shift=4)


def iou_xyxy(a: Sequence[float], b: Sequence[float]) -> float:
    """IoU of two xyxy boxes (plain floats; the tensor version is ``box_coding.box_iou``)."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def to_input(image: np.ndarray, size: int) -> torch.Tensor:
    """``H×W×3`` uint8 RGB → ``[3, size, size]`` float in [-1, 1] (warped, bilinear)."""
    resized = cv2.resize(image, (size, size), interpolation=cv2.INTER_LINEAR)
    return to_tensor(resized)


def collate(samples: Sequence[DetectionSample], size: int):
    """Samples → (``images [B, 3, size, size]`` in [-1, 1], boxes list of ``[N_i, 4]`` xyxy
    in [0, 1], labels list of ``[N_i]``)."""
    images, boxes, labels = [], [], []
    for sample in samples:
        h, w = sample.image.shape[:2]
        images.append(to_input(sample.image, size))
        scale = torch.tensor([w, h, w, h], dtype=torch.float32)
        boxes.append(torch.from_numpy(sample.boxes).float().reshape(-1, 4) / scale)
        labels.append(torch.from_numpy(sample.labels).long())
    return torch.stack(images), boxes, labels
