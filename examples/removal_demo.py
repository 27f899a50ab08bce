"""Object removal, shown on the shared photos: mask overlays and the §5.4 guidance effect.

    python examples/removal_demo.py [--photos ../shared/data/photos] [--out /tmp/removal_demo]

Writes (nothing is written into the repository):

- ``masks.png``: the masks one click gives (people through MediaPipe, plain objects
  through GrabCut), drawn over each photo with the click as a red dot — check them by eye.
- ``guidance.png`` and the printed figures: a person next to another person (the street
  scene's woman with a copy of her pasted right beside her, touching). The woman is
  removed with contextual attention as the only filler (a pure patch-copy fill, so what
  it copies is visible), without and with the automatic guidance map. With guidance the
  share of attention on the neighbour is exactly 0 and the fill's colour moves away from
  hers.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

MASK_EXAMPLES = [
    ("scikit-image__camera.jpg", (150, 300)),
    ("opencv-doc__examples_text__scenetext01.jpg", (720, 480)),
    ("opencv-doc__examples_text__scenetext01.jpg", (40, 420)),
    ("scipy__ascent.jpg", (450, 300)),
    ("lomiri-wallpapers-16.04__Dragonfly_by_Bolly.jpg", (1150, 600)),
    ("lxqt-themes__butterfly.jpg", (730, 620)),
    ("mate-backgrounds__YellowFlower.jpg", (1024, 640)),
    ("lomiri-wallpapers-20.04__Kleiber_by_Lukas_Baubkus.jpg", (940, 600)),
]


def _read(path: Path) -> np.ndarray:
    from inpaintkit.image_io import read_image

    return read_image(path)


def _tile(image: np.ndarray, mask: np.ndarray, click, text: str) -> np.ndarray:
    overlay = image.copy()
    overlay[mask] = (0.45 * overlay[mask] + 0.55 * np.array([255, 0, 255])).astype(np.uint8)
    cv2.circle(overlay, tuple(int(v) for v in click), max(4, image.shape[1] // 120), (255, 0, 0), -1)
    tile = cv2.resize(overlay, (400, 300), interpolation=cv2.INTER_AREA)
    cv2.putText(tile, text, (6, 292), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    return tile


def mask_overlays(photos: Path, out: Path) -> None:
    from inpaintkit.errors import NothingToRemoveError
    from inpaintkit.removal.pipeline import remove_detailed

    tiles = []
    for name, click in MASK_EXAMPLES:
        image = _read(photos / name)
        try:
            # The identity "model": only the mask matters here.
            result = remove_detailed(image, [click], model=lambda i, m, guidance=None: i, allow_large_hole=True)
            mask, text = result.mask, f"{name[:28]} -> {result.targets[0].label}, {result.mask.mean():.1%}"
        except NothingToRemoveError:
            mask, text = np.zeros(image.shape[:2], bool), f"{name[:28]} -> nothing"
        tiles.append(_tile(image, mask, click, text))
        print(text)
    while len(tiles) % 2:
        tiles.append(np.zeros_like(tiles[0]))
    grid = np.concatenate([np.concatenate(tiles[i:i + 2], axis=1) for i in range(0, len(tiles), 2)], axis=0)
    cv2.imwrite(str(out / "masks.png"), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))


def neighbour_scene(photos: Path):
    """The street scene's woman and a pasted copy of her touching her on the left,
    cropped to 128×128 around them. Returns (image, target mask, neighbour mask)."""
    from inpaintkit.removal.people import PeopleSegmenter
    from inpaintkit.removal.instances import instance_at

    image = _read(photos / "opencv-doc__examples_text__scenetext01.jpg")
    woman = instance_at(PeopleSegmenter()(image, [(720, 480)]), (720, 480)).mask
    ys, xs = np.nonzero(woman)
    shift = int(0.85 * (xs.max() - xs.min()))
    copy = np.zeros_like(woman)
    copy[:, :-shift] = woman[:, shift:]
    scene = image.copy()
    scene[copy] = image[:, shift:][woman[:, shift:]]
    scene_target = woman & ~copy
    top, left = max(0, ys.min() - 20), max(0, xs.min() - shift - 30)
    size = max(ys.max() - top, xs.max() + 10 - left)
    crop = (slice(top, top + size), slice(left, left + size))
    small = lambda a, interp: cv2.resize(a, (128, 128), interpolation=interp)  # noqa: E731
    return (small(scene[crop], cv2.INTER_AREA), small(scene_target[crop].astype(np.uint8), cv2.INTER_NEAREST) > 0,
            small(copy[crop].astype(np.uint8), cv2.INTER_NEAREST) > 0)


def attention_fill(image, hole, guidance):
    """Fill ``hole`` by contextual attention on the pixels themselves; also return the
    attention weight each hole position gives to every candidate."""
    import torch

    from inpaintkit.layers.attention import ContextualAttention

    x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 127.5 - 1
    m = torch.from_numpy(hole)[None, None].float()
    g = None if guidance is None else torch.from_numpy(guidance)[None, None].float()
    out, scores = ContextualAttention()(x * (1 - m), m, guidance=g, return_scores=True)
    filled = ((out[0].permute(1, 2, 0).clamp(-1, 1) + 1) * 127.5).round().byte().numpy()
    return np.where(hole[..., None], filled, image), scores[0]


def guidance_comparison(photos: Path, out: Path) -> dict:
    from inpaintkit.removal.guidance import auto_guidance
    from inpaintkit.removal.instances import Instance
    from inpaintkit.removal.pipeline import dilate

    image, target, neighbour = neighbour_scene(photos)
    hole = dilate(target, 5)
    guidance = auto_guidance(image, hole, [Instance(neighbour, "person", 1.0)])
    figures, panels = {}, [image]
    neighbour_colour = image[neighbour & ~hole].mean(axis=0)
    for name, gmap in (("without guidance", None), ("with guidance", guidance)):
        filled, scores = attention_fill(image, hole, gmap)
        on_neighbour = neighbour[::2, ::2].reshape(-1)
        hole_cells = hole[::2, ::2]
        share = scores[on_neighbour][:, hole_cells].sum(0).mean().item()
        distance = np.linalg.norm(filled[hole].mean(axis=0) - neighbour_colour)
        figures[name] = {"attention on neighbour": share, "fill colour distance to neighbour": distance}
        print(f"{name:>17}: attention on the neighbour {share:.3f}, "
              f"fill colour distance to her {distance:.1f}")
        panels.append(filled)
    shown = image.copy()
    shown[hole] = (255, 255, 255)
    shown[guidance] = (0.5 * shown[guidance] + [0, 127, 127]).astype(np.uint8)
    panels.insert(1, shown)
    strip = np.concatenate([cv2.resize(p, (256, 256), interpolation=cv2.INTER_NEAREST) for p in panels], axis=1)
    cv2.imwrite(str(out / "guidance.png"), cv2.cvtColor(strip, cv2.COLOR_RGB2BGR))
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/photos")
    parser.add_argument("--out", type=Path, default=Path("/tmp/removal_demo"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    mask_overlays(args.photos, args.out)
    guidance_comparison(args.photos, args.out)
    print(f"wrote {args.out / 'masks.png'} and {args.out / 'guidance.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
