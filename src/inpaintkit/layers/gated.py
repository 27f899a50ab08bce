"""Gated convolution (Yu et al. 2019, "Free-Form Image Inpainting with Gated Convolution",
DeepFill v2; thesis §2.2.3 "Gated").

A gated convolution learns a soft, per-pixel, per-channel validity mask instead of the
hard rule of partial convolution: one convolution produces a *feature* half and a *gate*
half, and the output is ``act(feature) · sigmoid(gate)``.

Choices, following the original TensorFlow code (``inpaint_ops.gen_conv``/``gen_deconv``):

- One convolution with ``2·out_ch`` outputs split into feature and gate (the original
  splits a ``cnum``-channel conv in two, so its effective width is ``cnum/2``; here
  ``out_ch`` is the *effective* width and the generators pass ``cnum/2``).
- "Same" padding ``dilation·(k−1)/2`` with zeros. For stride 2 the original's TF ``SAME``
  pads asymmetrically (0 before, 1 after); symmetric padding gives the same output size
  (``ceil(H/2)``) and a half-pixel different alignment, which only matters when porting
  TF weights.
- ``GatedDeconv2d`` is nearest-neighbour ×2 upsampling followed by a 3×3 gated conv, as
  ``gen_deconv`` (no transposed convolution, hence no checkerboard artefacts).
- Not the original's: the weights start at ``N(0, (2/√fan_in)²)`` and the biases at 0
  (:data:`INIT_GAIN`). Near 0, ``ELU(f)·sigmoid(g) ≈ f/2``: every gated layer halves its
  input's amplitude, so with PyTorch's default initialisation a stage of 17 of them passes
  ~10⁻⁸ of a change of its input to its output (~10⁻⁷ with TF's Glorot, the original's):
  a constant function, and a ``residual`` stage (zero output convolution) then only
  learns a constant correction. This gain keeps a change of the input at its own order
  through the stage (``tests/test_gated_layers.py``; the measurements on trained
  pyramids: ``docs/experiments/2026-11-26-dead-stages.md``).
"""
from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

#: Weight std ``INIT_GAIN/√fan_in`` for the convolution of a gated layer: twice the
#: variance-preserving std of a linear layer, because the sigmoid gate (≈ ½ at 0) halves
#: the signal (He et al. 2015's argument with the gate in place of the ReLU).
INIT_GAIN = 2.0


class GatedConv2d(nn.Module):
    """``act(conv_f(x)) · sigmoid(conv_g(x))`` with "same" padding.

    Args:
        in_ch: input channels.
        out_ch: output channels (the gate has as many).
        kernel_size: odd kernel size.
        stride: 1 or 2.
        dilation: dilation rate (DeepFill's ``rate``), for the dilated chain.
        activation: a module *class* for the feature half (``nn.ELU`` as DeepFill v2,
            ``nn.ReLU`` before contextual attention) or ``None`` for a linear feature.

    Shapes: ``B×in_ch×H×W`` → ``B×out_ch×ceil(H/stride)×ceil(W/stride)``; any real input,
    output in ``(−1, ∞)`` for ELU.
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernel_size: int,
        stride: int = 1,
        dilation: int = 1,
        activation: Optional[type[nn.Module]] = nn.ELU,
    ) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd for 'same' padding, got {kernel_size}")
        self.out_ch = out_ch
        padding = dilation * (kernel_size - 1) // 2
        # One conv for both halves: the same arithmetic as the original's split, one kernel launch.
        self.conv = nn.Conv2d(in_ch, 2 * out_ch, kernel_size, stride=stride, padding=padding, dilation=dilation)
        nn.init.normal_(self.conv.weight, 0.0, INIT_GAIN / math.sqrt(self.conv.weight[0].numel()))
        nn.init.zeros_(self.conv.bias)
        self.activation = activation() if activation is not None else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feature, gate = self.conv(x).split(self.out_ch, dim=1)
        return self.activation(feature) * torch.sigmoid(gate)


class GatedDeconv2d(nn.Module):
    """Nearest ×2 upsampling then a 3×3 :class:`GatedConv2d` (DeepFill v2 ``gen_deconv``).

    Shapes: ``B×in_ch×H×W`` → ``B×out_ch×2H×2W``.
    """

    def __init__(self, in_ch: int, out_ch: int, activation: Optional[type[nn.Module]] = nn.ELU) -> None:
        super().__init__()
        self.conv = GatedConv2d(in_ch, out_ch, 3, activation=activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))
