"""Attentional feature fusion (Dai et al. 2021, "Attentional Feature Fusion"; thesis §4.2.2).

MS-CAM computes per-element channel-attention weights from a local (per-pixel) and a
global (image-level) context, eq. 4.2–4.4; AFF uses them to blend two features, eq. 4.1:

    F = s · ( M(X + Y) ⊗ X + (1 − M(X + Y)) ⊗ Y )

The thesis writes eq. 4.1 with ``s = 1``; the authors' reference code (open-aff,
``fusion.py``) returns ``2·x·w + 2·y·(1−w)``, i.e. ``s = 2``. We default to the thesis'
``s = 1``: the result is then a convex combination of the two inputs and keeps their
magnitude, which matters here because the generators have no normalisation after the
fusion (SCAF concatenates the fused feature with the decoder feature, DCR feeds it to the
decoder). ``scale=2.0`` reproduces the reference code exactly.
"""
from __future__ import annotations

from typing import Literal

import torch
from torch import nn

Tensor = torch.Tensor


def _context(channels: int, hidden: int, norm: Literal["batch", "none"]) -> list[nn.Module]:
    """Point-wise bottleneck ``B(PWConv₂(ReLU(B(PWConv₁(·)))))`` of eq. 4.2–4.3."""
    def bn(width: int) -> nn.Module:
        return nn.BatchNorm2d(width) if norm == "batch" else nn.Identity()

    return [
        nn.Conv2d(channels, hidden, kernel_size=1),
        bn(hidden),
        nn.ReLU(inplace=True),
        nn.Conv2d(hidden, channels, kernel_size=1),
        bn(channels),
    ]


class MSCAM(nn.Module):
    """Multi-scale channel attention module: ``W(X) = σ(L(X) ⊕ g(X))`` (eq. 4.2–4.4).

    Args:
        channels: ``C``.
        reduction: bottleneck ratio ``r`` (hidden width ``max(1, C // r)``), 4 as in the
            reference code.
        norm: ``"batch"`` (the paper) or ``"none"``. With ``"batch"`` the global branch
            normalises ``B×C×1×1`` statistics, which PyTorch refuses in training mode for a
            batch of one; use ``"none"`` when training with batch size 1.

    ``forward(x)`` returns the weights ``W`` (``B×C×H×W``, in (0, 1)), not ``X ⊗ W``;
    :meth:`attend` gives eq. 4.4's ``X' = X ⊗ W(X)``.
    """

    def __init__(self, channels: int, reduction: int = 4, norm: Literal["batch", "none"] = "batch") -> None:
        super().__init__()
        if norm not in ("batch", "none"):
            raise ValueError(f"norm must be 'batch' or 'none', not {norm!r}")
        hidden = max(1, channels // reduction)
        self.local_context = nn.Sequential(*_context(channels, hidden, norm))
        self.global_context = nn.Sequential(nn.AdaptiveAvgPool2d(1), *_context(channels, hidden, norm))

    def forward(self, x: Tensor) -> Tensor:
        """``x`` ``B×C×H×W`` → weights ``B×C×H×W`` in (0, 1); the global context
        (``B×C×1×1``) is broadcast over the local one (the ⊕ of eq. 4.4)."""
        return torch.sigmoid(self.local_context(x) + self.global_context(x))

    def attend(self, x: Tensor) -> Tensor:
        """Eq. 4.4: ``X' = X ⊗ W(X)``, same shape as ``x``."""
        return x * self(x)


class AFF(nn.Module):
    """Attentional feature fusion of two same-shaped features (eq. 4.1).

    Args:
        channels: ``C`` of both inputs.
        reduction: MS-CAM bottleneck ratio (4).
        scale: ``s`` in ``s·(W⊗X + (1−W)⊗Y)``; 1 follows the thesis' eq. 4.1 (default),
            2 the open-aff reference code (see the module docstring).
        norm: MS-CAM normalisation, ``"batch"`` or ``"none"``.
    """

    def __init__(
        self,
        channels: int,
        reduction: int = 4,
        scale: float = 1.0,
        norm: Literal["batch", "none"] = "batch",
    ) -> None:
        super().__init__()
        self.attention = MSCAM(channels, reduction, norm)
        self.scale = scale

    def extra_repr(self) -> str:
        return f"scale={self.scale}"

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        """``x``, ``y``: ``B×C×H×W`` → fused ``B×C×H×W``. In SCAF ``x`` is the encoder
        feature and ``y`` the decoder feature; in DCR ``x`` is the dilated chain's input
        (identity) and ``y`` its output (residual)."""
        weights = self.attention(x + y)
        # y + w·(x − y) is w·x + (1−w)·y with one product fewer.
        return self.scale * (y + weights * (x - y))
