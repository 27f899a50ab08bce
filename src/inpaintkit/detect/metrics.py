"""Detection accuracy: VOC-style AP at one IoU threshold and COCO-style AP@[.5:.95].

Inputs, per image, in any box unit as long as both sides use the same one:
``detections[i] = (boxes [N, 4] xyxy, scores [N], labels [N])`` and
``ground_truths[i] = (boxes [M, 4] xyxy, labels [M])`` (optionally a third entry
``difficult [M]`` bool for VOC). Numpy arrays or tensors; labels are class ids.

The two protocols differ on purpose, each following its reference code:
- VOC (devkit ``VOCevalDet`` / py-faster-rcnn ``voc_eval``): a detection is matched to
  the ground truth it overlaps *most*; it is a true positive if that IoU is > the
  threshold and the ground truth is not yet taken (else a false positive); difficult
  ground truths are ignored. AP is the area under the monotone precision envelope
  (VOC2010+) or the 11-point average (VOC2007, ``use_07_metric=True``). Coordinates are
  continuous (no "+1"), unlike the devkit's pixel convention.
- COCO (``pycocotools.cocoeval``): per image and class the best 100 detections; each is
  matched to the *unmatched* ground truth of highest IoU ≥ t, for t = 0.50, 0.55 … 0.95;
  precision is read at 101 recall points. Classes without ground truth are left out of
  every mean (both protocols).
"""
from __future__ import annotations

import numpy as np

COCO_IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
COCO_RECALL_POINTS = np.linspace(0.0, 1.0, 101)


def _numpy(x) -> np.ndarray:
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``[N, 4]``, ``[M, 4]`` xyxy → ``[N, M]`` IoU (float64)."""
    a, b = a.astype(np.float64).reshape(-1, 4), b.astype(np.float64).reshape(-1, 4)
    wh = np.clip(np.minimum(a[:, None, 2:], b[None, :, 2:])
                 - np.maximum(a[:, None, :2], b[None, :, :2]), 0, None)
    inter = wh[..., 0] * wh[..., 1]
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    union = area(a)[:, None] + area(b)[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def _class_view(detections, ground_truths, label):
    """Per image: (det boxes, det scores, gt boxes, gt difficult) of one class."""
    for det, gt in zip(detections, ground_truths):
        d_boxes, d_scores, d_labels = (_numpy(x) for x in det)
        g_boxes, g_labels = _numpy(gt[0]).reshape(-1, 4), _numpy(gt[1])
        difficult = _numpy(gt[2]).astype(bool) if len(gt) > 2 else np.zeros(len(g_labels), bool)
        d, g = d_labels == label, g_labels == label
        yield d_boxes.reshape(-1, 4)[d], d_scores[d], g_boxes[g], difficult[g]


def _labels(ground_truths) -> list[int]:
    return sorted({int(x) for gt in ground_truths for x in _numpy(gt[1]).ravel()})


def voc_ap_from_curve(recall: np.ndarray, precision: np.ndarray,
                      use_07_metric: bool = False) -> float:
    """Area under a precision/recall curve the VOC way (see module doc)."""
    if use_07_metric:
        return float(np.mean([precision[recall >= t].max() if (recall >= t).any() else 0.0
                              for t in np.linspace(0, 1, 11)]))
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[0.0], precision, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]      # monotone envelope
    steps = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]))


def voc_class_ap(detections, ground_truths, label: int, iou_threshold: float = 0.5,
                 use_07_metric: bool = False) -> float | None:
    """VOC AP of one class; ``None`` if the class has no (non-difficult) ground truth."""
    records, num_pos, gts = [], 0, []
    for image, (d_boxes, d_scores, g_boxes, difficult) in enumerate(
            _class_view(detections, ground_truths, label)):
        num_pos += int((~difficult).sum())
        gts.append((g_boxes, difficult, np.zeros(len(g_boxes), bool)))
        records += [(float(s), image, b) for s, b in zip(d_scores, d_boxes)]
    if num_pos == 0:
        return None
    records.sort(key=lambda r: -r[0])                   # stable, like numpy's argsort(-s)
    tp, fp = np.zeros(len(records)), np.zeros(len(records))
    for k, (_, image, box) in enumerate(records):
        g_boxes, difficult, taken = gts[image]
        overlaps = iou_matrix(box[None], g_boxes)[0] if len(g_boxes) else np.zeros(0)
        best = int(overlaps.argmax()) if len(overlaps) else -1
        if best >= 0 and overlaps[best] > iou_threshold:
            if difficult[best]:
                continue                                # neither TP nor FP
            if not taken[best]:
                tp[k], taken[best] = 1, True
                continue
        fp[k] = 1
    tp, fp = np.cumsum(tp), np.cumsum(fp)
    recall = tp / num_pos
    precision = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return voc_ap_from_curve(recall, precision, use_07_metric)


def voc_map(detections, ground_truths, iou_threshold: float = 0.5,
            use_07_metric: bool = False) -> dict:
    """``{"map": mean AP, "per_class": {label: AP}}`` over classes with ground truth."""
    per_class = {}
    for label in _labels(ground_truths):
        ap = voc_class_ap(detections, ground_truths, label, iou_threshold, use_07_metric)
        if ap is not None:
            per_class[label] = ap
    return {"map": float(np.mean(list(per_class.values()))) if per_class else 0.0,
            "per_class": per_class}


def _coco_match(d_boxes, d_scores, g_boxes, max_detections):
    """One image, one class → (scores [D], matched [T, D]) after COCO's greedy matching."""
    order = np.argsort(-d_scores, kind="mergesort")[:max_detections]
    d_boxes, d_scores = d_boxes[order], d_scores[order]
    ious = iou_matrix(d_boxes, g_boxes)
    matched = np.zeros((len(COCO_IOU_THRESHOLDS), len(d_boxes)), bool)
    for t, threshold in enumerate(COCO_IOU_THRESHOLDS):
        taken = np.zeros(len(g_boxes), bool)
        for d in range(len(d_boxes)):
            best, best_iou = -1, min(threshold, 1 - 1e-10)
            for g in range(len(g_boxes)):
                if taken[g] or ious[d, g] < best_iou:
                    continue
                best, best_iou = g, ious[d, g]
            if best >= 0:
                taken[best], matched[t, d] = True, True
    return d_scores, matched


def coco_class_precision(detections, ground_truths, label: int,
                         max_detections: int = 100) -> np.ndarray | None:
    """``[T, 101]`` interpolated precision of one class (COCO's ``accumulate``)."""
    scores, matches, num_gt = [], [], 0
    for d_boxes, d_scores, g_boxes, _ in _class_view(detections, ground_truths, label):
        num_gt += len(g_boxes)
        s, m = _coco_match(d_boxes, d_scores, g_boxes, max_detections)
        scores.append(s)
        matches.append(m)
    if num_gt == 0:
        return None
    order = np.argsort(-np.concatenate(scores), kind="mergesort")
    matched = np.concatenate(matches, axis=1)[:, order]
    precision = np.zeros((len(COCO_IOU_THRESHOLDS), len(COCO_RECALL_POINTS)))
    for t, row in enumerate(matched):
        tp, fp = np.cumsum(row), np.cumsum(~row)
        recall = tp / num_gt
        prec = tp / (tp + fp + np.spacing(1))
        prec = np.maximum.accumulate(prec[::-1])[::-1] if len(prec) else prec
        index = np.searchsorted(recall, COCO_RECALL_POINTS, side="left")
        valid = index < len(prec)
        precision[t, valid] = prec[index[valid]]
    return precision


def coco_map(detections, ground_truths, max_detections: int = 100) -> dict:
    """COCO box AP (area "all"): ``{"map": AP@[.5:.95], "map_50", "map_75",
    "per_class": {label: AP@[.5:.95]}}``."""
    per_class = {}
    for label in _labels(ground_truths):
        precision = coco_class_precision(detections, ground_truths, label, max_detections)
        if precision is not None:
            per_class[label] = precision
    if not per_class:
        return {"map": 0.0, "map_50": 0.0, "map_75": 0.0, "per_class": {}}
    stacked = np.stack(list(per_class.values()))          # [K, T, R]
    return {"map": float(stacked.mean()), "map_50": float(stacked[:, 0].mean()),
            "map_75": float(stacked[:, 5].mean()),
            "per_class": {k: float(v.mean()) for k, v in per_class.items()}}
