"""Does the whole detection pipeline learn? SSD vs FSSD vs MPSSD on synthetic shapes.

Trains each detector from scratch on coloured shapes pasted on crops of the *training*
photos (configs/split.yaml) and reports VOC mAP@0.5 and COCO AP@[.5:.95] on a fixed
held-out set drawn on the *validation* photos. Small input and a width multiplier keep it
CPU-sized; every model gets the same steps, batch, seed and data.

    python benchmarks/detect_synthetic.py --models ssd300 mpssd300 --size 128 --width 0.125 \
        --steps 1200 --out runs/detect_synthetic

Prints one line per model and writes ``<out>/<model>.safetensors`` + ``results-<models>.json``.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from inpaintkit.detect import TrainConfig, build, evaluate, save_detector, train
from inpaintkit.detect.datasets import SyntheticShapes, load_backgrounds, split_photo_paths

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["ssd300", "mpssd300"])
    parser.add_argument("--photos", type=Path, default=ROOT.parent / "shared" / "data" / "photos")
    parser.add_argument("--split", type=Path, default=ROOT / "configs" / "split.yaml")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--width", type=float, default=0.125)
    parser.add_argument("--steps", type=int, default=1200)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--eval-images", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop a model's training after this long (steps reached are reported)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    return parser.parse_args(argv)


def run(args) -> dict:
    torch.set_num_threads(args.threads)
    train_bg = load_backgrounds(split_photo_paths(args.photos, args.split, "train"))
    val_bg = load_backgrounds(split_photo_paths(args.photos, args.split, "validation"))
    train_set = SyntheticShapes(train_bg, args.steps * args.batch, args.size, seed=args.seed)
    held_out = SyntheticShapes(val_bg, args.eval_images, args.size, seed=10_000 + args.seed)
    results = {}
    for name in args.models:
        torch.manual_seed(args.seed)
        model = build(name, len(SyntheticShapes.class_names) + 1, image_size=args.size,
                      width=args.width, batch_norm=True)
        config = TrainConfig(steps=args.steps, batch_size=args.batch, lr=args.lr,
                             warmup_steps=min(100, args.steps // 10), seed=args.seed,
                             time_limit_s=None if args.minutes is None else args.minutes * 60)
        start = time.monotonic()
        history = train(model, train_set, config, log=lambda s, n=name: print(n, s, flush=True))
        seconds = time.monotonic() - start
        scores = evaluate(model, held_out)
        results[name] = {"map50": scores["map50"], "coco_map": scores["coco_map"],
                         "steps": history[-1]["step"], "train_seconds": round(seconds),
                         "parameters": sum(p.numel() for p in model.parameters())}
        print(f"{name}: mAP@0.5 {scores['map50']:.3f}  AP@[.5:.95] {scores['coco_map']:.3f}  "
              f"({history[-1]['step']} steps, {seconds / 60:.1f} min)", flush=True)
        if args.out:
            save_detector(args.out / f"{name}.safetensors", model, SyntheticShapes.class_names)
    if args.out:
        settings = {k: str(v) for k, v in vars(args).items()}
        (args.out / f"results-{'-'.join(args.models)}.json").write_text(
            json.dumps({"settings": settings, "results": results}, indent=2))
    return results


if __name__ == "__main__":
    run(parse_args())
