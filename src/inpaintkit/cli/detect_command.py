"""``inpaintkit detect train|eval|predict``: the MPSSD detector from the command line.

    inpaintkit detect train --model mpssd300 --synthetic --photos PHOTOS -o det.safetensors
    inpaintkit detect train --model ssd300 --voc VOCdevkit/VOC2007 -o ssd.safetensors
    inpaintkit detect eval det.safetensors --coco images/ annotations.json
    inpaintkit detect predict det.safetensors photo.jpg --score 0.3
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--voc", type=Path, metavar="ROOT", help="a VOC-layout folder (VOC2007)")
    group.add_argument("--coco", type=Path, nargs=2, metavar=("IMAGES", "JSON"),
                       help="a COCO image folder and annotation file")
    group.add_argument("--synthetic", action="store_true",
                       help="coloured shapes on photos (training photos for train, "
                            "validation photos for eval, per configs/split.yaml)")
    parser.add_argument("--split", default=None,
                        help="VOC image set (default trainval for train, test for eval)")
    parser.add_argument("--photos", type=Path, default=ROOT.parent / "shared" / "data" / "photos")
    parser.add_argument("--split-file", type=Path, default=ROOT / "configs" / "split.yaml")
    parser.add_argument("--images", type=int, default=200,
                        help="synthetic images to evaluate on (training draws new ones)")


def register(subparsers) -> None:
    parser = subparsers.add_parser("detect", help="train, evaluate or run the MPSSD detector")
    actions = parser.add_subparsers(dest="action", required=True)

    train = actions.add_parser("train", help="train a detector")
    train.add_argument("--model", default="mpssd300",
                       help="ssd300, ssd512, fssd300, mpssd300 or mpssd512")
    add_data_arguments(train)
    train.add_argument("--size", type=int, default=None, help="input size (default: the model's)")
    train.add_argument("--width", type=float, default=1.0, help="channel width multiplier")
    train.add_argument("--batch-norm", action="store_true", help="BN after every VGG conv")
    train.add_argument("--steps", type=int, default=2000)
    train.add_argument("--batch", type=int, default=16)
    train.add_argument("--lr", type=float, default=1e-3)
    train.add_argument("--optimizer", choices=["adamw", "sgd"], default="adamw")
    train.add_argument("--minutes", type=float, default=None, help="stop after this long")
    train.add_argument("-o", "--output", type=Path, required=True, help="weights .safetensors")

    evaluate = actions.add_parser("eval", help="mAP@0.5 and AP@[.5:.95] on a dataset")
    evaluate.add_argument("weights", type=Path)
    add_data_arguments(evaluate)

    predict = actions.add_parser("predict", help="boxes for one image, as JSON lines")
    predict.add_argument("weights", type=Path)
    predict.add_argument("image", type=Path)
    predict.add_argument("--score", type=float, default=0.3, help="minimum score")
    predict.add_argument("-o", "--output", type=Path, help="also draw the boxes into this image")
    for sub in (train, evaluate, predict):
        sub.set_defaults(func=run)


def load_dataset(args, training: bool, size: int, length: int):
    """The dataset the arguments name; ``length`` images when synthetic."""
    from inpaintkit.detect.datasets import (COCODetection, SyntheticShapes, VOCDetection,
                                            load_backgrounds, split_photo_paths)
    from inpaintkit.errors import UserError

    if args.voc:
        split = args.split or ("trainval" if training else "test")
        if not (args.voc / "ImageSets" / "Main" / f"{split}.txt").is_file():
            raise UserError(f"{args.voc} has no ImageSets/Main/{split}.txt; pass a VOC folder.")
        return VOCDetection(args.voc, split)
    if args.coco:
        if not args.coco[1].is_file():
            raise UserError(f"annotation file {args.coco[1]} not found.")
        return COCODetection(*args.coco)
    subset = "train" if training else "validation"
    if not args.photos.is_dir():
        raise UserError(f"photo folder {args.photos} not found; pass --photos DIR.")
    backgrounds = load_backgrounds(split_photo_paths(args.photos, args.split_file, subset))
    if not backgrounds:
        raise UserError(f"no {subset} photos (*.jpg) in {args.photos}.")
    # Fixed seeds: training draws from seed 0, evaluation is always the same held-out set.
    return SyntheticShapes(backgrounds, length, size, seed=0 if training else 10_000)


def run(args) -> int:
    return {"train": run_train, "eval": run_eval, "predict": run_predict}[args.action](args)


def run_train(args) -> int:
    from inpaintkit.detect import TrainConfig, build, save_detector, train
    from inpaintkit.detect.model import DETECTOR_CONFIGS
    from inpaintkit.errors import UserError

    from .arguments import check_file_output

    if args.model not in DETECTOR_CONFIGS:
        raise UserError(f"unknown model {args.model!r}; choose one of {sorted(DETECTOR_CONFIGS)}.")
    for flag, value in (("--steps", args.steps), ("--batch", args.batch)):
        if value < 1:
            raise UserError(f"{flag} must be a positive whole number; got {value}.")
    for flag, value in (("--lr", args.lr), ("--width", args.width), ("--minutes", args.minutes)):
        if value is not None and not 0 < value < math.inf:
            raise UserError(f"{flag} must be a positive number; got {value}.")
    if args.size is not None and args.size < 64:
        raise UserError(f"--size must be at least 64 pixels; got {args.size}.")
    # Checked now: a path found bad after training would throw the training away.
    check_file_output(args.output, [])
    size = args.size or DETECTOR_CONFIGS[args.model].image_size
    dataset = load_dataset(args, training=True, size=size, length=args.steps * args.batch)
    model = build(args.model, len(dataset.class_names) + 1, image_size=size, width=args.width,
                  batch_norm=args.batch_norm)
    config = TrainConfig(steps=args.steps, batch_size=args.batch, lr=args.lr,
                         optimizer=args.optimizer,
                         time_limit_s=None if args.minutes is None else args.minutes * 60)
    try:
        train(model, dataset, config)
    except KeyboardInterrupt:
        print("interrupted: nothing was saved (the detector is written when training ends; --minutes "
              "sets a time limit)", file=sys.stderr)
        return 130
    save_detector(args.output, model, dataset.class_names)
    print(f"saved {args.output}")
    return 0


def run_eval(args) -> int:
    from inpaintkit.detect import evaluate, load_detector
    from inpaintkit.errors import UserError

    if args.images < 1:
        raise UserError(f"--images must be a positive whole number; got {args.images}.")
    model, class_names = load_detector(args.weights)
    dataset = load_dataset(args, training=False, size=model.config.image_size,
                           length=args.images)
    if tuple(class_names) != tuple(dataset.class_names):
        raise UserError(f"the detector knows {len(class_names)} classes ({', '.join(class_names[:3])}, …) and "
                        f"the dataset {len(dataset.class_names)} others ({', '.join(dataset.class_names[:3])}, …); "
                        "evaluate it on a dataset of its own classes.")
    scores = evaluate(model, dataset)
    print(json.dumps({"map50": round(scores["map50"], 4), "coco_map": round(scores["coco_map"], 4)}))
    return 0


def run_predict(args) -> int:
    import cv2

    from inpaintkit.detect import Detector
    from inpaintkit.errors import UserError
    from inpaintkit.image_io import read_image, save_image

    if not 0 <= args.score <= 1:  # also NaN, which would print no box without a word
        raise UserError(f"--score must be from 0 to 1; got {args.score}.")
    # The shared reader: same formats, pixel limit and one-sentence errors as every command.
    image = read_image(args.image)
    found = Detector.from_checkpoint(args.weights).detect(image, score_threshold=args.score)
    for box, label, score in found:
        print(json.dumps({"box": [round(v, 1) for v in box], "label": label,
                          "score": round(score, 4)}))
        x1, y1, x2, y2 = (int(round(v)) for v in box)
        cv2.rectangle(image, (x1, y1), (x2, y2), (255, 0, 0), 2)  # red, in RGB
        cv2.putText(image, f"{label} {score:.2f}", (x1, max(12, y1 - 4)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 0, 0), 1)
    if args.output:
        save_image(image, args.output)
    return 0
