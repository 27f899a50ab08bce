"""What a person tells the segmentation, as in SAM-style tools: clicks, corrections, a box.

- ``clicks``: one object each ("remove this"); several clicks remove several objects.
- ``add``: positive clicks, a part the selection missed (a leg, a handle, a shadow).
- ``exclude``: negative clicks, a part that must stay (the table under a cup).
- ``box``: ``(x0, y0, x1, y1)``, the selection stays inside it; a box alone selects the
  object it frames.

:func:`validate_prompt` turns user values into a :class:`Prompt` of integer pixels inside
the image (a fractional point lies in the pixel that holds it: 12.7 is in column 12), or
raises a ``UserError`` naming the bad value in one sentence.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Optional, Sequence

from ..errors import UserError
from .instances import Click

Box = tuple[int, int, int, int]  # x0, y0, x1, y1: x0 <= x < x1, y0 <= y < y1

# A box thinner than this (pixels, in the user's image) frames nothing GrabCut can model.
MIN_BOX_SIDE = 4

PYTHON_WAY_TO_PROMPT = "pass clicks=[(x, y)] on the object to remove, or box=(x0, y0, x1, y1) around it"


class NoPromptError(UserError):
    """Neither a click nor a box: nothing says what to remove. Each edge names its own way
    to give one (:meth:`asked_by`), as :class:`~inpaintkit.hole_limit.HoleTooLargeError` does."""

    def __init__(self, how_to_prompt: str = PYTHON_WAY_TO_PROMPT):
        super().__init__(f"no click or box given: {how_to_prompt}.")

    def asked_by(self, how_to_prompt: str) -> "NoPromptError":
        """The same refusal in this edge's words (CLI options, form fields)."""
        return NoPromptError(how_to_prompt)


@dataclass(frozen=True)
class Prompt:
    """Validated prompts in pixels of one image (see the module docstring)."""

    clicks: tuple[Click, ...] = ()
    add: tuple[Click, ...] = ()
    exclude: tuple[Click, ...] = ()
    box: Optional[Box] = None

    @property
    def positives(self) -> tuple[Click, ...]:
        """Every point that must end up in the selection."""
        return self.clicks + self.add

    @property
    def refines(self) -> bool:
        """Whether anything beyond plain object clicks was given."""
        return bool(self.add or self.exclude or self.box)

    def scaled(self, scale: float, shape: tuple[int, int]) -> "Prompt":
        """The same prompt in an image resized by ``scale`` to ``shape`` (height, width)."""
        height, width = shape

        def point(click: Click) -> Click:
            return min(int(click[0] * scale), width - 1), min(int(click[1] * scale), height - 1)

        box = None
        if self.box is not None:
            x0, y0, x1, y1 = self.box
            box = (int(x0 * scale), int(y0 * scale),
                   max(int(x0 * scale) + 1, min(width, math.ceil(x1 * scale))),
                   max(int(y0 * scale) + 1, min(height, math.ceil(y1 * scale))))
        return replace(self, clicks=tuple(map(point, self.clicks)), add=tuple(map(point, self.add)),
                       exclude=tuple(map(point, self.exclude)), box=box)


def _points(values) -> Sequence:
    """A list of points as given, None as none. Not ``values or ()``: an ``N×2`` numpy
    array has no truth value."""
    return () if values is None else values


def validate_prompt(clicks: Sequence = (), add: Sequence = (), exclude: Sequence = (),
                    box: Optional[Sequence] = None, *, shape: tuple[int, int]) -> Prompt:
    """User values → a :class:`Prompt` for an image of ``shape`` (height, width), or a
    ``UserError`` in one sentence: a point that is not two numbers or lies outside the
    image, a box that is not four numbers, is empty or leaves the image, or no prompt
    (:class:`NoPromptError`)."""
    height, width = shape
    prompt = Prompt(
        clicks=tuple(_point(value, f"click {i}", width, height) for i, value in enumerate(_points(clicks), 1)),
        add=tuple(_point(value, f"add point {i}", width, height) for i, value in enumerate(_points(add), 1)),
        exclude=tuple(_point(value, f"exclude point {i}", width, height)
                      for i, value in enumerate(_points(exclude), 1)),
        box=None if box is None else _box(box, width, height),
    )
    if not (prompt.clicks or prompt.add or prompt.box):
        raise NoPromptError()
    for x, y in prompt.positives if prompt.box is not None else ():
        if not _in_box(prompt.box, (x, y)):
            raise UserError(f"the point ({x}, {y}) on the object is outside the box {prompt.box}; "
                            "a box bounds the selection, so draw it around every point.")
    if set(prompt.exclude) & set(prompt.positives):
        raise UserError("the same point cannot be both on the object and excluded from it.")
    return prompt


def _point(value, what: str, width: int, height: int) -> Click:
    try:
        x, y = (float(v) for v in value)
    except (TypeError, ValueError):
        raise UserError(f"{what} must be two numbers (x, y), not {value!r}.") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise UserError(f"{what} must be two numbers (x, y), not ({_number(x)}, {_number(y)}).")
    if not (0 <= x < width and 0 <= y < height):
        raise UserError(f"{what} at ({_number(x)}, {_number(y)}) is outside the {width}×{height} image; "
                        f"x must be in 0..{width - 1} and y in 0..{height - 1}.")
    # Pixel column i spans [i, i + 1) (the page's and a browser's mouse coordinates), so a
    # click at x = 511.6 lies in column 511: floor, not round, which would move it into
    # column 512, outside a 512-wide photo. The page floors its clicks the same way.
    return int(math.floor(x)), int(math.floor(y))


def _box(value, width: int, height: int) -> Box:
    try:
        x0, y0, x1, y1 = (float(v) for v in value)
    except (TypeError, ValueError):
        raise UserError(f"the box must be four numbers (x0, y0, x1, y1), not {value!r}.") from None
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise UserError(f"the box must be four numbers (x0, y0, x1, y1), not "
                        f"({', '.join(_number(v) for v in (x0, y0, x1, y1))}).")
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    if x0 < 0 or y0 < 0 or x1 > width or y1 > height:
        raise UserError(f"the box ({_number(x0)}, {_number(y0)}, {_number(x1)}, {_number(y1)}) reaches "
                        f"outside the {width}×{height} image.")
    if x1 - x0 < MIN_BOX_SIDE or y1 - y0 < MIN_BOX_SIDE:
        raise UserError(f"the box is {_number(x1 - x0)}×{_number(y1 - y0)} pixels; drag a box at least "
                        f"{MIN_BOX_SIDE}×{MIN_BOX_SIDE} around the object.")
    return int(math.floor(x0)), int(math.floor(y0)), int(math.ceil(x1)), int(math.ceil(y1))


def _in_box(box: Box, click: Click) -> bool:
    return box[0] <= click[0] < box[2] and box[1] <= click[1] < box[3]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
