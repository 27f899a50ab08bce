"""Boxes: format conversion, IoU, SSD's offset encoding and prior matching.

All boxes here are relative to the input size (values in [0, 1]); ``xyxy`` is
(x_min, y_min, x_max, y_max) and ``cxcywh`` is (centre x, centre y, width, height).
Encoding is SSD's (Liu et al. 2016, eq. 2) with the Caffe "variances" 0.1 and 0.2:
  t_xy = (c_gt − c_prior) / (0.1 · wh_prior),  t_wh = log(wh_gt / wh_prior) / 0.2.
"""
from __future__ import annotations

import torch

CENTER_VARIANCE = 0.1
SIZE_VARIANCE = 0.2


def xyxy_to_cxcywh(boxes: torch.Tensor) -> torch.Tensor:
    """``[..., 4]`` corners → centre/size."""
    return torch.cat([(boxes[..., :2] + boxes[..., 2:]) / 2, boxes[..., 2:] - boxes[..., :2]], -1)


def cxcywh_to_xyxy(boxes: torch.Tensor) -> torch.Tensor:
    """``[..., 4]`` centre/size → corners."""
    return torch.cat([boxes[..., :2] - boxes[..., 2:] / 2, boxes[..., :2] + boxes[..., 2:] / 2], -1)


def box_area(boxes: torch.Tensor) -> torch.Tensor:
    """``[..., 4]`` xyxy → ``[...]`` areas (0 for degenerate boxes)."""
    return (boxes[..., 2] - boxes[..., 0]).clamp(min=0) * (boxes[..., 3] - boxes[..., 1]).clamp(min=0)


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of every pair: ``[N, 4]``, ``[M, 4]`` xyxy → ``[N, M]`` in [0, 1].

    Continuous coordinates (no "+1" pixel convention), like COCO's evaluation."""
    top_left = torch.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = torch.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = (bottom_right - top_left).clamp(min=0).prod(-1)
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return inter / union.clamp(min=1e-12)


def encode(boxes: torch.Tensor, priors: torch.Tensor) -> torch.Tensor:
    """Regression targets: ``boxes [..., P, 4]`` xyxy, ``priors [P, 4]`` cxcywh → ``[..., P, 4]``."""
    centre_size = xyxy_to_cxcywh(boxes)
    t_xy = (centre_size[..., :2] - priors[:, :2]) / (CENTER_VARIANCE * priors[:, 2:])
    t_wh = torch.log(centre_size[..., 2:].clamp(min=1e-6) / priors[:, 2:]) / SIZE_VARIANCE
    return torch.cat([t_xy, t_wh], dim=-1)


def decode(locations: torch.Tensor, priors: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`encode`: ``locations [..., P, 4]`` → boxes ``[..., P, 4]`` xyxy."""
    centre = priors[:, :2] + locations[..., :2] * CENTER_VARIANCE * priors[:, 2:]
    size = priors[:, 2:] * torch.exp(locations[..., 2:] * SIZE_VARIANCE)
    return cxcywh_to_xyxy(torch.cat([centre, size], dim=-1))


def match(gt_boxes: torch.Tensor, gt_labels: torch.Tensor, priors: torch.Tensor,
          iou_threshold: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
    """Assign each prior a ground-truth box (SSD's matching strategy, §2.2).

    Every ground truth gets its best prior; every other prior gets the ground truth it
    overlaps most if that IoU ≥ ``iou_threshold``, else background (label 0).

    ``gt_boxes [G, 4]`` xyxy in [0, 1], ``gt_labels [G]`` in 1 … C−1, ``priors [P, 4]``
    cxcywh → (``locations [P, 4]`` encoded targets, ``labels [P]`` int64).
    """
    if len(gt_boxes) == 0:
        return torch.zeros_like(priors), torch.zeros(len(priors), dtype=torch.long,
                                                     device=priors.device)
    iou = box_iou(gt_boxes, cxcywh_to_xyxy(priors))            # [G, P]
    best_iou, best_gt = iou.max(dim=0)                          # per prior
    best_prior = iou.argmax(dim=1)                              # per ground truth
    # Force each ground truth onto its best prior (later ones win a shared prior,
    # as in the reference implementations).
    best_gt[best_prior] = torch.arange(len(gt_boxes), device=priors.device)
    best_iou[best_prior] = 2.0
    labels = gt_labels[best_gt].long()
    labels[best_iou < iou_threshold] = 0
    return encode(gt_boxes[best_gt], priors), labels
