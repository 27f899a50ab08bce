"""``gated``: the two-stage coarse→refine baseline of DeepFill v2 (Yu et al. 2019; thesis
§2.2.3 "Gated"), built from blocks that the Pyramid Generator (§3.2) and the AFF model
(§4.2) reuse.

Layer for layer this is ``build_inpaint_net`` of the original ``generative_inpainting``
(v2) code, with ``width`` = its ``cnum`` (48):

- **coarse stage** (:class:`GatedUNet`): 5×5 conv, two stride-2 downsamplings to ¼
  resolution, a chain of dilated 3×3 gated convs (rates 2, 4, 8, 16), a decoder of two
  nearest-×2 gated "deconvs", a plain 3×3 conv to RGB and ``tanh``;
- **refine stage** (:class:`RefineNet`): the coarse output pasted into the known pixels,
  then two encoders side by side — a *dilation path* (same dilated chain) and an
  *attention path* ending in :class:`~inpaintkit.layers.attention.ContextualAttention`
  — concatenated and decoded like the coarse stage.

The original splits each ``cnum``-channel convolution into feature and gate halves, so
the *effective* width of a layer written "``2·cnum``" is ``cnum``; the channel plans
below are written in multiples of ``h = width / 2`` to give the same parameter count
(≈4.0 M at width 48). The refine stage sees the 3-channel pasted image only, as in v2
(v1 also fed ones and the mask).

Options used by the other models (all off for ``gated``):

- ``skip``: skip connections from the encoder (full and ½ resolution) into the decoder —
  ``"none"`` (DeepFill v2), ``"concat"`` (plain U-Net skip, Table 4.2 row 1) or ``"aff"``
  (SCAF, §4.2.2: ``concat(AFF(encoder, decoder), decoder)``). In the refine stage the
  skip features come from the dilation path (the attention path's features are copies).
- ``dcr``: dilated convolution residual (§4.2.2): ``AFF(chain input, chain output)``.
- ``aff_norm``: the AFF layers' MS-CAM normalisation (``"batch"`` or ``"none"``).
- ``residual`` (all three models; off by default, not in the papers): every stage
  predicts a *correction* to a base image instead of the image itself — the coarse stage
  to a classical fill of its input (``base``: ``"push-pull"``, ``"harmonic"`` or
  ``"navier-stokes"``, see :mod:`inpaintkit.fills`), the refine stage to the pasted
  coarse result. The output convolution starts at zero, so an untrained model already
  returns the classical fill (the harmonic one is above OpenCV's Telea and Navier–Stokes
  on PSNR and SSIM) and training only has to learn what that fill gets wrong; a plain
  stage starts from noise and needs far longer to reach a classical fill's quality. See
  :func:`corrected`.
- *injection points* (extra input channels) where the Pyramid Generator fuses the layer
  below (§3.2.2): see :data:`INJECTION_POINTS`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping, Optional, Sequence

import torch
from torch import nn

from ..layers.attention import ContextualAttention
from ..layers.gated import GatedConv2d, GatedDeconv2d
from ..fills import base_fill, fill_avoiding
from .base import InpaintGenerator, InpaintOutput, Stage

SkipKind = Literal["none", "concat", "aff"]

#: Where extra tensors can be concatenated into a :class:`TwoStageNet` (§3.2.2 fusion):
#: ``coarse_in``/``refine_in``: the coarse/refine stage input (refine: both paths);
#: ``refine_conv_in``/``refine_attention_in``: the input of one refine path only;
#: ``coarse_mid``: the coarse encoder's ¼-resolution features (before the dilated chain);
#: ``refine_mid``: the refine stage's merged ¼-resolution features (before the decoder).
INJECTION_POINTS = ("coarse_in", "coarse_mid", "refine_in", "refine_conv_in", "refine_attention_in", "refine_mid")

# Encoder channel plans in multiples of h = width/2, from the original code:
# (conv1 5×5, conv2 stride 2, conv3, conv4 stride 2, conv5, conv6).
COARSE_ENCODER = (1, 2, 2, 4, 4, 4)
REFINE_CONV_ENCODER = (1, 1, 2, 2, 4, 4)
REFINE_ATTENTION_ENCODER = (1, 1, 2, 4, 4, 4)


def half_width(width: int) -> int:
    """Effective channels ``h`` of a DeepFill layer written ``cnum`` (see module doc)."""
    if width < 2 or width % 2:
        raise ValueError(f"width must be an even number >= 2, got {width}")
    return width // 2


def check_size(image: torch.Tensor, multiple: int) -> None:
    """Raise ``ValueError`` unless ``image``'s height and width are multiples of
    ``multiple`` (every internal resize must be exact; ``inference`` pads for users)."""
    height, width = image.shape[-2:]
    if height % multiple or width % multiple:
        raise ValueError(f"input size {height}×{width} is not a multiple of {multiple}; pad it first")


def _cat(x: torch.Tensor, extra: Optional[torch.Tensor]) -> torch.Tensor:
    return x if extra is None else torch.cat([x, extra], dim=1)


def _aff(channels: int, norm: str) -> nn.Module:
    # Imported here: the plain DeepFill baseline must not depend on the fusion layers.
    from ..layers.fusion import AFF

    return AFF(channels, norm=norm)


class Encoder(nn.Module):
    """DeepFill encoder: full → ½ → ¼ resolution.

    ``B×in_ch×H×W`` → ``B×plan[5]·h×H/4×W/4``; also returns the skip features
    ``(full: B×plan[0]·h×H×W, half: B×plan[2]·h×H/2×W/2)``. ``mid_extra`` channels can be
    concatenated at ¼ resolution before ``conv5`` (feature-level fusion, Table 3.5).
    """

    def __init__(self, in_ch: int, h: int, plan: Sequence[int], mid_extra: int = 0,
                 last_activation: type[nn.Module] = nn.ELU) -> None:
        super().__init__()
        c1, c2, c3, c4, c5, c6 = (m * h for m in plan)
        self.conv1 = GatedConv2d(in_ch, c1, 5)
        self.conv2 = GatedConv2d(c1, c2, 3, stride=2)
        self.conv3 = GatedConv2d(c2, c3, 3)
        self.conv4 = GatedConv2d(c3, c4, 3, stride=2)
        self.conv5 = GatedConv2d(c4 + mid_extra, c5, 3)
        # DeepFill v2 ends the attention path's encoder with ReLU (non-negative features).
        self.conv6 = GatedConv2d(c5, c6, 3, activation=last_activation)
        self.out_channels = c6

    def forward(self, x: torch.Tensor, mid: Optional[torch.Tensor] = None):
        full = self.conv1(x)
        half = self.conv3(self.conv2(full))
        quarter = self.conv6(self.conv5(_cat(self.conv4(half), mid)))
        return quarter, (full, half)


class DilatedChain(nn.Module):
    """Dilated 3×3 gated convs at constant width (Iizuka et al. 2017's context block).

    With ``dcr`` the chain is a residual fused by AFF (§4.2.2, "dilated convolution
    residual"): ``AFF(x, chain(x))``, ``x`` being the identity and ``chain(x)`` the learned
    residual. Shapes: ``B×C×H×W`` → ``B×C×H×W``.
    """

    def __init__(self, channels: int, rates: Sequence[int], dcr: bool = False, aff_norm: str = "batch") -> None:
        super().__init__()
        self.convs = nn.Sequential(*(GatedConv2d(channels, channels, 3, dilation=r) for r in rates))
        self.residual_fusion = _aff(channels, aff_norm) if dcr else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.convs(x)
        return y if self.residual_fusion is None else self.residual_fusion(x, y)


class SkipFusion(nn.Module):
    """Combine an encoder feature with the decoder feature of the same resolution.

    ``"none"``: the decoder feature alone (C channels out); ``"concat"``: ``[enc, dec]``;
    ``"aff"``: SCAF (§4.2.2), ``[AFF(enc, dec), dec]`` (2C channels out).
    """

    def __init__(self, kind: SkipKind, channels: int, aff_norm: str = "batch") -> None:
        super().__init__()
        if kind not in ("none", "concat", "aff"):
            raise ValueError(f"unknown skip connection {kind!r}; use 'none', 'concat' or 'aff'")
        self.kind = kind
        self.fusion = _aff(channels, aff_norm) if kind == "aff" else None
        self.out_channels = channels if kind == "none" else 2 * channels

    def forward(self, encoder: torch.Tensor, decoder: torch.Tensor) -> torch.Tensor:
        if self.kind == "none":
            return decoder
        if self.kind == "concat":
            return torch.cat([encoder, decoder], dim=1)
        return torch.cat([self.fusion(encoder, decoder), decoder], dim=1)


def corrected(base: torch.Tensor, correction: torch.Tensor) -> torch.Tensor:
    """A residual stage's output: ``base + correction`` kept in [-1, 1]. A clamp, not a
    ``tanh``: the correction must be able to return ``base`` exactly (it starts at 0)."""
    return (base + correction).clamp(-1.0, 1.0)


class Decoder(nn.Module):
    """DeepFill decoder: ¼ → full resolution, to RGB in [-1, 1] (``tanh``).

    ``B×in_ch×H/4×W/4`` plus skip features ``(full: h, half: 2h channels)`` →
    ``B×3×H×W``. Widths (×h): 4, 4, up 2, 2, up 1, ½, then a plain conv to 3 channels.
    With ``residual=True`` the output is a correction instead (no ``tanh``; the output
    convolution starts at zero, so the correction does too).
    """

    def __init__(self, in_ch: int, h: int, skip: SkipKind = "none", aff_norm: str = "batch",
                 residual: bool = False) -> None:
        super().__init__()
        self.residual = residual
        self.conv11 = GatedConv2d(in_ch, 4 * h, 3)
        self.conv12 = GatedConv2d(4 * h, 4 * h, 3)
        self.up13 = GatedDeconv2d(4 * h, 2 * h)
        self.skip_half = SkipFusion(skip, 2 * h, aff_norm)
        self.conv14 = GatedConv2d(self.skip_half.out_channels, 2 * h, 3)
        self.up15 = GatedDeconv2d(2 * h, h)
        self.skip_full = SkipFusion(skip, h, aff_norm)
        self.conv16 = GatedConv2d(self.skip_full.out_channels, max(1, h // 2), 3)
        # The output layer is a plain convolution (the original's gen_conv with cnum=3).
        self.to_rgb = nn.Conv2d(max(1, h // 2), 3, 3, padding=1)
        if residual:
            nn.init.zeros_(self.to_rgb.weight)
            nn.init.zeros_(self.to_rgb.bias)

    def forward(self, x: torch.Tensor, skips: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        full, half = skips
        x = self.up13(self.conv12(self.conv11(x)))
        x = self.up15(self.conv14(self.skip_half(half, x)))
        x = self.conv16(self.skip_full(full, x))
        rgb = self.to_rgb(x)
        return rgb if self.residual else torch.tanh(rgb)


class GatedUNet(nn.Module):
    """One gated encoder–dilated chain–decoder stage: DeepFill's coarse network, and each
    lower layer of the Pyramid Generator.

    ``forward(x: B×in_ch×H×W, mid=None, base=None)`` → ``(image B×3×H×W in [-1, 1],
    features B×4h×H/4×W/4)``: the features after the dilated chain are what feature-level
    fusion (Table 3.5) hands to the layer above. ``H``, ``W`` multiples of 4. A
    ``residual`` net needs ``base``, the image its output corrects.
    """

    def __init__(self, in_ch: int, width: int, dilations: Sequence[int], skip: SkipKind = "none",
                 dcr: bool = False, mid_extra: int = 0, aff_norm: str = "batch",
                 residual: bool = False) -> None:
        super().__init__()
        h = half_width(width)
        self.residual = residual
        self.encoder = Encoder(in_ch, h, COARSE_ENCODER, mid_extra=mid_extra)
        self.chain = DilatedChain(self.encoder.out_channels, dilations, dcr, aff_norm)
        self.decoder = Decoder(self.encoder.out_channels, h, skip, aff_norm, residual)
        self.feature_channels = self.encoder.out_channels

    def forward(self, x: torch.Tensor, mid: Optional[torch.Tensor] = None,
                base: Optional[torch.Tensor] = None):
        features, skips = self.encoder(x, mid)
        features = self.chain(features)
        image = self.decoder(features, skips)
        if self.residual:
            if base is None:
                raise ValueError("a residual GatedUNet needs the base image its output corrects")
            image = corrected(base, image)
        return image, features


class RefineNet(nn.Module):
    """DeepFill v2's refine stage: a dilation path and a contextual-attention path on the
    same input, concatenated at ¼ resolution and decoded.

    ``forward(x: B×in_ch×H×W, mask: B×1×H×W, guidance, conv_extra, attention_extra,
    merge_extra)`` → ``B×3×H×W`` in [-1, 1] (a correction when ``residual``); ``H``, ``W``
    multiples of 8 (the attention matches at ⅛ resolution). The attention path's last encoder layer uses ReLU and is
    followed by two gated convs after the attention, as in the original.
    """

    def __init__(self, in_ch: int, width: int, dilations: Sequence[int], skip: SkipKind = "none",
                 dcr: bool = False, conv_extra: int = 0, attention_extra: int = 0, merge_extra: int = 0,
                 softmax_scale: float = 10.0, aff_norm: str = "batch", residual: bool = False) -> None:
        super().__init__()
        h = half_width(width)
        self.conv_encoder = Encoder(in_ch + conv_extra, h, REFINE_CONV_ENCODER)
        self.chain = DilatedChain(self.conv_encoder.out_channels, dilations, dcr, aff_norm)
        self.attention_encoder = Encoder(in_ch + attention_extra, h, REFINE_ATTENTION_ENCODER,
                                         last_activation=nn.ReLU)
        self.attention = ContextualAttention(ksize=3, stride=1, rate=2, fuse_k=3, softmax_scale=softmax_scale)
        self.after_attention = nn.Sequential(GatedConv2d(4 * h, 4 * h, 3), GatedConv2d(4 * h, 4 * h, 3))
        self.decoder = Decoder(self.conv_encoder.out_channels + 4 * h + merge_extra, h, skip, aff_norm, residual)

    def forward(self, x, mask, guidance=None, conv_extra=None, attention_extra=None, merge_extra=None):
        hallucinated, skips = self.conv_encoder(_cat(x, conv_extra))
        hallucinated = self.chain(hallucinated)
        copied, _ = self.attention_encoder(_cat(x, attention_extra))
        copied = self.after_attention(self.attention(copied, mask, guidance))
        merged = _cat(torch.cat([hallucinated, copied], dim=1), merge_extra)
        return self.decoder(merged, skips)


class TwoStageNet(nn.Module):
    """Coarse stage → paste known pixels → refine stage (DeepFill v2), with optional extra
    inputs at the :data:`INJECTION_POINTS` (``extra_channels`` says how many channels each
    gets; the tensors are passed to :meth:`forward` under the same names).
    """

    def __init__(self, in_ch: int, width: int, dilations: Sequence[int], skip: SkipKind = "none",
                 dcr: bool = False, extra_channels: Optional[Mapping[str, int]] = None,
                 softmax_scale: float = 10.0, aff_norm: str = "batch", residual: bool = False,
                 base: str = "push-pull") -> None:
        super().__init__()
        self.residual = residual
        self.base_fill = base_fill(base)
        extra = dict(extra_channels or {})
        unknown = set(extra) - set(INJECTION_POINTS)
        if unknown:
            raise ValueError(f"unknown injection points {sorted(unknown)}; known: {INJECTION_POINTS}")
        self.coarse = GatedUNet(in_ch + extra.get("coarse_in", 0), width, dilations, skip, dcr,
                                mid_extra=extra.get("coarse_mid", 0), aff_norm=aff_norm, residual=residual)
        self.refine = RefineNet(3 + extra.get("refine_in", 0), width, dilations, skip, dcr,
                                conv_extra=extra.get("refine_conv_in", 0),
                                attention_extra=extra.get("refine_attention_in", 0),
                                merge_extra=extra.get("refine_mid", 0), softmax_scale=softmax_scale,
                                aff_norm=aff_norm, residual=residual)

    def forward(self, x: torch.Tensor, masked_image: torch.Tensor, mask: torch.Tensor,
                guidance: Optional[torch.Tensor] = None,
                extras: Optional[Mapping[str, torch.Tensor]] = None,
                base: Optional[torch.Tensor] = None):
        """``x``: the stage-1 input ``B×in_ch×H×W``; ``masked_image``: ``B×3×H×W`` with the
        hole zeroed; returns ``(coarse, refined)``, both ``B×3×H×W`` in [-1, 1]. ``base``:
        the coarse stage's base fill when ``residual``, if the caller already has it (the
        Pyramid Generator computes its layers' fills together); else it is computed here."""
        extras = extras or {}
        if self.residual and base is None:
            base = fill_avoiding(self.base_fill, masked_image, mask, guidance)
        coarse, _ = self.coarse(_cat(x, extras.get("coarse_in")), extras.get("coarse_mid"), base)
        # DeepFill v2: the refine stage starts from the coarse guess inside the hole and the
        # input outside it, so it never sees (or has to reproduce) the coarse stage's errors
        # on known pixels.
        pasted = coarse * mask + masked_image * (1.0 - mask)
        refined = self.refine(_cat(pasted, extras.get("refine_in")), mask, guidance,
                              conv_extra=extras.get("refine_conv_in"),
                              attention_extra=extras.get("refine_attention_in"),
                              merge_extra=extras.get("refine_mid"))
        if self.residual:
            refined = corrected(pasted, refined)  # the refine stage corrects the coarse result
        return coarse, refined


@dataclass
class GatedConfig:
    """``gated`` (DeepFill v2). ``width``: the original's ``cnum`` (48); ``dilations``: the
    dilated chain's rates in both stages; ``softmax_scale``: contextual attention's (10)."""

    width: int = 48
    dilations: tuple[int, ...] = (2, 4, 8, 16)
    softmax_scale: float = 10.0
    residual: bool = False  # stages correct a classical fill (module docstring); not in the paper
    base: str = "push-pull"  # that fill, one of fills.BASE_FILLS

    def __post_init__(self) -> None:
        half_width(self.width)
        base_fill(self.base)
        self.dilations = tuple(int(r) for r in self.dilations)
        if not self.dilations or min(self.dilations) < 1:
            raise ValueError(f"dilations must be one or more positive rates, got {self.dilations}")


class GatedGenerator(InpaintGenerator):
    """DeepFill v2 two-stage generator.

    ``forward(image B×3×H×W in [-1,1], mask B×1×H×W) → InpaintOutput`` with stages
    ``coarse`` (L1 only) and ``refine`` (L1 + adversarial, the final output); ``H``, ``W``
    multiples of 8.
    """

    name = "gated"
    size_multiple = 8

    def __init__(self, config: Optional[GatedConfig] = None) -> None:
        super().__init__()
        self.config = config or GatedConfig()
        self.net = self.build_net(self.config)

    @staticmethod
    def build_net(config) -> TwoStageNet:
        return TwoStageNet(5, config.width, config.dilations, softmax_scale=config.softmax_scale,
                           residual=config.residual, base=config.base)

    def forward(self, image, mask, guidance=None, structure=None) -> InpaintOutput:
        check_size(image, self.size_multiple)
        coarse, refined = self.net(self.masked_input(image, mask), image * (1.0 - mask), mask, guidance)
        return InpaintOutput(
            output=refined,
            stages=[Stage("coarse", coarse), Stage("refine", refined, adversarial=True)],
        )
