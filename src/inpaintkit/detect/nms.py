"""Non-maximum suppression (vectorised) and SSD's post-processing that uses it."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

from .box_coding import box_iou, decode


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Greedy NMS: ``boxes [N, 4]`` xyxy, ``scores [N]`` → indices kept, best first.

    Vectorised as a fixed point instead of a Python loop over boxes: with boxes sorted by
    score, box i survives iff no *surviving* higher-scored box overlaps it more than the
    threshold. Starting from "all survive", each sweep fixes at least one more leading
    entry, and the greedy answer is the recursion's only fixed point, so the result equals
    the classic loop; in practice a few sweeps suffice.
    """
    order = scores.argsort(descending=True)
    sorted_boxes = boxes[order]
    suppresses = (box_iou(sorted_boxes, sorted_boxes) > iou_threshold).triu(diagonal=1)
    keep = torch.ones(len(order), dtype=torch.bool, device=boxes.device)
    while True:
        survivors = ~(suppresses & keep[:, None]).any(dim=0)
        if torch.equal(survivors, keep):
            return order[keep]
        keep = survivors


def batched_nms(boxes: torch.Tensor, scores: torch.Tensor, classes: torch.Tensor,
                iou_threshold: float) -> torch.Tensor:
    """NMS within each class at once: boxes of different classes are shifted apart so
    they can never overlap (the offset trick of torchvision's ``batched_nms``)."""
    if boxes.numel() == 0:
        return torch.zeros(0, dtype=torch.long, device=boxes.device)
    offsets = classes.to(boxes) * (boxes.max() - boxes.min() + 1)
    return nms(boxes + offsets[:, None], scores, iou_threshold)


@dataclass
class Detections:
    """One image's detections: ``boxes [N, 4]`` xyxy relative to the input (in [0, 1]),
    ``scores [N]`` in [0, 1], ``labels [N]`` in 1 … C−1 (0 is background), best first."""

    boxes: torch.Tensor
    scores: torch.Tensor
    labels: torch.Tensor


def postprocess(locations: torch.Tensor, class_logits: torch.Tensor, priors: torch.Tensor,
                score_threshold: float = 0.01, nms_threshold: float = 0.45,
                top_k: int = 200, max_detections: int = 100) -> list[Detections]:
    """SSD inference: decode, softmax, per-class threshold and top-k, per-class NMS,
    keep the best ``max_detections`` (lufficc/SSD's defaults).

    ``locations [B, P, 4]``, ``class_logits [B, P, C]``, ``priors [P, 4]`` cxcywh."""
    boxes = decode(locations, priors).clamp(0.0, 1.0)
    probabilities = F.softmax(class_logits, dim=-1)
    return [detect_one(image_boxes, image_probs, score_threshold, nms_threshold, top_k,
                       max_detections)
            for image_boxes, image_probs in zip(boxes, probabilities)]


def detect_one(boxes: torch.Tensor, probabilities: torch.Tensor, score_threshold: float,
               nms_threshold: float, top_k: int, max_detections: int) -> Detections:
    """One image: ``boxes [P, 4]`` xyxy, ``probabilities [P, C]`` → :class:`Detections`.

    NMS runs class by class (C small IoU matrices of ≤ top_k boxes) rather than through
    :func:`batched_nms`: with an untrained or unsure model every class keeps top_k
    candidates, and one (C·top_k)² matrix costs far more than C of size top_k²."""
    kept_boxes, kept_scores, kept_labels = [], [], []
    for label in range(1, probabilities.shape[1]):
        scores = probabilities[:, label]
        candidates = (scores > score_threshold).nonzero().squeeze(1)
        candidates = candidates[scores[candidates].argsort(descending=True)[:top_k]]
        candidates = candidates[nms(boxes[candidates], scores[candidates], nms_threshold)]
        kept_boxes.append(boxes[candidates])
        kept_scores.append(scores[candidates])
        kept_labels.append(torch.full_like(candidates, label))
    scores = torch.cat(kept_scores)
    best = scores.argsort(descending=True)[:max_detections]
    return Detections(torch.cat(kept_boxes)[best], scores[best], torch.cat(kept_labels)[best])
