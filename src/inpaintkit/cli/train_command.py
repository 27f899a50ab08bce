"""``inpaintkit train CONFIG [--set SECTION.KEY=VALUE ...] [--out DIR] [--resume] [--steps N] [--max-minutes M] [--model NAME] [--data-root DIR] [--init WEIGHTS|PORTABLE_DIR] [--device cpu|cuda]``.

Multi-GPU / multi-node: launch the same command through ``torchrun``
(``torchrun --nproc_per_node=4 -m inpaintkit.cli train configs/pyramid.yaml``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="train an inpainting model from a YAML config",
        description="Train an inpainting model from a YAML config (see configs/*.yaml). "
        "Launch through torchrun for multi-GPU or multi-node training.",
    )
    parser.add_argument("config", type=Path, help="YAML config with model, data and train sections")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="change one key of the config for this run, e.g. --set train.gan=hinge "
                             "--set train.gan_weight=0.02 (repeatable; values are YAML)")
    parser.add_argument("--out", type=Path, default=None,
                        help="run folder for checkpoint.pt and tensorboard/ (default: runs/<config name>)")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    parser.add_argument("--steps", type=int, default=None, help="train until this step (overrides train.steps)")
    parser.add_argument("--max-minutes", type=float, default=None,
                        help="stop (and save) after this much wall-clock time, e.g. a lent GPU's lease")
    parser.add_argument("--model", default=None,
                        help="train this model with the config's recipe (same-budget comparisons)")
    parser.add_argument("--init", type=Path, default=None,
                        help="start from the generator in this .safetensors file, or generator and "
                             "discriminators of a portable checkpoint folder (fresh optimizers), "
                             "e.g. weights brought back from a lent GPU")
    parser.add_argument("--data-root", type=Path, default=None,
                        help="train on this folder of images instead of the config's data.root")
    parser.add_argument("--device", choices=["cpu", "cuda"], default=None,
                        help="default: cuda when available, else cpu")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import UserError
    from ..image_io import check_creatable
    from ..training import distributed
    from ..training.config import load_config
    from ..training.trainer import Trainer

    config = load_config(args.config, args.set)
    if args.steps is not None:
        if args.steps < 1:
            raise UserError("--steps must be a positive integer.")
        config.train.steps = args.steps
    if args.max_minutes is not None and not args.max_minutes > 0:
        raise UserError("--max-minutes must be a positive number.")
    if args.model is not None:
        config.model["name"] = args.model
    if args.init is not None and args.resume:
        raise UserError("--init starts a new run from weights; --resume continues a checkpoint: pass one.")
    if args.data_root is not None:
        config.data.root = str(args.data_root)
    out_dir = args.out or Path("runs") / args.config.stem
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out {out_dir} is a file; give a folder for the run (it is created if need be).")
    check_creatable(out_dir, "run folder --out")
    context = distributed.setup(args.device)
    try:
        trainer = Trainer(config, out_dir, context=context)
        if args.resume:
            step = trainer.resume()
            if context.is_main:
                print(f"resumed {trainer.checkpoint_path} at step {step}")
        elif trainer.checkpoint_path.exists():
            raise UserError(f"{trainer.checkpoint_path} exists; pass --resume to continue it or --out to start a new run.")
        elif args.init is not None:
            step = trainer.init_from_weights(args.init)
            if context.is_main:
                kept = "discriminators kept, " if trainer.discriminators_kept else ""
                print(f"started from {args.init} (step {step}, {kept}fresh optimizers)")
                if trainer.base_change is not None:
                    print("base fill changed from {} to {}".format(*trainer.base_change))
        try:
            losses = trainer.train(max_seconds=None if args.max_minutes is None else 60 * args.max_minutes)
        except KeyboardInterrupt:
            if context.is_main:
                saved = (f"{trainer.checkpoint_path} is kept (--resume continues it)"
                         if trainer.checkpoint_path.exists() else "no checkpoint was written yet")
                print(f"interrupted at step {trainer.step}; {saved}", file=sys.stderr)
            return 130
    finally:
        distributed.teardown(context)
    if context.is_main and not trainer.checkpoint_path.exists():
        print(f"no step trained (at step {trainer.step} of {config.train.steps}, "
              f"--max-minutes {args.max_minutes}); nothing saved")
        return 0
    if context.is_main:
        summary = ", ".join(f"{key} {value:.4f}" for key, value in losses.items() if "/" not in key)
        done = f"step {trainer.step}: {summary}" if summary else f"already at step {trainer.step}, nothing trained"
        print(f"{done}; checkpoint {trainer.checkpoint_path}")
    return 0
