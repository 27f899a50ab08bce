"""Text removal on real photos with signs and on rendered captions and watermarks.

For each photo: the lines the DB detector finds and the recogniser reads as text (what
``remove(photo, text=True)`` takes) before and after that removal (after: those within
two line heights of a line found before — text left over — and those elsewhere, which
are new false detections), the share of the photo removed, and whether the signs kept their background colour —
per line, the CIEDE2000 distance between the median colour of the line's non-stroke
pixels before removal and the median of the same rectangle after it (< 5: the same colour
to the eye; a smeared or boxed-out sign would move it by tens).

    OMP_NUM_THREADS=1 python benchmarks/text_removal.py --out /tmp/text_removal

writes ``NAME.png`` (photo | mask | result) per case into ``--out`` and prints a table.
Then every other photo of ``../shared/data/photos`` but the two graffiti walls: none holds
text, so ``remove --text`` should say so and change nothing; the photos it changed are
listed with the share it removed. Last, the same photos with a small "© 2023 Jane Doe" in
the lower right corner: how much of the caption the text mask covers, and which photos
lose more than 0.1 % elsewhere (farther than one text height from the caption).
Rendered cases draw text with DejaVu Sans Bold (Pillow's own font where it is missing)
over photos of ``../shared/data/photos`` that hold none.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from skimage.color import deltaE_ciede2000, rgb2lab

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from inpaintkit.errors import NothingToRemoveError  # noqa: E402
from inpaintkit.removal.pipeline import remove_detailed  # noqa: E402
from inpaintkit.removal.text import get_text_detector, lies_near, read_lines  # noqa: E402
from inpaintkit.removal.text_reading import get_text_reader  # noqa: E402

PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "photos"
SIGN_PHOTOS = ["opencv-doc__examples_text__scenetext01.jpg", "opencv-doc__examples_text__scenetext03.jpg",
               "opencv-doc__examples_text__scenetext04.jpg", "opencv-doc__examples_text__scenetext05.jpg"]
# Walls covered in stylised letters: text to some eyes, not to others; left out of both.
GRAFFITI = ["opencv-doc__examples_data__graf1.jpg", "opencv-doc__examples_data__graf3.jpg"]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def font(size: int):
    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        return ImageFont.load_default(size=size)


def caption(photo: str) -> np.ndarray:
    """White caption with a dark outline across the bottom of a photo (1024 px wide)."""
    image = _photo(photo)
    draw = ImageDraw.Draw(image)
    draw.text((40, image.height - 90), "Summer in the hills, 2024", font=font(44), fill=(255, 255, 255),
              stroke_width=3, stroke_fill=(20, 20, 20))
    return np.asarray(image)


def watermark(photo: str) -> np.ndarray:
    """A half-transparent white watermark in the lower right corner."""
    image = _photo(photo).convert("RGBA")
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).text((image.width - 420, image.height - 80), "© inpaintkit photos", font=font(36),
                               fill=(255, 255, 255, 140))
    return np.asarray(Image.alpha_composite(image, layer).convert("RGB"))


def caption_bar(photo: str) -> np.ndarray:
    """Yellow text on a dark blue banner over the top of a photo (a TV-style caption)."""
    image = _photo(photo)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 30, image.width, 110), fill=(20, 40, 110))
    draw.text((30, 45), "BREAKING: cups found on table", font=font(42), fill=(250, 220, 40))
    return np.asarray(image)


def _photo(name: str) -> Image.Image:
    image = Image.open(PHOTOS / name).convert("RGB")
    image.thumbnail((1024, 1024), Image.Resampling.LANCZOS)
    return image


def cases():
    for name in SIGN_PHOTOS:
        yield name.split("__")[-1].removesuffix(".jpg"), np.asarray(Image.open(PHOTOS / name).convert("RGB"))
    yield "caption-aitzgorri", caption("lomiri-wallpapers-16.04__aitzgorri_by_Aitzol_Berasategi.jpg")
    yield "caption-apple", caption("opencv-doc__examples_data__apple.jpg")
    yield "watermark-butterfly", watermark("lxqt-themes__butterfly.jpg")
    yield "watermark-fallenleaf", watermark("plasma-workspace-wallpapers__FallenLeaf.jpg")
    yield "captionbar-cups", caption_bar("plasma-workspace-wallpapers__ColorfulCups.jpg")


def background_shift(before: np.ndarray, after: np.ndarray, mask: np.ndarray, lines) -> float:
    """The largest CIEDE2000 shift of a line's background (median non-stroke colour of its
    rectangle before removal, against the median of the rectangle after)."""
    worst = 0.0
    for line in lines:
        box = np.zeros(mask.shape, np.uint8)
        cv2.fillPoly(box, [np.round(line.quad).astype(np.int32)], 1)
        box = box > 0
        if not (box & ~mask).any():
            continue
        old = np.median(before[box & ~mask], axis=0)
        new = np.median(after[box], axis=0)
        lab = rgb2lab(np.array([[old, new]], np.float64) / 255.0)
        worst = max(worst, float(deltaE_ciede2000(lab[0, 0], lab[0, 1])))
    return worst


def text_lines(image: np.ndarray) -> list:
    """The detector's lines that ``remove --text`` takes in its first look (:func:`read_lines`)."""
    return read_lines(image, get_text_detector()(image)[0], get_text_reader())


def photos_without_text() -> list[Path]:
    skip = set(SIGN_PHOTOS) | set(GRAFFITI)
    return sorted(path for path in PHOTOS.glob("*.jpg") if path.name not in skip)


def false_removals() -> None:
    """``remove --text`` on every photo without text: the ones it changed."""
    changed = []
    photos = photos_without_text()
    for path in photos:
        image = np.asarray(Image.open(path).convert("RGB"))
        try:
            result = remove_detailed(image, text=True)
        except NothingToRemoveError:
            continue
        changed.append(f"{path.stem} ({result.mask.mean():.2%})")
    print(f"\nphotos without text: {len(photos)}; `remove --text` changed {len(changed)}"
          + (": " + ", ".join(changed) if changed else ""))


def corner_caption(image: Image.Image, text: str = "© 2023 Jane Doe") -> tuple[np.ndarray, np.ndarray, int]:
    """``text`` in white, outlined, in the lower right corner, a fortieth of the width
    high: (the image, the caption's ink as a bool mask, the font size)."""
    size = max(14, image.width // 40)
    draw, typeface = ImageDraw.Draw(image), font(size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=typeface)
    xy = (image.width - (right - left) - size, image.height - (bottom - top) - size)
    draw.text(xy, text, font=typeface, fill="white", stroke_width=2, stroke_fill=(20, 20, 20))
    ink = Image.new("L", image.size)
    ImageDraw.Draw(ink).text(xy, text, font=typeface, fill=255, stroke_width=2)
    return np.asarray(image), np.asarray(ink) > 127, size


def captions_elsewhere() -> None:
    """A corner caption on every photo without text: its coverage, and what else goes."""
    from inpaintkit.removal.text import text_mask

    covered, taken = [], []
    for path in photos_without_text():
        image = Image.open(path).convert("RGB")
        image.thumbnail((1600, 1600))
        photo, ink, size = corner_caption(image)
        try:
            mask = text_mask(photo)
        except NothingToRemoveError:
            mask = np.zeros(ink.shape, bool)
        near = cv2.dilate(ink.astype(np.uint8), np.ones((2 * size + 1, 2 * size + 1), np.uint8)) > 0
        covered.append(float(mask[ink].mean()))
        if (mask & ~near).mean() > 0.001:
            taken.append(f"{path.stem} ({(mask & ~near).mean():.1%})")
    print(f"\nthe same photos with a corner caption: caption covered median {np.median(covered):.2f}, "
          f"min {min(covered):.2f}, at least 0.9 in {sum(c >= 0.9 for c in covered)} of {len(covered)}; "
          f"more than 0.1 % taken elsewhere in {len(taken)}" + (": " + ", ".join(taken) if taken else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("text_removal"), help="folder for the PNGs")
    parser.add_argument("--model", default=None,
                        help="inpainting model or 'harmonic' (default: remove's own, the pyramid model and the synthesis)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{'case':24s} {'size':>10s} {'lines':>5s} {'left':>5s} {'elsewh':>6s} {'removed':>8s} {'bg ΔE00':>8s}")
    for name, image in cases():
        lines = text_lines(image)
        result = remove_detailed(image, text=True, model=args.model)
        after = text_lines(result.image)
        where_text_was = np.zeros(image.shape[:2], bool)
        for line in lines:
            cv2.fillPoly(where_text_was.view(np.uint8), [np.round(line.quad).astype(np.int32)], 1)
        left = sum(lies_near(line, where_text_was) for line in after)
        shift = background_shift(image, result.image, result.mask, lines)
        size = f"{image.shape[1]}×{image.shape[0]}"
        print(f"{name:24s} {size:>10s} {len(lines):5d} {left:5d} {len(after) - left:6d} "
              f"{result.mask.mean():8.2%} {shift:8.1f}", flush=True)
        mask_rgb = np.repeat(result.mask[:, :, None].astype(np.uint8) * 255, 3, axis=2)
        Image.fromarray(np.concatenate([image, mask_rgb, result.image], axis=1)).save(args.out / f"{name}.png")
    false_removals()
    captions_elsewhere()


if __name__ == "__main__":
    main()
