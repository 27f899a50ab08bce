"""SSD, FSSD and MPSSD as configurations of one detector, and the name registry.

``build(name, num_classes)`` with ``name`` in :data:`DETECTOR_CONFIGS`; the Table 5.5
ablation (1, 2, 3 or 4 FFMs, ffm3_c = 256 or 128) is ``DetectorConfig`` with other
``fusion_channels``. ``num_classes`` counts the background class, index 0 (21 for VOC).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import torch
from torch import nn

from .backbone import VGGBackbone, scaled
from .fusion import FeatureFusionModule, PyramidAggregation
from .priors import generate_priors, ssd_prior_spec


@dataclass(frozen=True)
class DetectorConfig:
    """Everything that defines a detector; stored with its weights.

    ``fusion_channels``: one FFM path per entry (path m fuses base levels m, m+1, m+2),
    the entry being its 1×1 reduction width; empty means vanilla SSD (heads on the base
    pyramid). ``aggregate``: the PAM's SE attention (False = plain concatenation).
    ``path_channels``, ``fusion_channels`` and all VGG/extra widths are multiplied by
    ``width``.
    """

    name: str = "ssd300"
    num_classes: int = 21
    image_size: int = 300
    extras: str = "ssd300"
    width: float = 1.0
    batch_norm: bool = False
    fusion_channels: tuple[int, ...] = ()
    path_channels: int = 256
    aggregate: bool = True

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "DetectorConfig":
        data = dict(data)
        data["fusion_channels"] = tuple(data.get("fusion_channels", ()))
        return cls(**data)


# MPSSD's final model: 3 FFMs with ffm3_c = 128 (Table 5.5); FSSD: one path, no SE.
DETECTOR_CONFIGS = {
    "ssd300": DetectorConfig("ssd300"),
    "ssd512": DetectorConfig("ssd512", image_size=512, extras="ssd512"),
    "fssd300": DetectorConfig("fssd300", fusion_channels=(256,), aggregate=False),
    "mpssd300": DetectorConfig("mpssd300", fusion_channels=(256, 256, 128)),
    "mpssd512": DetectorConfig("mpssd512", image_size=512, extras="ssd512",
                               fusion_channels=(256, 256, 128)),
}


class SingleShotDetector(nn.Module):
    """``forward(images [B, 3, S, S] in [-1, 1]) -> (locations [B, P, 4], class_logits
    [B, P, C])``: SSD offsets (see ``box_coding``) and unnormalised class scores for each of
    the P priors in ``self.priors`` (``[P, 4]`` cxcywh in [0, 1], a non-saved buffer)."""

    def __init__(self, config: DetectorConfig):
        super().__init__()
        self.config = config
        self.backbone = VGGBackbone(config.image_size, config.extras, config.width,
                                    config.batch_norm)
        sizes, channels = self.backbone.sizes, self.backbone.out_channels
        path_channels = scaled(config.path_channels, config.width)
        self.paths = nn.ModuleList(
            FeatureFusionModule(channels, sizes, start, scaled(c, config.width), path_channels)
            for start, c in enumerate(config.fusion_channels)
        )
        if self.paths:
            self.aggregate = PyramidAggregation(range(len(self.paths)), path_channels,
                                                len(sizes), attention=config.aggregate)
            channels = self.aggregate.out_channels
        spec = ssd_prior_spec(config.image_size, sizes)
        self.register_buffer("priors", generate_priors(spec), persistent=False)
        anchors = spec.boxes_per_location
        self.loc_heads = nn.ModuleList(
            nn.Conv2d(c, a * 4, 3, padding=1) for c, a in zip(channels, anchors))
        self.cls_heads = nn.ModuleList(
            nn.Conv2d(c, a * config.num_classes, 3, padding=1) for c, a in zip(channels, anchors))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Xavier-uniform convolutions, zero biases (lufficc/SSD's initialisation)."""
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.xavier_uniform_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def pyramid(self, images: torch.Tensor) -> list[torch.Tensor]:
        """The detection pyramid: base features (SSD) or PAM(FFM paths) (eq. 5.4–5.5)."""
        base = self.backbone(images)
        if not self.paths:
            return base
        return self.aggregate([path(base) for path in self.paths])

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        batch = images.shape[0]
        locations, logits = [], []
        for feature, loc_head, cls_head in zip(self.pyramid(images), self.loc_heads,
                                               self.cls_heads):
            locations.append(loc_head(feature).permute(0, 2, 3, 1).reshape(batch, -1, 4))
            logits.append(cls_head(feature).permute(0, 2, 3, 1)
                          .reshape(batch, -1, self.config.num_classes))
        return torch.cat(locations, dim=1), torch.cat(logits, dim=1)


def build(name: str, num_classes: int, **overrides) -> SingleShotDetector:
    """A detector by name (``ssd300``, ``ssd512``, ``fssd300``, ``mpssd300``, ``mpssd512``);
    ``overrides`` replace config fields, e.g. ``image_size=160, width=0.25``."""
    if name not in DETECTOR_CONFIGS:
        raise ValueError(f"unknown detector {name!r}; choose one of {sorted(DETECTOR_CONFIGS)}")
    config = replace(DETECTOR_CONFIGS[name], num_classes=num_classes, **overrides)
    return SingleShotDetector(config)
