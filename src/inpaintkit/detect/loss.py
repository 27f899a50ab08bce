"""SSD's multibox loss with hard-negative mining (Liu et al. 2016, eq. 1 and §2.2).

L = (L_conf + L_loc) / N with N the number of positive priors: L_loc is smooth-L1 over
positives, L_conf is cross-entropy over positives and the ``neg_pos_ratio``·N negatives
(per image) with the highest background loss, so easy background cannot swamp training.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def hard_negative_mask(class_logits: torch.Tensor, labels: torch.Tensor,
                       neg_pos_ratio: int) -> torch.Tensor:
    """``[B, P, C]`` logits, ``[B, P]`` labels → ``[B, P]`` bool: positives and the
    hardest ``neg_pos_ratio``× as many negatives of each image."""
    with torch.no_grad():
        background_loss = -F.log_softmax(class_logits, dim=-1)[..., 0]
        positive = labels > 0
        background_loss[positive] = -float("inf")
        # Rank of each prior by loss: two argsorts (as in the reference implementations).
        rank = background_loss.argsort(dim=1, descending=True).argsort(dim=1)
        num_neg = positive.sum(dim=1, keepdim=True) * neg_pos_ratio
        return positive | (rank < num_neg)


class MultiBoxLoss(nn.Module):
    """``forward(locations [B, P, 4], class_logits [B, P, C], target_locations [B, P, 4],
    target_labels [B, P]) -> (loc_loss, conf_loss)``, both scalars already divided by
    the number of positives (at least 1)."""

    def __init__(self, neg_pos_ratio: int = 3):
        super().__init__()
        self.neg_pos_ratio = neg_pos_ratio

    def forward(self, locations, class_logits, target_locations, target_labels):
        mask = hard_negative_mask(class_logits, target_labels, self.neg_pos_ratio)
        conf_loss = F.cross_entropy(class_logits[mask], target_labels[mask], reduction="sum")
        positive = target_labels > 0
        loc_loss = F.smooth_l1_loss(locations[positive], target_locations[positive],
                                    reduction="sum")
        num_pos = positive.sum().clamp(min=1)
        return loc_loss / num_pos, conf_loss / num_pos
