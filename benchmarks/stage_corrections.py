"""Which stages of a residual model learned anything? For every stage, the correction it
adds to its base image in the hole, and how much that correction differs from photo to
photo (0: the stage is a constant, whatever it is shown). For every contextual attention,
how much the final output in the hole changes when that attention's output is replaced by
zeros (0: the fill copies nothing from the known region, and a guidance map, §5.4, can
change nothing).

    python benchmarks/stage_corrections.py src/inpaintkit/pretrained/pyramid.safetensors \
        runs/NAME [--photos ../shared/data/photos] [--count 8] [--size 256]

Each argument is a weights file or a run folder (its checkpoint.pt). The photos are the
first ``--count`` of the folder (sorted), centre-cropped and resized to ``--size``, all with
the same centre hole (37.5 % of the height, 23 % of the width); one forward pass each, on
the CPU. Values are for images in [-1, 1]. The tables of
``docs/experiments/2026-11-26-dead-stages.md`` were measured with the defaults.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
import torch.nn.functional as F


def photo_batch(folder: Path, count: int, size: int) -> torch.Tensor:
    """``count`` photos as ``count×3×size×size`` in [-1, 1], prepared as the benchmark
    prepares its photos (sorted, centre square, resized)."""
    from inpaintkit.evaluation.protocols import list_photos, prepare_photo

    tensors = [torch.from_numpy(prepare_photo(path, size)).permute(2, 0, 1).float() / 127.5 - 1.0
               for path in list_photos(folder)[:count]]
    if not tensors:
        raise ValueError(f"no photos in {folder}")
    return torch.stack(tensors)


def load_generator(source: Path) -> tuple[torch.nn.Module, object]:
    """The generator of a weights file or of a run folder's checkpoint, and its step."""
    if source.is_dir():
        from inpaintkit.models.registry import model_from_config
        from inpaintkit.training.checkpoint import load_checkpoint

        state = load_checkpoint(source)
        model = model_from_config(state["model_config"])
        model.load_state_dict(state["generator"])
        return model.eval(), state["step"]
    from inpaintkit.weights import load_weights, read_metadata

    return load_weights(source).eval(), read_metadata(source).get("step", "?")


def fill(model: torch.nn.Module, images: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """One forward pass on the masked photos, without autograd; the final output."""
    with torch.no_grad():
        return model(images * (1 - mask), mask).output


def stage_corrections(model: torch.nn.Module, images: torch.Tensor, mask: torch.Tensor) -> dict[str, tuple[float, float]]:
    """``{output convolution: (mean |correction| in the hole, mean |deviation from the
    batch's mean correction| in the hole)}`` for every residual decoder of ``model``."""
    corrections = {}
    hooks = [module.register_forward_hook(lambda _m, _i, out, name=name: corrections.__setitem__(name, out))
             for name, module in model.named_modules() if name.endswith("decoder.to_rgb")]
    try:
        fill(model, images, mask)
    finally:
        for hook in hooks:
            hook.remove()
    table = {}
    for name, correction in corrections.items():
        hole = F.interpolate(mask, size=correction.shape[-2:]).expand_as(correction)
        spread = correction - correction.mean(0, keepdim=True)
        table[name] = (float(correction.abs()[hole > 0].mean()), float(spread.abs()[hole > 0].mean()))
    return table


def attention_reliance(model: torch.nn.Module, images: torch.Tensor, mask: torch.Tensor) -> dict[str, float]:
    """``{attention layer: mean |change of the output| in the hole when that layer returns
    zeros}`` for every contextual attention of ``model``."""
    from inpaintkit.layers.attention import ContextualAttention

    reference = fill(model, images, mask)
    hole = mask.expand_as(reference) > 0
    table = {}
    for name, module in model.named_modules():
        if isinstance(module, ContextualAttention):
            hook = module.register_forward_hook(lambda _m, _i, out: torch.zeros_like(out))
            try:
                changed = fill(model, images, mask)
            finally:
                hook.remove()
            table[name] = float((changed - reference).abs()[hole].mean())
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", type=Path, nargs="+", help="weights files or run folders")
    parser.add_argument("--photos", type=Path, default=Path("../shared/data/photos"))
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args(argv)
    try:  # a missing folder, photo, weights file or checkpoint: one line, no traceback
        images = photo_batch(args.photos, args.count, args.size)
        mask = torch.zeros(len(images), 1, args.size, args.size)
        mask[..., 5 * args.size // 16:11 * args.size // 16, 25 * args.size // 64:40 * args.size // 64] = 1
        print("| weights | step | stage | mean abs correction | spread across photos |")
        print("|---|---|---|---|---|")
        for source in args.sources:
            model, step = load_generator(source)
            for name, (size, spread) in stage_corrections(model, images, mask).items():
                print(f"| {source} | {step} | {name.removesuffix('.decoder.to_rgb')} | {size:.4f} | {spread:.4f} |")
            for name, change in attention_reliance(model, images, mask).items():
                print(f"| {source} | {step} | {name}: output change when zeroed | {change:.2e} | |")
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
