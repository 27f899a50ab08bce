"""The one rule that keeps an edit from destroying a photo: a hole larger than
``MAX_UNASKED_HOLE_FRACTION`` of the image is filled only when the user asked for it.

A click that selects "everything salient" (a macro photo's whole foreground) or a mask
drawn over the whole frame would otherwise replace most of the photo with invented
pixels. Each edge (CLI, HTTP, Python) says in its own words how to ask: see
:meth:`HoleTooLargeError.asked_by`.
"""
from __future__ import annotations

import numpy as np

from .errors import UserError

#: Largest share of a photo one request may fill without ``allow_large_hole``.
MAX_UNASKED_HOLE_FRACTION = 0.25

PYTHON_WAY_TO_ASK = "pass allow_large_hole=True to remove it anyway"


def share_text(fraction: float, limit: float) -> str:
    """``fraction`` as a percentage that says what it means beside ``limit``: whole
    percents, unless they would round a share over the limit down to it, or a share under
    the whole photo up to 100 % (then one decimal)."""
    text = f"{fraction:.0%}"
    if (fraction > limit and round(fraction * 100) <= limit * 100) or (fraction < 1 and text == "100%"):
        text = f"{fraction:.1%}"
    return text


class HoleTooLargeError(UserError):
    """The hole covers more than :data:`MAX_UNASKED_HOLE_FRACTION` of the photo."""

    def __init__(self, fraction: float, how_to_ask: str = PYTHON_WAY_TO_ASK):
        self.fraction = fraction
        super().__init__(
            f"the selection covers {share_text(fraction, MAX_UNASKED_HOLE_FRACTION)} of the photo, more than the "
            f"{MAX_UNASKED_HOLE_FRACTION:.0%} one removal takes unasked; {how_to_ask}, or take "
            "less with exclude clicks or a box."
        )

    def asked_by(self, how_to_ask: str) -> "HoleTooLargeError":
        """The same refusal, telling the user how to ask at this edge (a CLI flag, a form field)."""
        return HoleTooLargeError(self.fraction, how_to_ask)


def check_hole_size(mask: np.ndarray, allow_large_hole: bool = False) -> None:
    """Raise :class:`HoleTooLargeError` unless ``mask`` (non-zero = hole) is small enough
    or ``allow_large_hole`` is set."""
    fraction = float(np.count_nonzero(mask)) / max(1, np.size(mask))
    if fraction > MAX_UNASKED_HOLE_FRACTION and not allow_large_hole:
        raise HoleTooLargeError(fraction)
