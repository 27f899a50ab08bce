"""Benchmark reports: Markdown tables, a JSON file of every number, plots, contact sheets.

Files written by :func:`write_report` into the output folder:

- ``results.md`` — per protocol, a table laid out like the thesis' Table 3.1: one row per
  method, for each group (hole-ratio bucket, ratio, size) SSIM↑ PSNR↑ L1↓ on the whole
  image, then the median time per image, the largest peak memory and ``failed k/n``;
  a second table gives the hole-only metrics, a third whether the fills continue the
  edges crossing the hole (edge F1, gradient ratio: :mod:`.edges`).
- ``results.json`` — settings, every case (scores, time, memory, error) and every
  summary; non-finite numbers (the PSNR of a perfect fill) are written as ``null``.
- ``<protocol>.png`` — PSNR and SSIM against the protocol's axis (Fig. 3.7), one line
  per method, for protocols with more than one group.
- ``<protocol>-examples.png`` — contact sheet: masked input, each method, truth.
- ``<protocol>-examples-zoom.png`` — the same, each row cropped to its hole's bounding box
  (plus a margin), where a smear and a continued edge can be told apart.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Optional

import numpy as np

from .runner import BenchmarkResult, Example, Summary

WHOLE = (("ssim", "SSIM↑", 4), ("psnr", "PSNR↑", 2), ("l1", "L1↓", 4))
HOLE = (("ssim_hole", "SSIM↑", 4), ("psnr_hole", "PSNR↑", 2), ("l1_hole", "L1↓", 4))
STRUCTURE = (("edge_f1_hole", "edge F1↑", 3), ("gradient_ratio_hole", "gradient ratio→1", 2))


def write_report(result: BenchmarkResult, out: Path) -> list[Path]:
    """Write every report file into ``out`` (created if needed); returns their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = [_write_text(out / "results.md", markdown_report(result)),
               _write_text(out / "results.json", json.dumps(to_json(result), indent=1))]
    for protocol in result.protocols:
        rows = result.summaries(protocol.name)
        if protocol.axis and len({r.group for r in rows}) > 1:
            written.append(plot_sweep(rows, protocol.axis, out / f"{protocol.name}.png"))
        examples = [e for e in result.examples if e.protocol == protocol.name]
        if examples:
            written.append(contact_sheet(examples, result.methods, out / f"{protocol.name}-examples.png"))
            written.append(contact_sheet([zoomed(e) for e in examples], result.methods,
                                         out / f"{protocol.name}-examples-zoom.png"))
    return written


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def markdown_report(result: BenchmarkResult) -> str:
    """All protocols' tables as one Markdown document."""
    settings = result.settings
    lines = [
        "# inpaintkit benchmark",
        "",
        f"{len(settings['photos'])} photos, test size {settings['size']} px, seed {settings['seed']}. "
        "Metrics on images in [0, 1]; outputs composited; time = median wall time per image "
        "(method call only); memory = largest peak RSS above the level before the call.",
    ]
    for protocol in result.protocols:
        rows = result.summaries(protocol.name)
        lines += ["", f"## {protocol.name}: {protocol.description}", "", "Whole image:", "",
                  summary_table(rows, result.methods, WHOLE, extras=True),
                  "", "Hole only:", "", summary_table(rows, result.methods, HOLE, extras=False),
                  "", "Structure in the hole (edges continued, not smeared; 1.00 = as much detail as the photo):",
                  "", summary_table(rows, result.methods, STRUCTURE, extras=False)]
    return "\n".join(lines) + "\n"


def summary_table(rows: list[Summary], methods: list[str], metrics, extras: bool) -> str:
    """Markdown table: methods × (groups × metrics) [+ time, memory, failures]."""
    groups = list(dict.fromkeys(r.group for r in rows))
    header = ["method"] + [f"{g} {label}" for g in groups for _, label, _ in metrics]
    if extras:
        header += ["time/image", "peak memory", "failed"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for method in methods:
        mine = {r.group: r for r in rows if r.method == method}
        cells = [method]
        for group in groups:
            cells += [_number(mine[group].means.get(key), digits) for key, _, digits in metrics]
        if extras:
            cells += _extras(list(mine.values()))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _extras(rows: list[Summary]) -> list[str]:
    times = [r.median_seconds for r in rows if r.median_seconds is not None]
    memory = [r.peak_rss_mib for r in rows if r.peak_rss_mib is not None]
    failed, count = sum(r.failed for r in rows), sum(r.count for r in rows)
    return [
        f"{1000 * float(np.median(times)):.0f} ms" if times else "–",
        f"{max(memory):.1f} MiB" if memory else "–",
        f"failed: {failed}/{count}",
    ]


def _number(value: Optional[float], digits: int) -> str:
    if value is None:
        return "–"
    return "∞" if math.isinf(value) else f"{value:.{digits}f}"


def to_json(result: BenchmarkResult) -> dict:
    """Every number of the run as plain JSON data (non-finite floats → None)."""
    return json_safe({
        "settings": result.settings,
        "methods": result.methods,
        "protocols": {p.name: p.description for p in result.protocols},
        "cases": [asdict(r) for r in result.results],
        "summaries": [asdict(s) for p in result.protocols for s in result.summaries(p.name)],
    })


def json_safe(value):
    """``value`` with every non-finite float (inf, NaN) replaced by None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def plot_sweep(rows: list[Summary], axis: str, path: Path) -> Path:
    """PSNR (a) and SSIM (b) against the sweep's axis, one line per method (Fig. 3.7)."""
    import matplotlib

    matplotlib.use("Agg")  # no display: write files only
    import matplotlib.pyplot as plt

    figure, panels = plt.subplots(1, 2, figsize=(10, 4))
    for panel, (key, label) in zip(panels, (("psnr", "PSNR (dB)"), ("ssim", "SSIM"))):
        for method in dict.fromkeys(r.method for r in rows):
            points = [(r.x, r.means[key]) for r in rows if r.method == method and key in r.means]
            if points:
                xs, ys = zip(*sorted(points))
                panel.plot(xs, ys, marker="o", label=method)
        panel.set_xlabel(axis)
        panel.set_ylabel(label)
        panel.grid(alpha=0.3)
    panels[0].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def contact_sheet(examples: list[Example], methods: list[str], path: Path, cell: float = 2.4) -> Path:
    """A grid: one row per example, columns masked input | each method | truth."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = ["masked input", *methods, "truth"]
    figure, axes = plt.subplots(len(examples), len(columns), squeeze=False,
                                figsize=(cell * len(columns), cell * len(examples)))
    for row, example in zip(axes, examples):
        images = [masked_view(example.truth, example.mask), *(example.outputs.get(m) for m in methods), example.truth]
        for axis, image in zip(row, images):
            if image is None:
                axis.text(0.5, 0.5, "failed", ha="center", va="center", color="red")
            else:
                axis.imshow(image)
            axis.set_xticks([])
            axis.set_yticks([])
        row[0].set_ylabel(f"{_short(example.photo)}\n{example.group}", fontsize=7)
    for axis, title in zip(axes[0], columns):
        axis.set_title(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def zoomed(example: Example, margin: float = 0.1) -> Example:
    """``example`` cropped to its hole's bounding box grown by ``margin`` of the image size
    on each side, every output alike; an example without a hole is returned as it is."""
    rows, cols = np.nonzero(example.mask)
    if not rows.size:
        return example
    height, width = example.mask.shape
    pad_y, pad_x = round(margin * height), round(margin * width)
    crop = (slice(max(0, rows.min() - pad_y), min(height, rows.max() + 1 + pad_y)),
            slice(max(0, cols.min() - pad_x), min(width, cols.max() + 1 + pad_x)))
    outputs = {name: None if image is None else image[crop] for name, image in example.outputs.items()}
    return Example(example.protocol, example.group, example.photo, example.truth[crop], example.mask[crop], outputs)


def _short(photo: str, length: int = 26) -> str:
    """The end of a file stem (shared prefixes such as a package name say little)."""
    stem = Path(photo).stem
    return stem if len(stem) <= length else "…" + stem[-length:]


def masked_view(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The input as a method sees it, the hole painted white (uint8 ``H×W×3``)."""
    return np.where(mask[:, :, None] != 0, np.uint8(255), image)
