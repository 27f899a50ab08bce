"""Evaluation and benchmarks (SYSTEM.md part 6; thesis Tables 3.1–3.3, 4.1, Fig. 3.7).

- ``metrics``: L1, PSNR, SSIM on the whole image and on the hole.
- ``edges``: whether a fill continues the edges crossing its hole (edge F1, gradient ratio).
- ``perceptual``: FID and LPIPS through torchmetrics, weights from disk only.
- ``methods``: models and classical baselines behind one ``method(image, mask)`` interface.
- ``protocols``: seeded (image, mask) sets — free-form buckets, centre squares, sweeps.
- ``resources``: wall time and peak memory of one call.
- ``runner``: every method on every case, failures kept per image.
- ``report``: Markdown tables, JSON, sweep plots, contact sheets.
- ``folders``: scoring results made by other tools (``inpaintkit evaluate``).
- ``significance``: paired bootstrap intervals, method A against method B.
- ``preference``: blind side-by-side pairs for judges, and their win rates.
"""
