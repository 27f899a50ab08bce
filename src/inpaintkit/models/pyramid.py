"""``pyramid``: the Pyramid Generator, "structure first, detail next" (thesis §3.2).

A stack of gated sub-generators G0 … GN, each at twice the resolution of the one below
(three layers for a 512 input: 128, 256, 512):

- **G0** (¼ scale) restores the RTV structure image S (Xu et al. 2012): its input is
  ``x0 = {I0, S, M0}`` (eq. 3.1), supervised by L1 to S only (eq. 3.7, no adversarial term);
- **G1** (½ scale) is a gated U-Net whose input ``x1 = {I1, M1}`` is concatenated with the
  upsampled G0 output (eq. 3.2, image-level fusion);
- **G2** (full scale) is DeepFill v2's coarse + refine generator; the upsampled G1 output
  is concatenated with the coarse output before the refine stage (image-level,
  refine-stage fusion, §3.2.2), and its refine stage has the contextual attention.

Adaptive dilation (§3.2.3): the dilated chain has rates {2, 4, 8} at ¼ scale,
{2, 4, 8, 16} at ½ and {2, 4, 8, 12, 16} at full scale.

The ablations of Tables 3.4–3.6 are fields of :class:`PyramidConfig`:

- ``layers`` (Table 3.4), bottom → top, each layer half the size of the next, the top one
  always the two-stage generator: ``("structure", "image", "image")`` = PGS+256+512 (ours),
  ``("structure", "image")`` = PGS+256, ``("image", "image")`` = PG256+512,
  ``("image", "image", "image")`` = PG128+256+512;
- ``dilations`` (Table 3.6): per layer; :func:`adaptive_dilations` (ours) or
  :data:`STANDARD_DILATIONS` ({2, 4, 8, 16} everywhere, as DeepFill v2);
- ``fusion`` (Table 3.5): how the layer below enters the top layer, see :func:`fusion_point`.

Not in the thesis, off by default: ``residual``/``base`` (every layer corrects a classical
fill, see :mod:`inpaintkit.models.gated`) and ``top_skip``/``top_dcr``, the AFF chapter's
SCAF skip connections and dilated convolution residual (§4.2.2) in the top layer (the
``pyramid-aff`` preset, which the shipped ``pyramid`` weights use; see
``pretrained/pyramid.md``). The encoder→decoder skip connections give the top layer a
short path past its chain of 17 gated layers, so a residual stage's correction learns from
the photo from its first steps instead of settling on one constant; the gated layers'
initialisation (:data:`inpaintkit.layers.gated.INIT_GAIN`) keeps the chain itself
passing its input on. The measurements behind both choices are in
``docs/experiments/`` (2026-11-26: "same budget", "dead stages").

Choices where the thesis is vague, written down:

- Downsampling: the masked image by area (average) pooling, the mask by *max* pooling (a
  low-resolution pixel is hole as soon as one of its pixels is), so no lower layer sees
  any hole pixel. Upsampling of lower outputs: bilinear.
- Adaptive rates follow the layer's resolution relative to the top (so in the two-layer
  variants the lower layer at ½ scale gets {2, 4, 8, 16}).
- The structure layer's input also holds the masked image I0 (x0 = {I0, S, M0} in §3.2.1).
- Lower layers' outputs are passed up raw (eq. 3.2 upsamples Ĩn−1 itself), not composited.
- Fusion options only change how the layer below enters the *top* layer; between lower
  layers it is always image-level input concatenation (§3.2.2).
- An image layer below the top is adversarial (it has image-level supervision like G1).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from ..fills import base_fill, fill_avoiding, harmonic_fill
from ..structure import structure_image
from .base import InpaintGenerator, InpaintOutput, Stage
from .gated import GatedUNet, TwoStageNet, check_size, half_width

#: Table 3.6's baseline: DeepFill v2's rates in every layer.
STANDARD_DILATIONS = (2, 4, 8, 16)

#: Table 3.5's options; "image-refine" is the thesis' choice.
FUSIONS = ("image-refine", "image-attention", "image-conv", "feature-coarse", "feature-refine")

LAYER_KINDS = ("structure", "image")


def adaptive_dilations(num_layers: int) -> tuple[tuple[int, ...], ...]:
    """Rates per layer, bottom → top, by the layer's scale relative to the top (§3.2.3):
    full: {2,4,8,12,16}; ½: {2,4,8,16}; ¼ and below: {2,4,8}."""
    by_depth = {0: (2, 4, 8, 12, 16), 1: (2, 4, 8, 16)}
    return tuple(by_depth.get(num_layers - 1 - n, (2, 4, 8)) for n in range(num_layers))


def fusion_point(option: str) -> tuple[str, str]:
    """Where and what a fusion option feeds into the top layer (Table 3.5).

    Returns ``(injection point of TwoStageNet, source)``; ``source`` is ``"image"`` (the
    layer below's output Ĩ, upsampled to full scale, 3 channels) or ``"features"`` (its
    features after the dilated chain, upsampled to the top's ¼ scale). This table is the
    one place to add a fusion option.
    """
    points = {
        # ours: [coarse output, up(Ĩ1)] into both refine paths (§3.2.2)
        "image-refine": ("refine_in", "image"),
        "image-attention": ("refine_attention_in", "image"),
        "image-conv": ("refine_conv_in", "image"),
        # feature level: "upsampling and concatenation" of the encoders' features (§3.3.4)
        "feature-coarse": ("coarse_mid", "features"),
        "feature-refine": ("refine_mid", "features"),
    }
    if option not in points:
        raise ValueError(f"unknown fusion {option!r}; choose one of {', '.join(points)}")
    return points[option]


@dataclass
class PyramidConfig:
    """Pyramid Generator configuration (defaults: PGS+256+512, the thesis' model).

    ``width``: DeepFill's ``cnum`` for every sub-generator (48); ``layers``: bottom → top,
    ``"structure"`` only at the bottom; ``dilations``: one rate list per layer, empty =
    :func:`adaptive_dilations`; ``fusion``: one of :data:`FUSIONS`.
    """

    width: int = 48
    layers: tuple[str, ...] = ("structure", "image", "image")
    dilations: tuple[tuple[int, ...], ...] = ()
    fusion: str = "image-refine"
    softmax_scale: float = 10.0
    residual: bool = False  # every layer corrects a base image (gated.py's docstring); not in the thesis
    base: str = "push-pull"  # the image layers' base, one of fills.BASE_FILLS
    top_skip: str = "none"   # skip connections in the top layer: "none", "concat" or "aff" (SCAF)
    top_dcr: bool = False    # dilated convolution residual in the top layer (§4.2.2)
    aff_norm: str = "batch"  # MS-CAM's normalisation in those AFF layers

    def __post_init__(self) -> None:
        half_width(self.width)
        base_fill(self.base)
        self.layers = tuple(self.layers)
        if len(self.layers) < 2 or any(kind not in LAYER_KINDS for kind in self.layers):
            raise ValueError(f"layers must be two or more of {LAYER_KINDS}, got {self.layers}")
        if "structure" in self.layers[1:]:
            raise ValueError("only the bottom layer can be a structure layer")
        self.dilations = tuple(tuple(int(r) for r in rates) for rates in self.dilations) \
            or adaptive_dilations(len(self.layers))
        if len(self.dilations) != len(self.layers):
            raise ValueError(f"{len(self.layers)} layers need as many dilation lists, got {len(self.dilations)}")
        fusion_point(self.fusion)


class PyramidGenerator(InpaintGenerator):
    """The Pyramid Generator (§3.2). See the module docstring.

    ``forward(image B×3×H×W in [-1,1], mask B×1×H×W, guidance=None, structure=None)``:
    ``structure`` optionally overrides the structure layer's input S at ``structure_scale``;
    when ``None`` (the trainer and inference both) it is computed from the masked input. ``H``, ``W`` multiples of
    ``size_multiple`` (16 for three layers: the ¼-scale G0 downsamples ×4 itself).
    """

    name = "pyramid"

    def __init__(self, config: Optional[PyramidConfig] = None) -> None:
        super().__init__()
        self.config = config = config or PyramidConfig()
        top = len(config.layers) - 1
        self.num_below = top
        self.has_structure = config.layers[0] == "structure"
        self.structure_scale = 0.5 ** top if self.has_structure else None
        # Every lower U-Net downsamples ×4; the top's attention matches at ⅛ resolution.
        self.size_multiple = max(8, 4 * 2 ** top)
        self.layers_below = nn.ModuleList(
            GatedUNet(self._input_channels(n), config.width, config.dilations[n], residual=config.residual)
            for n in range(top)
        )
        point, source = fusion_point(config.fusion)
        extra = 3 if source == "image" else self.layers_below[-1].feature_channels
        self.top = TwoStageNet(5, config.width, config.dilations[top], extra_channels={point: extra},
                               softmax_scale=config.softmax_scale, residual=config.residual,
                               base=config.base, skip=config.top_skip, dcr=config.top_dcr,
                               aff_norm=config.aff_norm)

    def _input_channels(self, n: int) -> int:
        """x0 = {I0, S, M0} (+ ones, as DeepFill) for a structure layer, {In, Mn} (+ ones)
        otherwise, plus the upsampled output of the layer below for n > 0."""
        channels = 5
        if n == 0 and self.has_structure:
            channels += 3
        if n > 0:
            channels += 3
        return channels

    def forward(self, image, mask, guidance=None, structure=None) -> InpaintOutput:
        check_size(image, self.size_multiple)
        images, masks = self.pyramid_inputs(image, mask)
        avoid = self.pyramid_guidance(guidance)
        top = self.num_below
        x = [self.masked_input(images[n], masks[n]) for n in range(top + 1)]
        if self.has_structure:
            structure = self.structure_input(images[0], masks[0], structure, avoid[0])
            x[0] = torch.cat([x[0], structure * (1.0 - masks[0])], dim=1)

        bases = self._bases(images, masks, structure, avoid)
        # eq. 3.1: Ĩ0 = G0(x0)
        restored, features = self.layers_below[0](x[0], base=bases[0])
        stages = [self._lower_stage(0, restored)]
        # eq. 3.2: Ĩn = Gn(xn, Upsample(Ĩn−1)), 0 < n < N
        for n in range(1, top):
            restored, features = self.layers_below[n](torch.cat([x[n], upsample(restored)], dim=1),
                                                      base=bases[n])
            stages.append(self._lower_stage(n, restored))
        # eq. 3.2 for the top: Ĩ_N = G_N^r(G_N^c(x_N), Upsample(Ĩ_{N−1})) with the chosen fusion
        coarse, final = self.top(x[top], images[top], masks[top], guidance,
                                 extras=self.fuse(restored, features), base=bases[top])
        stages += [Stage(f"G{top}-coarse", coarse), Stage(f"G{top}", final, adversarial=True)]
        return InpaintOutput(output=final, stages=stages)

    def pyramid_inputs(self, image: torch.Tensor, mask: torch.Tensor):
        """Masked images (hole = 0) and masks for every layer, bottom → top.

        The hole is zeroed at full resolution *before* pooling, so no layer's input depends
        on hole pixels; masks are max-pooled, so mixed pixels count as hole."""
        images, masks = [], []
        masked = image * (1.0 - mask)
        for n in range(self.num_below + 1):
            factor = 2 ** (self.num_below - n)
            mask_n = self._max_pooled(mask, n)
            image_n = F.avg_pool2d(masked, factor) if factor > 1 else masked
            images.append(image_n * (1.0 - mask_n))
            masks.append(mask_n)
        return images, masks

    def pyramid_guidance(self, guidance: Optional[torch.Tensor]) -> list[Optional[torch.Tensor]]:
        """The guidance map at every layer's size, bottom → top, max-pooled as the masks
        are (a cell touched by the guidance is avoided); ``None`` at every layer without one."""
        if guidance is None:
            return [None] * (self.num_below + 1)
        return [self._max_pooled(guidance, n) for n in range(self.num_below + 1)]

    def _max_pooled(self, mask: torch.Tensor, n: int) -> torch.Tensor:
        """A full-size ``B×1×H×W`` map at layer ``n``'s size: a cell is set when any pixel
        under it is."""
        factor = 2 ** (self.num_below - n)
        return F.max_pool2d(mask, factor) if factor > 1 else mask

    def structure_pair(self, image: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """For training: the structure layer's input ``S`` (what :meth:`structure_input`
        computes from the masked image) and its L1 target (the RTV image of the ground truth
        at the same scale), from *one* batched RTV solve of ``2B`` images. On a GPU the
        solve's cost is its kernel launches, not its arithmetic, so one solve of ``2B``
        images costs about what one of ``B`` does; the target's zero mask leaves it as is."""
        images, masks = self.pyramid_inputs(image, mask)
        truth = F.avg_pool2d(image, 2 ** self.num_below)
        with torch.no_grad():
            both = structure_image(torch.cat([images[0], truth]).float(),
                                   torch.cat([masks[0], torch.zeros_like(masks[0])]).float())
        structure, target = both.chunk(2)
        return structure, target

    def _bases(self, images, masks, structure, avoid) -> list[Optional[torch.Tensor]]:
        """What each layer's output corrects when ``residual``, bottom → top: the structure
        image S (already a complete image, hole included) for a structure layer, else the
        configured classical fill (``base``) of the layer's masked input, from the known
        pixels outside the guidance map (``avoid``, per layer; :func:`fill_avoiding`).

        Each harmonic fill starts from the one of the image layer below it. That is the
        same problem at half size (:meth:`pyramid_inputs` pools as the fill's own
        coarse-to-fine recursion does), which the fill would otherwise solve a second time."""
        if not self.config.residual:
            return [None] * (self.num_below + 1)
        fill = base_fill(self.config.base)
        bases, harmonic_below = [], None
        for n in range(self.num_below + 1):
            if n == 0 and self.has_structure:
                bases.append(structure)
            elif fill is harmonic_fill:
                harmonic_below = fill_avoiding(harmonic_fill, images[n], masks[n], avoid[n],
                                               coarse_solution=harmonic_below)
                bases.append(harmonic_below)
            else:
                bases.append(fill_avoiding(fill, images[n], masks[n], avoid[n]))
        return bases

    def structure_input(self, image0: torch.Tensor, mask0: torch.Tensor,
                        structure: Optional[torch.Tensor], avoid0: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``S``, ``B×3×h×w`` in [-1, 1]: by default the RTV image of the masked
        low-resolution input with its hole filled first (so no hole content reaches G0, in
        training as at inference; not from the guidance map ``avoid0``); a given
        ``structure`` is checked and passed through. G0 sees ``S·(1−M0)``."""
        if structure is None:
            with torch.no_grad():  # RTV is a fixed pre-processing step, not learned
                structure = structure_image(image0, mask0, avoid0)
        if structure.shape[-2:] != image0.shape[-2:]:
            raise ValueError(f"structure image is {tuple(structure.shape[-2:])}, expected "
                             f"{tuple(image0.shape[-2:])} (structure_scale={self.structure_scale})")
        return structure

    def fuse(self, restored: torch.Tensor, features: torch.Tensor) -> dict[str, torch.Tensor]:
        """The top layer's extra input from the layer below (Table 3.5, :func:`fusion_point`)."""
        point, source = fusion_point(self.config.fusion)
        return {point: upsample(restored if source == "image" else features)}

    def _lower_stage(self, n: int, restored: torch.Tensor) -> Stage:
        if n == 0 and self.has_structure:
            # eq. 3.7: the structure layer is trained by L1 to S only, no adversarial term.
            return Stage("G0", restored, target="structure", adversarial=False)
        return Stage(f"G{n}", restored, target="image", adversarial=True)


def upsample(x: torch.Tensor) -> torch.Tensor:
    """×2 bilinear upsampling, ``B×C×H×W`` → ``B×C×2H×2W``."""
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
