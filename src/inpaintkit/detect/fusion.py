"""MPSSD's Feature Fusion Module and Pyramid Aggregation Module (thesis §5.2.2, eq. 5.5).

A *path* m fuses three consecutive base features starting at level ``start`` (eq. 5.5:
F_m takes x_{k+m−1}, x_{k+m}, …) and grows its own pyramid from the fused map down to the
smallest base level, so path pyramids have different lengths. For 300×300 and paths
starting at levels 0, 1, 2 the fused inputs are (conv4_3, fc7, conv6_2),
(fc7, conv6_2, conv7_2) — the thesis' Fig. 5.3 example — and (conv6_2, conv7_2, conv8_2).
The Pyramid Aggregation Module concatenates the same-scale features of all paths and
re-weights the channels with a Squeeze-and-Excitation block (eq. 5.6–5.8, C' = C/16).

Choices where the thesis is vague (after FSSD, Li & Zhou 2017, which the FFM follows):
1×1 conv + ReLU before a *bilinear* upsample, BatchNorm after the concatenation, every
pyramid level has ``path_channels`` channels (FSSD uses 512 on its first two levels), and
each pyramid level is made from the previous one by a 3×3 conv + ReLU whose stride and
padding reproduce the base pyramid's sizes (stride 2 where the size halves, otherwise a
valid convolution, as SSD's last extras do). The PAM takes only the path features, not the
base features.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F


def downsample(cin: int, cout: int, src: int, dst: int) -> nn.Sequential:
    """3×3 conv + ReLU taking an ``src``×``src`` map to ``dst``×``dst`` (see module doc)."""
    if (src + 1) // 2 == dst and src > 2:
        conv = nn.Conv2d(cin, cout, 3, stride=2, padding=1)
    else:  # valid convolution: 5 → 3 → 1 (SSD300), 2 → 1 (SSD512)
        conv = nn.Conv2d(cin, cout, src - dst + 1)
    return nn.Sequential(conv, nn.ReLU(inplace=True))


class FeatureFusionModule(nn.Module):
    """One FFM path (Fig. 5.3).

    ``forward(base)`` takes the whole base pyramid (list of ``[B, C_l, s_l, s_l]``) and
    returns this path's pyramid: ``len(sizes) − start`` maps ``[B, path_channels, s_l, s_l]``
    for l = start … L−1.
    """

    def __init__(self, base_channels: Sequence[int], sizes: Sequence[int], start: int,
                 reduce_channels: int, path_channels: int, num_inputs: int = 3):
        super().__init__()
        self.start = start
        self.inputs = range(start, min(start + num_inputs, len(sizes)))
        self.reduce = nn.ModuleList(
            nn.Sequential(nn.Conv2d(base_channels[i], reduce_channels, 1), nn.ReLU(inplace=True))
            for i in self.inputs
        )
        fused = reduce_channels * len(self.inputs)
        self.norm = nn.BatchNorm2d(fused)
        self.levels = nn.ModuleList([nn.Sequential(
            nn.Conv2d(fused, path_channels, 3, padding=1), nn.ReLU(inplace=True))])
        for src, dst in zip(sizes[start:-1], sizes[start + 1:]):
            self.levels.append(downsample(path_channels, path_channels, src, dst))

    def forward(self, base: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        size = base[self.start].shape[-2:]
        reduced = [
            F.interpolate(conv(base[i]), size=size, mode="bilinear", align_corners=False)
            for conv, i in zip(self.reduce, self.inputs)
        ]
        x = self.norm(torch.cat(reduced, dim=1))
        pyramid = []
        for level in self.levels:
            x = level(x)
            pyramid.append(x)
        return pyramid


class SqueezeExcitation(nn.Module):
    """SE channel attention (Hu et al. 2018): X̃_c = s_c·X_c with
    s = sigmoid(W2·ReLU(W1·z)), z = global average of X (eq. 5.6–5.8; the thesis swaps
    the names σ and δ, the operations are SENet's). ``[B, C, H, W] → [B, C, H, W]``."""

    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.excite = nn.Sequential(
            nn.Linear(channels, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, channels), nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = x.mean(dim=(2, 3))                      # squeeze, eq. 5.6
        s = self.excite(z)                          # excitation, eq. 5.7
        return x * s[:, :, None, None]              # scale, eq. 5.8


class PyramidAggregation(nn.Module):
    """PAM: level l of the output is SE(concat of every path's level-l map).

    ``forward(paths)``: ``paths[m]`` is path m's pyramid, starting at level
    ``starts[m]``; returns ``num_levels`` maps ``[B, C_l, s_l, s_l]`` with C_l the sum of the
    channels of the paths that reach level l (``out_channels[l]``). ``attention=False``
    keeps the concatenation only (used for FSSD, which has a single path and no SE).
    """

    def __init__(self, starts: Sequence[int], path_channels: int, num_levels: int,
                 attention: bool = True, reduction: int = 16):
        super().__init__()
        self.starts = list(starts)
        self.out_channels = [path_channels * sum(s <= level for s in starts)
                             for level in range(num_levels)]
        if min(self.out_channels) == 0:
            raise ValueError("every pyramid level needs at least one path: start a path at 0")
        self.attention = nn.ModuleList(
            SqueezeExcitation(c, reduction) if attention else nn.Identity()
            for c in self.out_channels
        )

    def forward(self, paths: Sequence[Sequence[torch.Tensor]]) -> list[torch.Tensor]:
        out = []
        for level, attend in enumerate(self.attention):
            same_scale = [p[level - s] for p, s in zip(paths, self.starts) if s <= level]
            out.append(attend(torch.cat(same_scale, dim=1)))
        return out
