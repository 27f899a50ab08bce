"""What a segmentation back end returns, and the one interface every back end follows.

Algorithm 1 (thesis §5.3) only needs, from the segmentation step, the set of instances
``S`` and a test "is the click ``t`` in ``S``". So a back end is anything callable as
``backend(image, clicks) -> list[Instance]``: the people back end returns every person it
sees (the clicks are a hint it may ignore), the click back end returns the objects it grew
from the clicks, the boxes back end returns the detector's boxes refined to masks.
The pipeline, not the back end, decides which instance lies under a click.

A back end that searches an object for each point (the click and auto back ends, marked
``searches_points = True``) also takes ``search``: the points to search objects for; it
still looks at all ``clicks`` otherwise (the people model's second looks). The pipeline
leaves out add points whose objects the selection would never take.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol, Sequence

import numpy as np

Click = tuple[int, int]  # (x, y) in pixels of the image handed to the back end


@dataclass
class Instance:
    """One segmented object.

    ``mask``: ``H×W`` bool, True on the object (the same size as the image).
    ``label``: what it is (``"person"``, ``"object"`` or a detector class name).
    ``score``: confidence in [0, 1] (mean probability inside the mask, detector score, …).
    ``sure``: False when the back end found it only by relaxing its own tests (see
    :meth:`.click_segmentation.ClickSegmenter.object_at`): a click takes it, but an add
    point on it marks a missed part of the selection instead of bringing it in.
    ``seed``: the point (x, y) the back end grew it from, None when it was found without
    one (people, detector boxes); see :func:`object_of`.
    """

    mask: np.ndarray
    label: str
    score: float
    sure: bool = True
    seed: Optional[Click] = None

    @property
    def area(self) -> int:
        """Number of object pixels."""
        return int(np.count_nonzero(self.mask))

    def contains(self, click: Click) -> bool:
        """Whether the click ``(x, y)`` lies on the object."""
        x, y = click
        return bool(self.mask[y, x])


class SegmentationBackend(Protocol):
    """``backend(image, clicks)``: ``image`` uint8 RGB ``H×W×3``; ``clicks`` (x, y) inside it.

    Returns the instances found, each with an ``H×W`` mask; an empty list means "nothing".
    Back ends raise plain exceptions; user-facing errors are raised by the pipeline.
    """

    name: str

    def __call__(self, image: np.ndarray, clicks: Sequence[Click]) -> list[Instance]: ...


def instance_at(instances: Sequence[Instance], click: Click) -> Optional[Instance]:
    """The instance under ``click``, or None.

    Where instances overlap (a bag held by a person) the smallest one wins: a click
    inside a small object on top of a large one most likely means the small one.
    """
    hits = [instance for instance in instances if instance.contains(click)]
    return min(hits, key=lambda instance: instance.area) if hits else None


def object_of(instances: Sequence[Instance], point: Click) -> Optional[Instance]:
    """The object a prompt point means: the instance grown from that very point, else
    the one under it (:func:`instance_at`) among those not grown from another point,
    else among all.

    A search from one point must not redefine another point's object: an exclude point's
    search may find the object without the part the user wants gone and, lying under the
    click and smaller, would otherwise replace the click's own object (that part, with
    the add points on it, would then count as a separate object).
    """
    own = [instance for instance in instances if instance.seed == point and instance.contains(point)]
    if own:
        return min(own, key=lambda instance: instance.area)
    unseeded = [instance for instance in instances if instance.seed is None]
    return instance_at(unseeded, point) or instance_at(instances, point)
