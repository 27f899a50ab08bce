"""Click-to-result time per stage of one-click removal (issue 5, thesis §5.3).

    python benchmarks/removal_timing.py [--photo PATH] [--click X,Y] [--repeats 5] [--threads 2]

A 1024×768 photo (default: the two-person street scene of the shared photos, resized),
one click on a person, the default model (``pyramid``: its shipped weights when they
exist, else the same architecture untrained — the time is the same). Stages:
``segmentation`` (back end on the ≤640 px copy, masks back at full size), ``mask`` (union,
5×5 dilation, guidance map) and ``inpaint`` (the model on the crop around the hole).
The first run (imports, MediaPipe graph, model load) is reported apart as ``cold``;
the table shows the median of the warm runs. Aim: under 1.5 s in total on 2 CPU cores.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

DEFAULT_PHOTO = Path(__file__).resolve().parents[2] / "shared/data/photos/opencv-doc__examples_text__scenetext01.jpg"


def _model(name: str, max_side):
    from inpaintkit.errors import MissingWeightsError
    from inpaintkit.inference import load_model

    try:
        return load_model(name, max_side=max_side), "shipped weights"
    except MissingWeightsError:
        return load_model(name, pretrained=False, max_side=max_side), "untrained (no shipped weights yet; same cost)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photo", type=Path, default=DEFAULT_PHOTO)
    parser.add_argument("--click", default="922,640", help="X,Y in the 1024×768 copy (default: a person)")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--model", default="pyramid")
    parser.add_argument("--max-side", type=int, help="the model's working resolution (default: its weights' own)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import cv2
    import torch

    from inpaintkit.image_io import read_image
    from inpaintkit.removal.pipeline import remove_detailed

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    image = cv2.resize(read_image(args.photo), (1024, 768), interpolation=cv2.INTER_AREA)
    click = tuple(float(v) for v in args.click.split(","))

    start = time.perf_counter()
    model, provenance = _model(args.model, args.max_side)
    load_seconds = time.perf_counter() - start
    start = time.perf_counter()
    remove_detailed(image, [click], backend=args.backend, model=model)
    cold = time.perf_counter() - start

    cpu_start = time.process_time()
    runs = [remove_detailed(image, [click], backend=args.backend, model=model) for _ in range(args.repeats)]
    cpu_per_run = (time.process_time() - cpu_start) / args.repeats
    stages = ("segmentation", "mask", "inpaint")
    median = {stage: statistics.median(run.timings[stage] for run in runs) for stage in stages}
    print(f"photo {args.photo.name} → 1024×768, click {click}, back end {args.backend}, "
          f"model {args.model} at max_side {model.max_side} ({provenance}), {args.threads} threads, torch {torch.__version__}")
    print(f"hole {runs[0].mask.mean():.1%} of the photo; targets {[t.label for t in runs[0].targets]}")
    print(f"model load {load_seconds:.2f} s; first removal (cold: imports, MediaPipe graph) {cold:.2f} s")
    print(f"{'stage':<14}{'median s':>10}   (over {args.repeats} warm runs)")
    for stage in stages:
        print(f"{stage:<14}{median[stage]:>10.3f}")
    print(f"{'total':<14}{sum(median.values()):>10.3f}")
    # CPU seconds (all threads) do not grow when other processes share the cores; wall
    # seconds do. On a busy machine compare cpu/threads with the wall total.
    print(f"CPU time per warm run: {cpu_per_run:.3f} s (all threads)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
