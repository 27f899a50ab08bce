"""VGG16 made fully convolutional, plus SSD's extra layers (Liu et al. 2016; thesis §5.2.1).

The backbone returns SSD's *base feature pyramid* (eq. 5.1): ``conv4_3`` (L2-normalised),
``fc7``, then one feature per extra layer. For a 300×300 input the sizes are
38, 19, 10, 5, 3, 1; for 512×512 they are 64, 32, 16, 8, 4, 2, 1.

Choices beyond the paper, written down here:
- ``width`` multiplies every channel count (at least 8 channels), so that tests and the
  synthetic training run can use a small network; ``width=1`` is the original VGG16.
- ``batch_norm`` puts BatchNorm after every convolution. The original SSD uses an
  ImageNet-pretrained VGG without BN; we never download weights, and training from
  scratch without BN is slow, so the synthetic run uses BN (for every model compared).
- For input sizes other than 300/512 the extra layers that would shrink a feature below
  1×1 are dropped (see :func:`base_feature_sizes`); e.g. 160×160 gives 20, 10, 5, 3, 1.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

# VGG16 up to conv5_3: channel counts, "M" = 2×2 max-pool, "C" = the same with ceil_mode
# (SSD's pool3, which turns 75 into 38 for a 300 input).
VGG16_TO_CONV4_3 = (64, 64, "M", 128, 128, "M", 256, 256, 256, "C", 512, 512, 512)
VGG16_CONV5 = (512, 512, 512)

# One extra layer = (1×1 channels, 3×3 output channels, kernel, stride, padding),
# from SSD's Caffe prototxt (conv6_2 … conv9_2 in the thesis' naming, conv8_2 … conv11_2
# in the SSD paper's).
EXTRAS = {
    "ssd300": ((256, 512, 3, 2, 1), (128, 256, 3, 2, 1), (128, 256, 3, 1, 0), (128, 256, 3, 1, 0)),
    "ssd512": (
        (256, 512, 3, 2, 1), (128, 256, 3, 2, 1), (128, 256, 3, 2, 1),
        (128, 256, 3, 2, 1), (128, 256, 4, 1, 1),
    ),
}


def scaled(channels: int, width: float) -> int:
    """Channel count ``channels·width``, at least 8."""
    return max(8, int(round(channels * width)))


def base_feature_sizes(image_size: int, extras: Sequence[tuple]) -> list[int]:
    """Side lengths of the base pyramid for a square input, dropping extras that don't fit.

    conv4_3 is after pools 1, 2 (floor) and 3 (ceil); fc7 after pool4 (pool5 is 3×3
    stride 1 and conv6 is dilated with matching padding, so they keep the size).
    """
    size = math.ceil((image_size // 2 // 2) / 2)
    sizes = [size, size // 2]
    for _, _, kernel, stride, padding in extras:
        nxt = (sizes[-1] + 2 * padding - kernel) // stride + 1
        if nxt < 1:
            break
        sizes.append(nxt)
    return sizes


def conv_block(cin: int, cout: int, batch_norm: bool, **conv_args) -> list[nn.Module]:
    """conv → (BN) → ReLU."""
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, bias=not batch_norm, **conv_args)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(cout))
    layers.append(nn.ReLU(inplace=True))
    return layers


class L2Norm(nn.Module):
    """Channel-wise L2 normalisation with a learned per-channel scale (initialised to 20),
    SSD's fix for conv4_3's larger activations (Liu et al. 2016, §3.1, after ParseNet)."""

    def __init__(self, channels: int, scale: float = 20.0):
        super().__init__()
        self.weight = nn.Parameter(torch.full((channels,), scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.weight.view(1, -1, 1, 1) * nn.functional.normalize(x, dim=1, eps=1e-10)


class VGGBackbone(nn.Module):
    """VGG16 (fc6/fc7 as convolutions) + SSD extras.

    ``forward(images [B, 3, S, S] in [-1, 1]) -> list`` of the base features
    ``[B, C_l, s_l, s_l]``, l = 0 … L−1, shallow to deep; ``out_channels[l]`` is C_l.
    """

    def __init__(self, image_size: int = 300, extras: str = "ssd300", width: float = 1.0,
                 batch_norm: bool = False):
        super().__init__()
        self.sizes = base_feature_sizes(image_size, EXTRAS[extras])
        ch = lambda c: scaled(c, width)  # noqa: E731 - one-line alias keeps the tables readable
        layers, cin = [], 3
        for spec in VGG16_TO_CONV4_3:
            if spec in ("M", "C"):
                layers.append(nn.MaxPool2d(2, 2, ceil_mode=spec == "C"))
            else:
                layers += conv_block(cin, ch(spec), batch_norm, kernel_size=3, padding=1)
                cin = ch(spec)
        self.to_conv4_3 = nn.Sequential(*layers)
        self.l2norm = L2Norm(cin)
        layers = [nn.MaxPool2d(2, 2)]
        for spec in VGG16_CONV5:
            layers += conv_block(cin, ch(spec), batch_norm, kernel_size=3, padding=1)
            cin = ch(spec)
        # pool5 3×3/1 and the dilated fc6 are SSD's replacements for VGG's fc layers.
        layers.append(nn.MaxPool2d(3, 1, padding=1))
        layers += conv_block(cin, ch(1024), batch_norm, kernel_size=3, padding=6, dilation=6)
        layers += conv_block(ch(1024), ch(1024), batch_norm, kernel_size=1)
        self.to_fc7 = nn.Sequential(*layers)
        self.out_channels = [ch(512), ch(1024)]
        self.extras = nn.ModuleList()
        cin = ch(1024)
        for mid, out, kernel, stride, padding in EXTRAS[extras][: len(self.sizes) - 2]:
            self.extras.append(nn.Sequential(
                *conv_block(cin, ch(mid), batch_norm, kernel_size=1),
                *conv_block(ch(mid), ch(out), batch_norm, kernel_size=kernel, stride=stride,
                            padding=padding),
            ))
            cin = ch(out)
            self.out_channels.append(cin)

    def forward(self, images: torch.Tensor) -> list[torch.Tensor]:
        conv4_3 = self.to_conv4_3(images)
        features = [self.l2norm(conv4_3), self.to_fc7(conv4_3)]
        for extra in self.extras:
            features.append(extra(features[-1]))
        return features
