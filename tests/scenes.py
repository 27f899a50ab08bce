"""Synthetic scenes for the removal tests, drawn with numpy and OpenCV (no photos needed)."""
from __future__ import annotations

import cv2
import numpy as np


def leafy_background(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A green, leafy texture (noise at two scales), float RGB."""
    rng = np.random.default_rng(seed)
    coarse = cv2.resize(rng.normal(0, 1, (height // 8, width // 8)), (width, height))
    texture = 30 * coarse + 12 * rng.normal(0, 1, (height, width))
    return np.stack([60 + texture, 130 + texture, 50 + 0.5 * texture], axis=2)


def paint(image: np.ndarray, mask: np.ndarray, colour, seed: int = 1, noise: float = 10) -> None:
    """Fill ``mask`` of the float ``image`` with ``colour`` plus a little noise, in place."""
    rng = np.random.default_rng(seed)
    image[mask] = np.asarray(colour, float) + rng.normal(0, noise, (int(mask.sum()), 3))


def finish(image: np.ndarray) -> np.ndarray:
    return np.clip(image, 0, 255).astype(np.uint8)


def box(height: int, width: int, rows: slice, cols: slice) -> np.ndarray:
    """An ``H×W`` bool mask that is True on ``[rows, cols]``."""
    mask = np.zeros((height, width), bool)
    mask[rows, cols] = True
    return mask


def shape_mask(height: int, width: int, draw) -> np.ndarray:
    """``draw(canvas)`` with OpenCV on a uint8 canvas → bool mask."""
    canvas = np.zeros((height, width), np.uint8)
    draw(canvas)
    return canvas > 0


def beetle(height: int = 160, width: int = 200, seed: int = 0):
    """A red beetle with six thin black legs and two antennae on leaves.
    Returns (image, body, legs): the legs are 2 px wide, a thin part a click must take too."""
    image = leafy_background(height, width, seed)
    cx, cy = width // 2, height // 2
    body = shape_mask(height, width, lambda c: cv2.ellipse(c, (cx, cy), (26, 18), 0, 0, 360, 1, -1))

    def draw_legs(canvas):
        for side in (-1, 1):
            for dx in (-14, 0, 14):
                start = (cx + dx, cy + side * 14)
                knee = (cx + dx + (dx // 2), cy + side * 30)
                foot = (cx + dx + dx, cy + side * 40)
                cv2.line(canvas, start, knee, 1, 2)
                cv2.line(canvas, knee, foot, 1, 2)
        for side in (-1, 1):
            cv2.line(canvas, (cx + 24, cy + side * 6), (cx + 48, cy + side * 22), 1, 2)

    legs = shape_mask(height, width, draw_legs) & ~body
    paint(image, legs, (20, 18, 15), seed + 1, 6)
    paint(image, body, (200, 40, 35), seed + 2)
    return finish(image), body, legs


def two_touching_blocks(height: int = 120, width: int = 160, seed: int = 0):
    """A red block and a blue block side by side, touching, on leaves.
    Returns (image, red, blue)."""
    image = leafy_background(height, width, seed)
    red = np.zeros((height, width), bool)
    blue = np.zeros((height, width), bool)
    red[40:80, 40:80] = True
    blue[40:80, 80:115] = True
    paint(image, red, (210, 45, 40), seed + 1)
    paint(image, blue, (40, 60, 210), seed + 2)
    return finish(image), red, blue


def two_apart_discs(height: int = 120, width: int = 160, seed: int = 0):
    """A red disc and an orange disc apart from each other on leaves.
    Returns (image, red, orange)."""
    image = leafy_background(height, width, seed)
    red = shape_mask(height, width, lambda c: cv2.circle(c, (45, 60), 18, 1, -1))
    orange = shape_mask(height, width, lambda c: cv2.circle(c, (115, 60), 16, 1, -1))
    paint(image, red, (210, 45, 40), seed + 1)
    paint(image, orange, (235, 150, 30), seed + 2)
    return finish(image), red, orange


def long_bar(height: int = 120, width: int = 200, seed: int = 0):
    """A long yellow bar across leaves. Returns (image, bar)."""
    image = leafy_background(height, width, seed)
    bar = np.zeros((height, width), bool)
    bar[50:70, 20:180] = True
    paint(image, bar, (230, 210, 40), seed + 1)
    return finish(image), bar


class OnlyThis:
    """A segmentation back end that knows one object (any click on it), like a person mask."""

    name = "only-this"

    def __init__(self, mask: np.ndarray, label: str = "person") -> None:
        self.mask, self.label = mask, label

    def __call__(self, image, clicks):
        from inpaintkit.removal.instances import Instance

        return [Instance(self.mask.copy(), self.label, 0.9)]
