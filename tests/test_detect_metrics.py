"""VOC and COCO detection AP: parity with pycocotools and a hand-worked VOC example."""
import numpy as np
import pytest

from inpaintkit.detect.metrics import coco_map, voc_ap_from_curve, voc_map


def random_set(seed: int, images: int = 12, classes: int = 3):
    """Ground truths and noisy detections (jittered copies, misses, false alarms)."""
    rng = np.random.default_rng(seed)
    dets, gts = [], []
    for _ in range(images):
        n = int(rng.integers(0, 6))
        xy = rng.uniform(0, 80, (n, 2))
        wh = rng.uniform(5, 40, (n, 2))
        boxes = np.concatenate([xy, xy + wh], 1)
        labels = rng.integers(1, classes + 1, n)
        gts.append((boxes, labels))
        keep = rng.random(n) < 0.8
        jitter = boxes[keep] + rng.normal(0, 3, (keep.sum(), 4))
        jitter[:, 2:] = np.maximum(jitter[:, 2:], jitter[:, :2] + 2)   # keep boxes proper
        m = int(rng.integers(0, 4))
        fxy = rng.uniform(0, 80, (m, 2))
        false = np.concatenate([fxy, fxy + rng.uniform(5, 40, (m, 2))], 1)
        d_boxes = np.concatenate([jitter, false])
        d_labels = np.concatenate([labels[keep], rng.integers(1, classes + 1, m)])
        d_scores = rng.random(len(d_boxes))
        dets.append((d_boxes, d_scores, d_labels))
    return dets, gts


def pycocotools_ap(dets, gts, classes: int = 3):
    pytest.importorskip("pycocotools")
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    images = [{"id": i + 1, "width": 200, "height": 200} for i in range(len(gts))]
    annotations, results = [], []
    for i, (boxes, labels) in enumerate(gts):
        for box, label in zip(boxes, labels):
            w, h = box[2] - box[0], box[3] - box[1]
            annotations.append({"id": len(annotations) + 1, "image_id": i + 1,
                                "category_id": int(label), "bbox": [*box[:2], w, h],
                                "area": w * h, "iscrowd": 0})
    for i, (boxes, scores, labels) in enumerate(dets):
        for box, score, label in zip(boxes, scores, labels):
            results.append({"image_id": i + 1, "category_id": int(label), "score": float(score),
                            "bbox": [box[0], box[1], box[2] - box[0], box[3] - box[1]]})
    ground = COCO()
    ground.dataset = {"images": images, "annotations": annotations,
                      "categories": [{"id": c} for c in range(1, classes + 1)]}
    ground.createIndex()
    evaluator = COCOeval(ground, ground.loadRes(results), "bbox")
    evaluator.evaluate()
    evaluator.accumulate()
    evaluator.summarize()
    return evaluator.stats


@pytest.mark.parametrize("seed", [0, 1])
def test_coco_map_matches_pycocotools(seed):
    dets, gts = random_set(seed)
    stats = pycocotools_ap(dets, gts)
    ours = coco_map(dets, gts)
    assert 0.05 < ours["map"] < 0.95            # a non-trivial set
    assert ours["map"] == pytest.approx(stats[0], abs=1e-9)
    assert ours["map_50"] == pytest.approx(stats[1], abs=1e-9)
    assert ours["map_75"] == pytest.approx(stats[2], abs=1e-9)


def test_voc_ap_hand_worked_example():
    # One class, 3 ground truths in two images. Detections by score:
    # 0.9 hit (TP), 0.8 duplicate of the same object (FP), 0.7 miss (FP), 0.6 hit (TP).
    # recall 1/3,1/3,1/3,2/3; precision 1, 1/2, 1/3, 1/2 → envelope 1 up to 1/3, then 1/2
    # up to 2/3 → AP = 1/3·1 + 1/3·1/2 = 0.5.
    gts = [(np.array([[0, 0, 10, 10], [20, 20, 30, 30]]), np.array([1, 1])),
           (np.array([[0, 0, 10, 10]]), np.array([1]))]
    dets = [(np.array([[0, 0, 10, 10], [0.5, 0, 10, 10], [50, 50, 60, 60]]),
             np.array([0.9, 0.8, 0.7]), np.array([1, 1, 1])),
            (np.array([[1, 1, 10, 10]]), np.array([0.6]), np.array([1]))]
    assert voc_map(dets, gts)["map"] == pytest.approx(0.5)
    # VOC2007 11-point: recall points 0, .1, .2, .3 → 1; .4 … .6 → 1/2; .7 … 1 → 0.
    assert voc_map(dets, gts, use_07_metric=True)["map"] == pytest.approx((4 + 3 * 0.5) / 11)


def test_voc_ap_perfect_and_difficult_ignored():
    gts = [(np.array([[0, 0, 10, 10], [20, 20, 30, 30]]), np.array([1, 2]),
            np.array([False, True]))]
    dets = [(np.array([[0, 0, 10, 10], [20, 20, 30, 30]]), np.array([0.9, 0.95]),
             np.array([1, 2]))]
    result = voc_map(dets, gts)
    assert result["per_class"] == {1: 1.0}     # class 2 has only a difficult object


def test_voc_map_agrees_with_coco_at_iou_half_when_no_ties():
    # With continuous scores the two protocols differ only in matching rule and
    # interpolation, so AP@0.5 must be close (not equal: 101 points vs exact area).
    dets, gts = random_set(3)
    assert voc_map(dets, gts)["map"] == pytest.approx(coco_map(dets, gts)["map_50"], abs=0.03)


def test_voc_ap_from_curve_envelope():
    recall = np.array([0.5, 0.5, 1.0])
    precision = np.array([1.0, 0.5, 0.6])
    assert voc_ap_from_curve(recall, precision) == pytest.approx(0.5 + 0.5 * 0.6)
