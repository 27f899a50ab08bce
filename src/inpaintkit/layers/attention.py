"""Contextual attention (Yu et al. 2018, DeepFill v1/v2) with the guidance map of thesis §5.4.

The layer fills every position of a feature map with a weighted sum of *known* background
patches, the weights being a softmax over cosine similarities (thesis eq. 5.9–5.11). The
structural guidance of §5.4 (eq. 5.12) is a hard weighting on top: patches that the user (or
a segmentation) marks as foreground are removed from the candidates, so the hole is filled
from background only. It needs no training.

Parameters follow the original ``contextual_attention`` in generative_inpainting's
``inpaint_ops.py`` (see ``shared/design/REFERENCES.md``):

1. raw ``2·rate × 2·rate`` patches with stride ``rate`` are cut from the full-resolution
   feature for pasting;
2. the feature is downsampled ×``rate`` (nearest, ``x[..., ::rate, ::rate]`` as the
   PyTorch ports do) and ``ksize × ksize`` background patches are L2-normalised
   (÷ max(‖w‖, 1e-4)) and correlated with the foreground (eq. 5.9);
3. the scores are *fused* with a ``fuse_k × fuse_k`` identity kernel, first horizontally,
   then vertically ("attention propagation": a match is rewarded when its neighbours
   match the neighbouring candidates too, which favours large coherent patches);
4. ``softmax(softmax_scale · s)`` over the candidates (eq. 5.10);
5. the raw patches are pasted back by a transposed convolution and divided by 4, the
   number of raw patches that overlap each output pixel (eq. 5.11).

Choices where the original is vague or quirky, made on purpose:

- **Excluded candidates get a logit of −inf**, so their weight is *exactly* zero and the
  remaining weights sum to one (as MMEditing does). The original multiplies the logits by
  ``mm`` (0 for excluded candidates), takes the softmax, and multiplies by ``mm`` again:
  excluded candidates end at zero, but each still put ``exp(0)`` into the denominator, so
  the allowed weights sum to less than one, by a lot when the excluded set is large (a
  big hole, or a large guidance region) or the similarities are negative. Eq. 5.12's
  guidance is meant as a *hard* filter ("filtering the distracting patches") that leaves
  a proper attention over the background, which only −inf delivers.
- Candidates are per sample (the original uses the first sample's mask for the batch).
- Masks and guidance maps of any size are brought to the matching resolution by
  (adaptive) **max pooling**, not nearest sampling: a matching cell counts as hole (or
  foreground) as soon as one of its pixels is. With a 3×3 window at half resolution this
  guarantees that the pasted 4×4 raw patch contains no hole or guidance pixel either.
- The fuse works on the 4-D score tensor (foreground row, column × candidate row, column)
  with zero padding at the image borders. The original flattens both grids row-major and
  convolves the 2-D score matrix, which wraps around at row ends; the two agree everywhere
  except on the first and last column/row (tested).
- If a sample has no valid candidate at all, its output (and its scores) are zero, which
  is what the original returns in that case, and never NaN.
- Only ``stride=1`` is implemented (DeepFill v2 uses nothing else).

Memory: the score matrix has ``(h·w)²`` entries at the matching resolution (for a 1024²
image the attention runs on 256² features, 128² at matching resolution: 2.7·10⁸ scores,
1 GiB in float32). The foreground is therefore processed in bands of rows of at most
``chunk_elements`` scores, each with a halo of ``fuse_k // 2`` rows so the fuse sees its
neighbours; the result is identical to the unchunked computation.
"""
from __future__ import annotations

from typing import Optional, Union

import torch
import torch.nn.functional as F
from torch import nn

Tensor = torch.Tensor


class ContextualAttention(nn.Module):
    """Known-region-only contextual attention with an optional guidance map (§5.4).

    Args:
        ksize: matching patch size at the matching resolution (3).
        stride: matching stride; only 1 is supported.
        rate: downsampling factor for matching; raw patches are ``2·rate`` wide (2).
        fuse_k: size of the identity kernel that fuses scores (3).
        softmax_scale: logit scale before the softmax (10).
        fuse: whether to fuse scores at all.
        chunk_elements: the most scores held at once per band of foreground rows;
            lower it to save memory, raise it for speed. Does not change the result.
    """

    def __init__(
        self,
        ksize: int = 3,
        stride: int = 1,
        rate: int = 2,
        fuse_k: int = 3,
        softmax_scale: float = 10.0,
        fuse: bool = True,
        chunk_elements: int = 2**25,
    ) -> None:
        super().__init__()
        if stride != 1:
            raise NotImplementedError("ContextualAttention supports stride=1 only (as DeepFill v2 uses)")
        if ksize % 2 != 1 or fuse_k % 2 != 1:
            raise ValueError("ksize and fuse_k must be odd")
        self.ksize = ksize
        self.stride = stride
        self.rate = rate
        self.fuse_k = fuse_k
        self.softmax_scale = softmax_scale
        self.fuse = fuse
        self.chunk_elements = chunk_elements

    def extra_repr(self) -> str:
        return (f"ksize={self.ksize}, rate={self.rate}, fuse_k={self.fuse_k}, "
                f"softmax_scale={self.softmax_scale}, fuse={self.fuse}")

    def forward(
        self,
        x: Tensor,
        mask: Tensor,
        guidance: Optional[Tensor] = None,
        return_scores: bool = False,
    ) -> Union[Tensor, tuple[Tensor, Tensor]]:
        """Fill ``x`` from its own known region.

        Args:
            x: features ``B×C×H×W`` (any range); ``H`` and ``W`` divisible by ``rate``.
            mask: ``B×1×h×w`` (or ``1×1×h×w``), 1 = hole, any size (max-pooled inside).
            guidance: optional ``B×1×h×w``, 1 = "do not copy from here" (§5.4).
            return_scores: also return the attention weights.

        Returns:
            ``out`` ``B×C×H×W``, or ``(out, scores)`` with scores ``B×L×h'×w'`` where
            ``h' = H/rate``, ``w' = W/rate`` and ``L = h'·w'`` candidates in row-major
            order; each foreground position's scores sum to 1 (or are all 0 when the sample
            has no valid candidate), excluded candidates are exactly 0.
        """
        batch, _, height, width = x.shape
        if height % self.rate or width % self.rate:
            raise ValueError(f"feature size {height}×{width} is not divisible by rate={self.rate}")
        small = x[..., :: self.rate, :: self.rate]
        valid = self.valid_candidates(mask, guidance, small.shape[-2:], batch)  # B×L bool
        outputs, all_scores = [], []
        for b in range(batch):
            out_b, scores_b = self._attend_one(x[b : b + 1], small[b : b + 1], valid[b], return_scores)
            outputs.append(out_b)
            all_scores.append(scores_b)
        out = torch.cat(outputs, dim=0)
        if return_scores:
            return out, torch.cat(all_scores, dim=0)
        return out

    def valid_candidates(
        self, mask: Tensor, guidance: Optional[Tensor], size: torch.Size, batch: int
    ) -> Tensor:
        """``B×L`` bool: candidates whose ``ksize×ksize`` window has no hole pixel and no
        guidance-foreground pixel (the hard weighting G of eq. 5.12)."""
        blocked = _max_resize(mask, size)
        if guidance is not None:
            blocked = torch.maximum(blocked, _max_resize(guidance, size))
        # A window "touches" a blocked cell iff the max over the window is positive; zero
        # padding outside the image means border windows are judged on their inside only.
        touched = F.max_pool2d(blocked, self.ksize, stride=1, padding=self.ksize // 2)
        return (touched <= 0).flatten(1).expand(batch, -1)

    def _attend_one(
        self, x: Tensor, small: Tensor, valid: Tensor, return_scores: bool
    ) -> tuple[Tensor, Optional[Tensor]]:
        """One sample: ``x`` ``1×C×H×W``, ``small`` ``1×C×h'×w'``, ``valid`` ``L``."""
        _, channels, fg_h, fg_w = small.shape
        count = fg_h * fg_w
        if not bool(valid.any()):
            # Nothing to copy from: zeros, as the original (softmax·0) gives; never NaN.
            # ``x * 0`` rather than ``zeros_like`` keeps the output in the graph.
            scores = x.new_zeros(1, count, fg_h, fg_w) if return_scores else None
            return x * 0.0, scores
        kernels = self._matching_kernels(small)  # L×C×k×k, unit norm
        raw = self._raw_patches(x)  # L×C×2r×2r
        padded = F.pad(small, [self.ksize // 2] * 4)
        halo = self.fuse_k // 2 if self.fuse else 0
        band = max(1, self.chunk_elements // max(1, fg_w * count))
        pasted = x.new_zeros(1, channels, fg_h * self.rate + self.rate, fg_w * self.rate + self.rate)
        score_bands = []
        for top in range(0, fg_h, band):
            bottom = min(fg_h, top + band)
            lo, hi = max(0, top - halo), min(fg_h, bottom + halo)
            # Correlate rows [lo, hi) of the foreground with every candidate (eq. 5.9).
            scores = F.conv2d(padded[..., lo : hi + self.ksize - 1, :], kernels)  # 1×L×n×w'
            scores = scores[0].permute(1, 2, 0).reshape(hi - lo, fg_w, fg_h, fg_w)
            if self.fuse:
                scores = self._fuse(scores)
            scores = scores[top - lo : bottom - lo].reshape(bottom - top, fg_w, count)
            weights = self._softmax(scores, valid).permute(2, 0, 1).unsqueeze(0)  # 1×L×n×w'
            self._paste(weights, raw, pasted, top)
            if return_scores:
                score_bands.append(weights)
        # Crop the transposed convolution's overhang (rate//2 on each side) and average the
        # 2×2 raw patches that overlap every pixel (the original's ÷4).
        start = self.rate // 2
        out = pasted[..., start : start + fg_h * self.rate, start : start + fg_w * self.rate] / 4.0
        return out, (torch.cat(score_bands, dim=2) if return_scores else None)

    def _matching_kernels(self, small: Tensor) -> Tensor:
        """``L×C×k×k`` background patches at matching resolution, each ÷ max(‖w‖, 1e-4)."""
        channels = small.shape[1]
        patches = F.unfold(small, self.ksize, padding=self.ksize // 2)[0].t()  # L×(C·k·k)
        norms = patches.norm(dim=1, keepdim=True).clamp_min(1e-4)
        return (patches / norms).reshape(-1, channels, self.ksize, self.ksize)

    def _raw_patches(self, x: Tensor) -> Tensor:
        """``L×C×2r×2r`` full-resolution patches centred on the matching cells, cut with
        TensorFlow's 'SAME' padding (``r//2`` before, ``r - r//2`` after) like the original."""
        r, channels = self.rate, x.shape[1]
        padded = F.pad(x, [r // 2, r - r // 2, r // 2, r - r // 2])
        patches = F.unfold(padded, 2 * r, stride=r)[0].t()  # L×(C·2r·2r)
        return patches.reshape(-1, channels, 2 * r, 2 * r)

    def _fuse(self, scores: Tensor) -> Tensor:
        """Fuse ``n×w'×h'×w'`` scores (fg row, fg col, candidate row, candidate col): add the
        scores of neighbours shifted *together* in foreground and candidate, horizontally
        then vertically — the original's two identity-kernel convolutions."""
        half = self.fuse_k // 2
        fused = scores.clone()
        for d in range(1, half + 1):  # horizontal: s[i, j±d, k, l±d]
            fused[:, :-d, :, :-d] += scores[:, d:, :, d:]
            fused[:, d:, :, d:] += scores[:, :-d, :, :-d]
        scores, fused = fused, fused.clone()
        for d in range(1, half + 1):  # vertical: s[i±d, j, k±d, l]
            fused[:-d, :, :-d] += scores[d:, :, d:]
            fused[d:, :, d:] += scores[:-d, :, :-d]
        return fused

    def _softmax(self, scores: Tensor, valid: Tensor) -> Tensor:
        """Softmax over candidates with −inf for excluded ones: their weight is exactly 0."""
        logits = (scores * self.softmax_scale).float().masked_fill(~valid, float("-inf"))
        return torch.softmax(logits, dim=-1).to(scores.dtype)

    def _paste(self, weights: Tensor, raw: Tensor, pasted: Tensor, top: int) -> None:
        """Add the transposed convolution of a band of weights (rows from ``top``) into
        ``pasted``; a band's output overlaps its neighbours' by ``rate`` rows."""
        r, (_, count, rows, cols) = self.rate, weights.shape
        # The transposed convolution with the L patches as kernels, written out: one matrix
        # product (each position's weighted sum of patches) and an overlap-add (fold). Same
        # numbers; on a CPU conv_transpose2d with 4096 input channels took a fifth of the
        # pyramid's time at 512², and this is 1.6× faster (benchmarks/kernels.py).
        columns = raw.reshape(count, -1).t() @ weights.reshape(count, rows * cols)  # (C·2r·2r)×(n·w')
        band = F.fold(columns.unsqueeze(0), (rows * r + r, cols * r + r), 2 * r, stride=r)  # 1×C×(n·r+r)×(w'·r+r)
        pasted[..., top * r : top * r + band.shape[-2], :] += band


def _max_resize(maps: Tensor, size: torch.Size) -> Tensor:
    """``B×1×h×w`` → ``B×1×size`` by adaptive max pooling, as 0/1 floats: a cell is set as
    soon as any pixel it covers is (also works when upsampling)."""
    maps = (maps.detach() > 0.5).float()
    if tuple(maps.shape[-2:]) == tuple(size):
        return maps
    return F.adaptive_max_pool2d(maps, tuple(size))
