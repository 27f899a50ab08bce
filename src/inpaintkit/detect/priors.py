"""SSD default boxes ("priors"), parametrised by input size and feature-map sizes.

Scales follow SSD's Caffe rule (ssd_pascal.py): with L levels, level 0 gets
``first_ratio``% of the input as its min size and ``min_ratio``% as its max size; levels
1 … L−1 get min sizes ``min_ratio, min_ratio+step, …`` % with
``step = ⌊(max_ratio − min_ratio)/(L − 2)⌋`` and max size the next level's min size.
For 300 (6 levels, 10/20/90 %) this gives min sizes 30, 60, 111, 162, 213, 264 and max
sizes 60 … 315 — SSD300's table; for 512 with 7 levels SSD512 uses 7/15/90 %, giving
35.84, 76.8, …, 460.8 and 76.8, …, 537.6. Aspect ratios are {2} on the first and last two
levels, {2, 3} elsewhere. Boxes per location: 1 + 1 + 2·|ratios| (4 or 6), 8732 priors
for SSD300 and 24564 for SSD512.

Choice: centres are ``(j + 0.5)/f`` for an ``f``×``f`` map (Caffe uses its fixed steps
8, 16, 32, 64, 100, 300, which differ from 300/f by under 5 % of a cell).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch


@dataclass(frozen=True)
class PriorSpec:
    """Sizes in input pixels; ``aspect_ratios[l]`` lists the ratios r > 1 of level l."""

    image_size: int
    feature_maps: tuple[int, ...]
    min_sizes: tuple[float, ...]
    max_sizes: tuple[float, ...]
    aspect_ratios: tuple[tuple[int, ...], ...]

    @property
    def boxes_per_location(self) -> list[int]:
        return [2 + 2 * len(r) for r in self.aspect_ratios]

    @property
    def num_priors(self) -> int:
        return sum(f * f * n for f, n in zip(self.feature_maps, self.boxes_per_location))


def ssd_prior_spec(image_size: int, feature_maps: Sequence[int]) -> PriorSpec:
    """SSD's prior table for any input size and number of levels (see module doc)."""
    levels = len(feature_maps)
    if levels < 3:
        raise ValueError(f"SSD priors need at least 3 feature maps, got {list(feature_maps)}")
    first, low, high = (7, 15, 90) if levels >= 7 else (10, 20, 90)
    step = (high - low) // (levels - 2)
    ratios = [first] + [low + step * i for i in range(levels)]
    sizes = [image_size * r / 100 for r in ratios]
    min_sizes = [sizes[0]] + sizes[1:levels]
    max_sizes = sizes[1:levels + 1]
    aspect = [(2,)] + [(2, 3)] * (levels - 3) + [(2,), (2,)]
    return PriorSpec(image_size, tuple(feature_maps), tuple(min_sizes), tuple(max_sizes),
                     tuple(aspect))


def generate_priors(spec: PriorSpec) -> torch.Tensor:
    """All priors as ``[P, 4]`` (cx, cy, w, h), relative to the input size, clipped to [0, 1].

    Order: level, row, column, then per location [min square, √(min·max) square,
    (r, 1/r) and (1/r, r) boxes for each ratio r] — the order of the heads' outputs after
    ``permute(0, 2, 3, 1)``.
    """
    boxes = []
    for f, smin, smax, ratios in zip(spec.feature_maps, spec.min_sizes, spec.max_sizes,
                                     spec.aspect_ratios):
        small, big = smin / spec.image_size, math.sqrt(smin * smax) / spec.image_size
        shapes = [(small, small), (big, big)]
        for r in ratios:
            shapes += [(small * math.sqrt(r), small / math.sqrt(r)),
                       (small / math.sqrt(r), small * math.sqrt(r))]
        centres = (torch.arange(f, dtype=torch.float32) + 0.5) / f
        cy, cx = torch.meshgrid(centres, centres, indexing="ij")
        wh = torch.tensor(shapes, dtype=torch.float32)                    # [A, 2]
        centre = torch.stack([cx, cy], dim=-1).reshape(-1, 1, 2)          # [f·f, 1, 2]
        level = torch.cat([centre.expand(-1, len(shapes), 2),
                           wh.expand(f * f, -1, -1)], dim=-1)
        boxes.append(level.reshape(-1, 4))
    return torch.cat(boxes).clamp_(0.0, 1.0)
