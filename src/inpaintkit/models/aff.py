"""``aff``: image inpainting with attention feature fusion (thesis §4.2).

The DeepFill v2 baseline of :mod:`inpaintkit.models.gated` (same :class:`TwoStageNet`,
built with two more options) plus

- **SCAF**, skip connection attention fusion (§4.2.2): in both stages the encoder features
  at full and ½ resolution are fused with the decoder features of the same resolution by
  AFF, and the fused feature is concatenated with the decoder feature;
- **DCR**, dilated convolution residual (§4.2.2): the dilated chain (rates 2, 4, 8, 16)
  becomes ``AFF(chain input, chain output)`` in both stages.

Table 4.2's rows are configurations (``skip``, ``dcr``):
``aff-concat-skip`` ("concat", False) — skip connections without AFF;
``aff-scaf`` ("aff", False); ``aff-dcr`` ("concat", True); ``aff`` ("aff", True).
Choices where the thesis is vague: Fig. 4.1 applies the fusions to "the" encoder–decoder,
and both stages are encoder–decoders, so both get them; the rows of Table 4.2 read as
additions to the first row, so DCR without SCAF keeps plain (concatenation) skips; in the
refine stage the skip features come from the dilation path. AFF is eq. 4.1 as
:class:`~inpaintkit.layers.fusion.AFF` implements it (no factor 2).
"""
from __future__ import annotations

from dataclasses import dataclass

from .gated import GatedConfig, GatedGenerator, SkipKind, TwoStageNet


@dataclass
class AFFConfig(GatedConfig):
    """:class:`GatedConfig` plus ``skip`` (``"none"``, ``"concat"`` or ``"aff"`` = SCAF),
    ``dcr`` (dilated convolution residual) and ``aff_norm``, MS-CAM's normalisation:
    ``"batch"`` (the paper) or ``"none"`` (needed to train with batch size 1)."""

    skip: SkipKind = "aff"
    dcr: bool = True
    aff_norm: str = "batch"


class AFFGenerator(GatedGenerator):
    """The gated baseline with SCAF and DCR; same interface and stages as
    :class:`GatedGenerator` (``coarse``, ``refine``), ``H``, ``W`` multiples of 8.

    AFF's MS-CAM uses batch normalisation by default: in training mode its global branch
    then needs more than one sample per batch (or ``aff_norm="none"``).
    """

    name = "aff"

    def __init__(self, config: AFFConfig | None = None) -> None:
        super().__init__(config or AFFConfig())

    @staticmethod
    def build_net(config: AFFConfig) -> TwoStageNet:
        return TwoStageNet(5, config.width, config.dilations, skip=config.skip, dcr=config.dcr,
                           softmax_scale=config.softmax_scale, aff_norm=config.aff_norm,
                           residual=config.residual, base=config.base)
