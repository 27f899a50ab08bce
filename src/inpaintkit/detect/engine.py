"""Training and evaluation loops for the detectors, and their weight files.

Weights are saved as safetensors (fp32) with two metadata entries: ``"config"`` (the
:class:`DetectorConfig` as JSON) and ``"class_names"`` (JSON list, background excluded).
No pickles: a weight file can be loaded without running code from it.

Training choices (SSD trains 120k SGD iterations from an ImageNet VGG; we train briefly
from scratch): AdamW by default with a linear warm-up and cosine decay, horizontal flips as
the only augmentation (SSD's photometric distortion, expansion and crops are not here).
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Sequence

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open
from torch.utils.data import DataLoader

from ..errors import MissingWeightsError, UserError
from ..weights import save_safetensors
from .box_coding import match
from .datasets import collate
from .loss import MultiBoxLoss
from .metrics import coco_map, voc_map
from .model import DetectorConfig, SingleShotDetector
from .nms import postprocess


@dataclass
class TrainConfig:
    """``steps`` optimiser steps of ``batch_size`` images; training stops early after
    ``time_limit_s`` seconds (the step reached is in the history)."""

    steps: int = 2000
    batch_size: int = 16
    lr: float = 1e-3
    weight_decay: float = 5e-4
    optimizer: str = "adamw"      # or "sgd" (momentum 0.9, SSD's choice)
    warmup_steps: int = 100
    log_every: int = 50
    time_limit_s: float | None = None
    seed: int = 0


def targets_for(model: SingleShotDetector, boxes: Sequence[torch.Tensor],
                labels: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image ground truth → ``([B, P, 4]`` encoded offsets, ``[B, P]`` labels)."""
    matched = [match(b.to(model.priors), l.to(model.priors.device), model.priors)
               for b, l in zip(boxes, labels)]
    return torch.stack([m[0] for m in matched]), torch.stack([m[1] for m in matched])


def random_flip(images: torch.Tensor, boxes: list[torch.Tensor],
                generator: torch.Generator) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Mirror each image with probability ½ (boxes in [0, 1] xyxy follow)."""
    flips = torch.rand(len(images), generator=generator) < 0.5
    images = torch.where(flips[:, None, None, None].to(images.device), images.flip(-1), images)
    boxes = [torch.stack([1 - b[:, 2], b[:, 1], 1 - b[:, 0], b[:, 3]], 1) if f else b
             for b, f in zip(boxes, flips.tolist())]
    return images, boxes


def make_optimizer(model: torch.nn.Module, config: TrainConfig):
    if config.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=config.lr, momentum=0.9,
                               weight_decay=config.weight_decay)
    return torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)


def learning_rate_factor(step: int, config: TrainConfig) -> float:
    """Linear warm-up to 1, then cosine decay to 0 at ``config.steps``."""
    if step < config.warmup_steps:
        return (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def train(model: SingleShotDetector, dataset, config: TrainConfig,
          log: Callable[[str], None] = print) -> list[dict]:
    """Train in place; returns the logged history ``[{"step", "loc", "conf", "seconds"}]``."""
    device = model.priors.device
    generator = torch.Generator().manual_seed(config.seed)
    loader = DataLoader(dataset, batch_size=config.batch_size, shuffle=True, drop_last=True,
                        generator=generator,
                        collate_fn=partial(collate, size=model.config.image_size))
    optimizer = make_optimizer(model, config)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: learning_rate_factor(step, config))
    criterion = MultiBoxLoss()
    history, step, start = [], 0, time.monotonic()
    running = torch.zeros(2)
    model.train()
    while step < config.steps:
        for images, boxes, labels in loader:
            images, boxes = random_flip(images, boxes, generator)
            target_locations, target_labels = targets_for(model, boxes, labels)
            locations, logits = model(images.to(device))
            loc_loss, conf_loss = criterion(locations, logits, target_locations, target_labels)
            optimizer.zero_grad(set_to_none=True)
            (loc_loss + conf_loss).backward()
            optimizer.step()
            scheduler.step()
            step += 1
            running += torch.stack([loc_loss.detach(), conf_loss.detach()]).cpu()
            elapsed = time.monotonic() - start
            out_of_time = config.time_limit_s is not None and elapsed > config.time_limit_s
            if step % config.log_every == 0 or step == config.steps or out_of_time:
                count = (step - 1) % config.log_every + 1
                entry = {"step": step, "loc": float(running[0]) / count,
                         "conf": float(running[1]) / count, "seconds": round(elapsed, 1)}
                history.append(entry)
                log(f"step {step}: loc {entry['loc']:.3f} conf {entry['conf']:.3f} "
                    f"({elapsed:.0f} s)")
                running.zero_()
            if step >= config.steps or out_of_time:
                return history
    return history


@torch.no_grad()
def predict_dataset(model: SingleShotDetector, dataset, batch_size: int = 16,
                    score_threshold: float = 0.01):
    """Detections and ground truths for a whole dataset, boxes relative to the input."""
    model.eval()
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False,
                        collate_fn=partial(collate, size=model.config.image_size))
    detections, ground_truths = [], []
    for images, boxes, labels in loader:
        locations, logits = model(images.to(model.priors.device))
        for det in postprocess(locations, logits, model.priors, score_threshold):
            detections.append((det.boxes.cpu(), det.scores.cpu(), det.labels.cpu()))
        ground_truths += list(zip(boxes, labels))
    return detections, ground_truths


def evaluate(model: SingleShotDetector, dataset, batch_size: int = 16) -> dict:
    """``{"map50": VOC AP@0.5, "coco_map": AP@[.5:.95], "per_class_ap50": {label: AP}}``."""
    detections, ground_truths = predict_dataset(model, dataset, batch_size)
    voc = voc_map(detections, ground_truths, iou_threshold=0.5)
    return {"map50": voc["map"], "coco_map": coco_map(detections, ground_truths)["map"],
            "per_class_ap50": voc["per_class"]}


def save_detector(path: str | Path, model: SingleShotDetector,
                  class_names: Sequence[str]) -> None:
    """Weights (fp32) + config + class names in one safetensors file."""
    if len(class_names) != model.config.num_classes - 1:
        raise ValueError(f"{len(class_names)} class names for {model.config.num_classes - 1} "
                         "object classes")
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    metadata = {"config": json.dumps(model.config.to_dict()),
                "class_names": json.dumps(list(class_names))}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_safetensors(state, Path(path), metadata)


def load_detector(path: str | Path,
                  device: str | torch.device = "cpu") -> tuple[SingleShotDetector, list[str]]:
    """A detector saved by :func:`save_detector`, in eval mode, and its class names."""
    path = Path(path)
    if not path.is_file():
        raise MissingWeightsError(f"detector weights {path} not found; train one with "
                                  "'inpaintkit detect train' or pass the right path.")
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
    except (SafetensorError, OSError) as error:
        raise UserError(f"{path} is not a readable safetensors weights file ({error}).") from None
    if "config" not in metadata or "class_names" not in metadata:
        raise MissingWeightsError(f"{path} has no detector config in its metadata (inpainting weights?); "
                                  "train a detector with 'inpaintkit detect train'.")
    try:
        model = SingleShotDetector(DetectorConfig.from_dict(json.loads(metadata["config"])))
        model.load_state_dict(load_file(str(path)))
    except (TypeError, ValueError, KeyError, RuntimeError) as error:
        raise UserError(f"{path} holds no detector this version can build ({str(error)[:120]}).") from None
    return model.to(device).eval(), json.loads(metadata["class_names"])
