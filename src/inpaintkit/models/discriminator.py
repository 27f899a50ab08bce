"""SN-PatchGAN discriminator (Yu et al. 2019, DeepFill v2 §3.2; thesis §4.2.3, eq. 4.11).

Six 5×5 stride-2 convolutions with spectral normalisation (Miyato et al. 2018), widths
64-128-256-256-256-256, each followed by LeakyReLU(0.2) — the last one included, as in
the original ``build_sn_patch_gan_discriminator``. Every output element is a GAN "patch"
logit with a receptive field covering most of a 256² input, so the hinge loss applies
to each location of free-form holes (§4.2.3). The input is the image with the mask as
a fourth channel. The original flattens the output; we keep the ``B×C×h×w`` map and let
the losses average it (the same numbers).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

#: Channel multiples of ``width`` for the six layers (64-128-256-256-256-256 at width 64).
WIDTH_MULTIPLES = (1, 2, 4, 4, 4, 4)


class SNPatchGAN(nn.Module):
    """``forward(image B×3×H×W in [-1,1], mask B×1×H×W) → logits B×4w×⌈H/64⌉×⌈W/64⌉``.

    Args:
        in_channels: image plus mask channels (4).
        width: channels of the first layer (64).
    """

    def __init__(self, in_channels: int = 4, width: int = 64) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = in_channels
        for multiple in WIDTH_MULTIPLES:
            layers += [spectral_norm(nn.Conv2d(channels, multiple * width, 5, stride=2, padding=2)),
                       nn.LeakyReLU(0.2)]
            channels = multiple * width
        self.net = nn.Sequential(*layers)

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([image, mask], dim=1))
