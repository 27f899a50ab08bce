"""ContextualAttention: shapes, exact exclusion of hole and guidance candidates, retrieval,
chunking invariance, parity with a transcription of the original TensorFlow code."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from inpaintkit.layers.attention import ContextualAttention


def _square_mask(size: int, top: int, bottom: int, batch: int = 1) -> torch.Tensor:
    mask = torch.zeros(batch, 1, size, size)
    mask[..., top:bottom, top:bottom] = 1.0
    return mask


def _reference_fuse(y, fuse_k=3):
    """The original fuse: scores ``1×L×fh×fw`` flattened to a (foreground × candidate)
    matrix, an identity-kernel convolution, the same on column-major order, back."""
    _, count, fh, fw = y.shape
    eye = torch.eye(fuse_k).view(1, 1, fuse_k, fuse_k)
    y = y[0].permute(1, 2, 0).reshape(1, 1, count, count)  # rows: fg row-major
    y = F.conv2d(y, eye, padding=fuse_k // 2)
    y = y.view(fh, fw, fh, fw).permute(1, 0, 3, 2).reshape(1, 1, count, count)  # column-major
    y = F.conv2d(y, eye, padding=fuse_k // 2)
    y = y.view(fw, fh, fw, fh).permute(1, 0, 3, 2).reshape(count, count).t()
    return y.reshape(1, count, fh, fw)


def _reference(x, mask, fuse=True, ksize=3, fuse_k=3, scale=10.0, rate=2):
    """Line-by-line torch transcription of generative_inpainting's ``contextual_attention``
    for one sample (flattened fuse as in the original), with −inf instead of ×mm."""
    _, channels, height, width = x.shape
    raw = F.unfold(x, 2 * rate, stride=rate, padding=rate // 2)[0].t()
    raw = raw.reshape(-1, channels, 2 * rate, 2 * rate)
    f = x[..., ::rate, ::rate]
    m = mask[..., ::rate, ::rate]
    fh, fw = f.shape[-2:]
    w = F.unfold(f, ksize, padding=ksize // 2)[0].t()
    w = (w / w.norm(dim=1, keepdim=True).clamp_min(1e-4)).reshape(-1, channels, ksize, ksize)
    mm = F.unfold(m, ksize, padding=ksize // 2)[0].mean(0) == 0  # L
    y = F.conv2d(f, w, padding=ksize // 2)  # 1×L×fh×fw
    if fuse:
        y = _reference_fuse(y, fuse_k)
    logits = (y * scale).masked_fill(~mm.view(1, -1, 1, 1), float("-inf"))
    attn = torch.softmax(logits, dim=1)
    out = F.conv_transpose2d(attn, raw, stride=rate, padding=rate // 2) / 4.0
    return out, attn


def test_shapes_and_scores_sum_to_one():
    x = torch.randn(2, 8, 32, 32)
    out, scores = ContextualAttention()(x, _square_mask(32, 8, 20, batch=2), return_scores=True)
    assert out.shape == (2, 8, 32, 32)
    assert scores.shape == (2, 16 * 16, 16, 16)
    torch.testing.assert_close(scores.sum(dim=1), torch.ones(2, 16, 16))
    assert torch.isfinite(out).all()


def test_mask_of_any_size_is_accepted():
    x = torch.randn(1, 4, 16, 16)
    out_small = ContextualAttention()(x, _square_mask(8, 2, 5))
    out_big = ContextualAttention()(x, _square_mask(64, 16, 40))
    assert out_small.shape == out_big.shape == x.shape
    torch.testing.assert_close(out_small, out_big)  # same hole, different mask resolutions


def test_hole_and_guidance_candidates_get_exactly_zero_weight():
    x = torch.randn(1, 8, 32, 32)
    mask = _square_mask(32, 8, 16)
    guidance = torch.zeros(1, 1, 32, 32)
    guidance[..., 20:28, 2:10] = 1.0  # a known-region "person" that must not be copied
    layer = ContextualAttention()
    _, scores = layer(x, mask, guidance, return_scores=True)
    grid = scores.view(16, 16, 16, 16)  # candidate row, col, fg row, fg col
    # Hole cells 4..7 at matching resolution; a 3×3 window touching them is excluded.
    assert grid[3:9, 3:9].abs().max() == 0.0
    # Guidance cells rows 10..13, cols 1..4: windows from rows 9..14, cols 0..5 excluded.
    assert grid[9:15, 0:6].abs().max() == 0.0
    # Every other candidate keeps some weight somewhere, and the rows still sum to 1.
    allowed = layer.valid_candidates(mask, guidance, torch.Size((16, 16)), 1)[0].view(16, 16)
    assert int(allowed.sum()) == 256 - 36 - 36
    assert (grid.view(256, -1)[allowed.flatten()].amax(dim=1) > 0).all()
    torch.testing.assert_close(scores.sum(dim=1), torch.ones(1, 16, 16))


def test_pasted_output_contains_no_guidance_content():
    """With all known content but one marked region zero, the fill stays zero-free of it."""
    x = torch.zeros(1, 2, 32, 32)
    x[:, 0, 16:32, :] = 5.0  # a bright "foreground" band, the only textured thing
    mask = _square_mask(32, 4, 12)
    guidance = (x[:, :1] > 0).float()
    out = ContextualAttention()(x, mask, guidance)
    assert out[:, 0, 4:12, 4:12].abs().max() == 0.0
    out_unguided = ContextualAttention()(x, mask)
    assert out_unguided[:, 0].abs().max() > 0.0  # without guidance the band is used


def test_the_only_matching_candidate_is_retrieved():
    torch.manual_seed(1)
    x = torch.randn(1, 8, 32, 32)
    # Copy the 5×5-cell neighbourhood of candidate cell (11, 11) onto cells 2..6, around
    # foreground cell (4, 4), which lies in the hole.
    x[..., 4:14, 4:14] = x[..., 18:28, 18:28]
    mask = _square_mask(32, 2, 16)
    out, scores = ContextualAttention()(x, mask, return_scores=True)
    weights = scores[0, :, 4, 4]
    assert int(weights.argmax()) == 11 * 16 + 11
    assert float(weights.max()) > 0.99
    # The pasted feature of the cell is the candidate's own feature.
    torch.testing.assert_close(out[..., 8:10, 8:10], x[..., 22:24, 22:24], atol=1e-2, rtol=0)


def test_all_masked_input_gives_finite_zero_output():
    x = torch.randn(2, 4, 16, 16, requires_grad=True)
    mask = torch.ones(2, 1, 16, 16)
    out, scores = ContextualAttention()(x, mask, return_scores=True)
    assert torch.isfinite(out).all() and out.abs().max() == 0
    assert scores.abs().max() == 0
    out.sum().backward()
    assert torch.isfinite(x.grad).all()


def test_one_sample_fully_masked_does_not_affect_the_other():
    x = torch.randn(2, 4, 16, 16)
    mask = torch.cat([torch.ones(1, 1, 16, 16), _square_mask(16, 4, 8)])
    out = ContextualAttention()(x, mask)
    assert out[0].abs().max() == 0
    torch.testing.assert_close(out[1:], ContextualAttention()(x[1:], mask[1:]))


@pytest.mark.parametrize("fuse", [True, False])
def test_chunked_equals_unchunked(fuse):
    x = torch.randn(2, 4, 16, 24)  # matching grid 8×12, 96 candidates
    mask = torch.zeros(2, 1, 16, 24)
    mask[0, :, 4:10, 6:16] = 1
    mask[1, :, 8:14, 2:9] = 1
    whole, whole_scores = ContextualAttention(fuse=fuse)(x, mask, return_scores=True)
    for chunk in (1, 96 * 12 * 3):  # one row, three rows per band (the last band shorter)
        part, part_scores = ContextualAttention(fuse=fuse, chunk_elements=chunk)(x, mask, return_scores=True)
        torch.testing.assert_close(part, whole, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(part_scores, whole_scores, atol=1e-6, rtol=1e-5)


def test_matches_original_without_fuse():
    x = torch.randn(1, 5, 24, 24)
    mask = _square_mask(24, 6, 14)
    ours, ours_scores = ContextualAttention(fuse=False)(x, mask, return_scores=True)
    ref, ref_scores = _reference(x, mask, fuse=False)
    torch.testing.assert_close(ours_scores, ref_scores)
    torch.testing.assert_close(ours, ref, atol=1e-5, rtol=1e-5)


def test_fuse_matches_original_away_from_borders():
    """The original fuses a row-major-flattened score matrix (wrapping at row ends); ours
    is the same on every pair of interior foreground and candidate cells."""
    x = torch.randn(1, 5, 24, 20)
    layer = ContextualAttention()
    small = x[..., ::2, ::2]  # 12×10
    raw_scores = F.conv2d(small, layer._matching_kernels(small), padding=1)  # 1×L×12×10
    ours = layer._fuse(raw_scores[0].permute(1, 2, 0).reshape(12, 10, 12, 10))
    ref = _reference_fuse(raw_scores)[0].permute(1, 2, 0).reshape(12, 10, 12, 10)
    rows, cols = slice(1, 11), slice(1, 9)
    torch.testing.assert_close(ours[rows, cols, rows, cols], ref[rows, cols, rows, cols])
    assert (ours - ref).abs().max() > 1e-3  # the borders do differ (wrap-around)


def test_gradients_flow_to_the_features():
    x = torch.randn(1, 4, 16, 16, requires_grad=True)
    out = ContextualAttention(chunk_elements=64)(x, _square_mask(16, 4, 10))
    out.square().mean().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    assert x.grad.abs().sum() > 0


def test_odd_size_is_rejected():
    with pytest.raises(ValueError, match="divisible"):
        ContextualAttention()(torch.randn(1, 2, 15, 16), torch.zeros(1, 1, 15, 16))


def test_score_memory_is_bounded_by_chunk_elements(monkeypatch):
    """The memory plan: no correlation holds more than ``chunk_elements`` scores plus the
    fuse halo (one row above and below), however large the feature map."""
    import inpaintkit.layers.attention as module

    sizes = []
    real_conv2d = module.F.conv2d

    def recording_conv2d(*args, **kwargs):
        out = real_conv2d(*args, **kwargs)
        sizes.append(out.numel())
        return out

    monkeypatch.setattr(module.F, "conv2d", recording_conv2d)
    x = torch.randn(1, 4, 48, 48)  # 24×24 matching grid, 576 candidates
    chunk = 576 * 24 * 3  # three rows of scores
    out = ContextualAttention(chunk_elements=chunk)(x, _square_mask(48, 10, 30))
    assert len(sizes) == 8  # 24 rows in bands of 3
    assert max(sizes) <= chunk + 2 * 576 * 24
    assert torch.isfinite(out).all()


@pytest.mark.slow
def test_runs_at_the_scale_of_a_1024_input():
    """A 1024² image gives 256² features at the attention (128² matching, 16384
    candidates): the unchunked score matrix alone would be 1 GiB. Measured (1 thread, C=8,
    loaded machine): 27 s CPU, peak RSS 0.9 GB."""
    x = torch.randn(1, 8, 256, 256)
    mask = torch.zeros(1, 1, 1024, 1024)
    mask[..., 300:700, 300:700] = 1
    with torch.no_grad():
        out = ContextualAttention()(x, mask)
    assert out.shape == x.shape and torch.isfinite(out).all()
