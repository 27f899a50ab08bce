"""From the instances under the clicks to the selection the user meant: ``add`` clicks
grow it, ``exclude`` clicks cut parts away, a ``box`` bounds it (see :mod:`.prompts`).

Classical tools only, each where it is predictable:

- **Box**: GrabCut's rectangle initialisation (Rother et al. 2004) with the positive
  points as sure foreground and the exclude points as sure background; the selection is
  the foreground connected to a positive point (the largest part for a box alone), and
  never leaves the box.
- **Add**: a point outside the selection first brings in the instance under it (another
  person, another object, as a click would); a point no instance covers, or only one the
  back end is not sure of (``Instance.sure``), re-runs GrabCut around the selection with
  every positive point as sure foreground and the region of its colour around it as
  probably foreground, so a missed leg or handle joins; that region joins whatever
  GrabCut decides (a magic wand), and only the parts holding such a point are added
  (nothing elsewhere changes).
- **Exclude**: a point on a separate object the back end finds under it (one the prompt
  did not take, holding no positive point nor most of the selection, the point well
  inside it rather than on its rim) takes that object out whole, as an add point brings
  one in whole (:func:`take_out_objects`). Elsewhere a random walk on colour
  similarity from the positive and the exclude points (Grady 2006) says which part of
  the selection each exclude point lands on (the rim of a cup on a saucer); GrabCut,
  re-solved around the selection with that part as "probably background", settles
  where its edge runs, so one click takes away the whole region it lands on, not half
  of a plain object; it may move that region's edge, not give the region back.
- Every point is a hard constraint, as in interactive-segmentation tools: the result
  holds a small disc at every positive point and none at any exclude point, and only
  the parts connected to a positive point, so no correction is silently undone. An
  exclude point on a separate object an add point brought in drops that object (the
  user took it back), and nothing of it stays. Each point's object is the one the back
  end grew from that point (:func:`.instances.object_of`): another point's search does
  not redefine it. An add point on the clicks' objects needs none
  (:func:`add_points_to_search`): it only marks a missed part.
"""
from __future__ import annotations

import warnings
from typing import Optional, Sequence

import cv2
import numpy as np
from scipy import ndimage

from .fill import fill_holes
from .instances import Click, Instance, object_of
from .photo_memory import PhotoMemory, photo_digest
from .prompts import Box, Prompt

# GrabCut runs on a crop whose long side is at most this: the refinement only has to
# place the seeds' colours, and each pixel more costs time in the 0.5 s budget.
_GRABCUT_SIDE = 256
_ITERATIONS = 4
# The exclude re-solve starts from the walk's answer, close to its end: one round does
# nearly as well as four (labelled set), in about half the time.
_SETTLE_ITERATIONS = 1
# An add point's instance counts as a separate object when it shares at most this share
# of itself or of the selection (one holding the selection is the object read larger).
_SEPARATE = 0.1
# GrabCut's region is the selection's and the points' bounding box grown by this share of
# its size, or by the larger one when the missed part under an add point does not fit.
_MARGIN = 0.33
_ADD_MARGIN = 0.6
# The region of an add point's colour around it is a part of the object up to this share
# of GrabCut's crop; a larger one is taken for background of that colour.
_PART_SHARE = 0.25
# The exclude step's answers (the walk's and the settling GrabCut's) per photo, mask and
# points: the pipeline works a correction's selection out while its exclude points are
# searched (see :func:`.pipeline._instances`), and the selection proper reuses them.
_EXCLUDE_STEPS = PhotoMemory(16)


def select(image: np.ndarray, prompt: Prompt, instances: Sequence[Instance]) -> tuple[np.ndarray, list[Instance]]:
    """``(H×W`` bool selection, the instances it took ``)`` for ``prompt`` on ``image``.

    ``instances``: what the back end found (the clicks' objects among them). A click with
    no instance under it is the caller's error to report; here it only adds nothing.
    """
    shape = image.shape[:2]
    taken: list[Instance] = []
    overruled: list[Click] = []
    mask = np.zeros(shape, bool)
    for click in prompt.clicks + prompt.add:
        hit = object_of(instances, click)
        if hit is None or any(hit is t for t in taken):
            continue
        filled = fill_holes(hit.mask)
        if click in prompt.add:
            # An add point on a separate object brings it in, unless an exclude point lies
            # on that object too: where the exclude point's own object is that object
            # ("not that one after all") the add is overruled; where it is something else
            # (a spill of the add point's object onto the trunk behind a bird's tail) the
            # add point only marks a missed part. So does one on an instance that overlaps
            # the selection (the object again, read larger with its neighbour) or that the
            # back end is not sure of (a speck, perhaps a letter of the sign the selection
            # missed), and one right beside the selection (its seed disc touches it: a
            # missed strip at the edge, whose search ran off into the background); GrabCut
            # below adds those parts.
            shared = np.count_nonzero(filled & mask)
            if (not hit.sure or shared > _SEPARATE * min(np.count_nonzero(filled), np.count_nonzero(mask))
                    or (_seed_discs(shape, [click]) & mask).any()):
                continue
            on_it = [(x, y) for x, y in prompt.exclude if filled[y, x]]
            if on_it:
                if any(_takes_back(instances, point, click) for point in on_it):
                    overruled.append(click)
                continue
        taken.append(hit)
        mask |= filled
    positives = [point for point in prompt.positives if point not in overruled]
    if prompt.box is not None:
        mask = grabcut_seeded(image, mask & _box_mask(prompt.box, shape), positives, prompt.exclude, prompt.box)
    elif any(not mask[y, x] for x, y in positives):
        # Adding never loses what was selected (GrabCut alone may redraw a person's edge),
        # and adds only the parts that hold a missed point: GrabCut re-solved around the
        # whole selection may also spill into the background elsewhere, and the next
        # correction would have to undo that.
        missed = [(x, y) for x, y in positives if not mask[y, x]]
        grown = grabcut_seeded(image, mask, positives, prompt.exclude, None) & ~mask
        mask = mask | _keep_seeded(grown, missed)
    mask = take_out_objects(mask, prompt.exclude, positives, instances, taken)
    if prompt.exclude and mask.any():
        # The random walk says which part each exclude point lands on; GrabCut, re-solved
        # with every point as a hard seed and that part as "probably background", then
        # settles its edge by colour (the walk alone cuts a plain object in half between
        # the points). An exclude point only ever takes pixels away.
        kept = _remembered(cut_away, image, mask, tuple(positives), prompt.exclude)
        cut = mask & ~kept
        if kept.any():
            settled = mask & _remembered(grabcut_seeded, image, kept, tuple(positives), prompt.exclude, None,
                                         _SETTLE_ITERATIONS)
            # GrabCut may decide the kept part's colours are background too: then the
            # walk's answer stands (an exclude click takes its region, not the object).
            if np.count_nonzero(settled & kept) >= 0.5 * np.count_nonzero(kept):
                kept = _undo_give_backs(settled, cut, prompt.exclude)
        mask = kept
    if prompt.add or prompt.exclude:
        # An overruled add point keeps nothing, not even its seed disc: the user took its
        # object back, and a disc left there would be removed from the photo as a stray blob.
        mask = honour_seeds(mask, positives, prompt.exclude)
    return mask, taken


def add_points_to_search(prompt: Prompt, instances: Sequence[Instance], shape: tuple[int, int]) -> tuple[Click, ...]:
    """The add points whose own objects :func:`select` may bring in, given the
    ``instances`` found for the clicks on an image of ``shape``: those whose seed disc does
    not touch the clicks' objects. One that touches them marks a missed part whatever lies
    under it, so its own object is never taken and need not be searched for."""
    if not prompt.add:
        return ()
    clicked = np.zeros(shape, bool)
    for click in prompt.clicks:
        hit = object_of(instances, click)
        if hit is not None:
            clicked |= fill_holes(hit.mask)
    return tuple(point for point in prompt.add if not (_seed_discs(shape, [point]) & clicked).any())


def _remembered(step, image: np.ndarray, mask: np.ndarray, *args) -> np.ndarray:
    """``step(image, mask, *args)`` (a mask), remembered in ``_EXCLUDE_STEPS``; a copy."""
    key = (step.__name__, photo_digest(image), photo_digest(mask), args)
    return _EXCLUDE_STEPS.get(key, lambda: step(image, mask, *args)).copy()


def _takes_back(instances: Sequence[Instance], negative: Click, positive: Click) -> bool:
    """Whether the exclude point ``negative`` means the object under the add point
    ``positive``: its own object holds that point too (or it has none of its own)."""
    hit = object_of(instances, negative)
    return hit is None or bool(fill_holes(hit.mask)[positive[1], positive[0]])


def _undo_give_backs(settled: np.ndarray, cut: np.ndarray, negatives: Sequence[Click]) -> np.ndarray:
    """``settled`` without each part of the walk's ``cut`` that holds an exclude point and
    that the settling GrabCut gave mostly back. It may move the cut's edge, not undo it: a
    neighbour of the object's own colours (a second boat's hull) would otherwise return
    whole, and the exclude click would take away only its seed disc."""
    labels, _ = ndimage.label(cut, structure=np.ones((3, 3)))
    for x, y in negatives:
        if labels[y, x]:
            part = labels == labels[y, x]
            if np.count_nonzero(settled & part) > 0.5 * np.count_nonzero(part):
                settled = settled & ~part
    return settled


def take_out_objects(mask: np.ndarray, negatives: Sequence[Click], positives: Sequence[Click],
                     instances: Sequence[Instance], taken: Sequence[Instance]) -> np.ndarray:
    """``mask`` without the objects that exclude points land on: an instance under an
    exclude point that the prompt did not take and that holds no positive point is a
    separate object the selection ran into (a shoulder beside the person, a plank under
    a paw); it goes as a whole, as an add point on one brings it in whole. One that
    reaches a positive point's seed disc is a part of the object, cut off by the search
    right beside that point (a flower's florets beside the add points on them): taking
    it out would undo those points and leave only their discs behind. One that holds most
    of the selection is the selection itself, found again from the exclude point (the
    lake and the boats around a boat's name plate): taking it out would leave little
    more than the seed discs. And one whose rim the point lies on is what the search
    snapped to beside the point, not what the user points at (the wing above a band of
    its shadow, the exclude point on that band): the point marks a wrong edge. In both
    cases the walk decides, as for the click's own object."""
    discs = _seed_discs(mask.shape, positives)
    for x, y in negatives:
        if not mask[y, x]:
            continue
        hit = object_of(instances, (x, y))
        if hit is None or any(hit is t for t in taken):
            continue
        separate = fill_holes(hit.mask)
        if (not (separate & discs).any() and 2 * np.count_nonzero(separate & mask) <= np.count_nonzero(mask)
                and _lies_inside(separate, (x, y))):
            mask = mask & ~separate
    return mask


def _lies_inside(region: np.ndarray, point: Click) -> bool:
    """Whether ``point`` lies in the inner part of ``region``, not on its rim: at least a
    third of the region's greatest depth (distance to its edge) from its edge."""
    ys, xs = np.nonzero(region)
    y0, x0 = ys.min(), xs.min()
    # Padded by a pixel of outside: the photo's frame is an edge too.
    depth = ndimage.distance_transform_edt(np.pad(region[y0:ys.max() + 1, x0:xs.max() + 1], 1))
    return depth[point[1] - y0 + 1, point[0] - x0 + 1] >= depth.max() / 3


def honour_seeds(mask: np.ndarray, positives: Sequence[Click], negatives: Sequence[Click]) -> np.ndarray:
    """``mask`` with a small disc at every positive point and none at any negative point,
    the components without a positive point dropped: every click is a hard constraint,
    so a correction is never silently undone."""
    out = (mask.astype(bool) | _seed_discs(mask.shape, positives)) & ~_seed_discs(mask.shape, negatives)
    for x, y in positives:
        out[y, x] = True  # a positive point next to a negative one keeps at least its pixel
    return _keep_seeded(out, positives) if positives else out


def _seed_discs(shape: tuple[int, int], points: Sequence[Click]) -> np.ndarray:
    """``H×W`` bool: the seed disc of every point (1 % of the image's short side)."""
    discs = np.zeros(shape, np.uint8)
    for point in points:
        cv2.circle(discs, point, _seed_radius(shape), 1, -1)
    return discs > 0


def _seed_radius(shape: tuple[int, int]) -> int:
    """Seed discs of 1 % of the image's short side (3 px on a 640×480 copy)."""
    return max(1, round(min(shape) / 160))


def grabcut_seeded(image: np.ndarray, mask: np.ndarray, positives: Sequence[Click],
                   negatives: Sequence[Click], box: Optional[Box], iterations: int = _ITERATIONS) -> np.ndarray:
    """GrabCut around ``mask`` (or inside ``box``) with seed discs: positives sure
    foreground, negatives sure background, outside the box and the crop's frame sure
    background. Returns the foreground connected to a positive point (the largest
    component when there is none), holes filled, as an ``H×W`` bool mask."""
    height, width = image.shape[:2]
    (x0, y0, x1, y1), scale, small = _crop(image, mask, positives, box)
    sh, sw = small.shape[:2]
    seed_radius = max(1, round(min(sh, sw) / 40))
    labels = np.full((sh, sw), cv2.GC_PR_BGD, np.uint8)
    inside = _resize(mask[y0:y1, x0:x1].astype(np.uint8), scale, cv2.INTER_NEAREST, (sw, sh)) > 0
    if box is not None:
        # Outside the box is sure background: the box bounds the selection.
        in_box = _resize(_box_mask(box, (height, width))[y0:y1, x0:x1].astype(np.uint8), scale,
                         cv2.INTER_NEAREST, (sw, sh)) > 0
        labels[~in_box] = cv2.GC_BGD
        if not inside.any():
            inside = in_box  # a box alone: GrabCut's classic "inside probably foreground"
    else:
        # The crop's frame lies outside the object (the crop has a margin), except where
        # it is the photo's own frame: an object cut by the frame continues there.
        labels[_inner_frame((sh, sw), (x0, y0, x1, y1), (height, width))] = cv2.GC_BGD
    labels[inside & (labels != cv2.GC_BGD)] = cv2.GC_PR_FGD
    local = [_to_crop(point, (x0, y0), scale, (sh, sw)) for point in positives]
    excluded = [_to_crop((x, y), (x0, y0), scale, (sh, sw)) for x, y in negatives if x0 <= x < x1 and y0 <= y < y1]
    wand = np.zeros((sh, sw), bool)
    for point in local:
        if labels[point[1], point[0]] != cv2.GC_PR_FGD:
            region = _colour_region(small, point)
            runs_out = (region & (labels == cv2.GC_BGD)).any()
            region &= labels == cv2.GC_PR_BGD
            labels[region] = cv2.GC_PR_FGD
            # A region of the point's colour that runs into sure background (the crop's
            # frame, grown once for a part that crossed it; beyond the box) may continue
            # past where the object can be: the band of a grey wall, lit from above, at a
            # grey wing tip's height. GrabCut starts from it but decides; only a region
            # inside the crop is forced in.
            if not runs_out:
                wand |= region
        cv2.circle(labels, point, seed_radius, int(cv2.GC_FGD), -1)
    for point in excluded:
        cv2.circle(labels, point, seed_radius, int(cv2.GC_BGD), -1)
    if not (labels == cv2.GC_BGD).any() and not (labels == cv2.GC_PR_BGD).any():
        return mask  # nothing to learn the background from
    background, foreground = np.zeros((1, 65)), np.zeros((1, 65))
    # GrabCut starts its colour models by k-means on OpenCV's random generator, one per
    # thread: a fixed seed makes the same prompt give the same selection whatever ran
    # before (a page sends the whole prompt again after each click).
    cv2.setRNGSeed(0)
    try:
        cv2.grabCut(small, labels, None, background, foreground, iterations, cv2.GC_INIT_WITH_MASK)
    except cv2.error:  # one colour class empty (a flat crop): keep what we had
        return mask
    fg = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    # An add point takes at least the region of its own colour around it, as a magic
    # wand would: GrabCut alone may give that part back to a background of similar colours.
    fg |= wand & (labels != cv2.GC_BGD)
    fg = _keep_seeded(fg, local)
    full = np.zeros((height, width), bool)
    full[y0:y1, x0:x1] = _resize(fg.astype(np.uint8), 1.0, cv2.INTER_NEAREST, (x1 - x0, y1 - y0)) > 0
    for x, y in positives:  # a seed survives the resize
        full[y, x] = True
    return fill_holes(full) & (_box_mask(box, (height, width)) if box is not None else True)


def _crop(image: np.ndarray, mask: np.ndarray, positives: Sequence[Click],
          box: Optional[Box]) -> tuple[Box, float, np.ndarray]:
    """Where GrabCut runs: ``(the region, the scale, the region resized to at most
    _GRABCUT_SIDE)``. A missed part under an add point that runs across the region's
    frame (sure background: a window was selected, the box around it missed) would have
    its colour learnt as background; then the region grows once, to ``_ADD_MARGIN``."""
    shape = image.shape[:2]
    missed = [(x, y) for x, y in positives if not mask[y, x]]
    for margin in (_MARGIN,) if box is not None or not missed else (_MARGIN, _ADD_MARGIN):
        region = _region(mask, positives, shape, box, margin)
        x0, y0, x1, y1 = region
        crop = np.ascontiguousarray(image[y0:y1, x0:x1])
        scale = min(1.0, _GRABCUT_SIDE / max(crop.shape[:2]))
        small = _resize(crop, scale, cv2.INTER_AREA)
        frame = _inner_frame(small.shape[:2], region, shape)
        parts = (_colour_region(small, _to_crop(point, (x0, y0), scale, small.shape[:2]), max_share=1.0)
                 for point in missed)
        if not any(part.mean() > _PART_SHARE or (part & frame).any() for part in parts):
            break
    return region, scale, small


def _to_crop(point: Click, origin: Click, scale: float, shape: tuple[int, int]) -> Click:
    """``point`` in the resized crop whose top-left corner is ``origin``."""
    return min(shape[1] - 1, int((point[0] - origin[0]) * scale)), min(shape[0] - 1, int((point[1] - origin[1]) * scale))


def _inner_frame(shape: tuple[int, int], crop: Box, image_shape: tuple[int, int]) -> np.ndarray:
    """The crop's frame where it lies inside the photo (not on the photo's own frame)."""
    x0, y0, x1, y1 = crop
    frame = np.zeros(shape, bool)
    frame[0, :] |= y0 > 0
    frame[-1, :] |= y1 < image_shape[0]
    frame[:, 0] |= x0 > 0
    frame[:, -1] |= x1 < image_shape[1]
    return frame


def _colour_region(image: np.ndarray, point: Click, tolerance: int = 20, max_share: float = _PART_SHARE) -> np.ndarray:
    """The region of about the point's colour around it (a flood fill within
    ``tolerance`` per channel), or nothing when that spreads over ``max_share`` of the
    crop (then it is the background, not a part). A seed disc alone gives GrabCut too few
    pixels to learn a new part's colour from: the whole missed leg must start as
    "probably foreground"."""
    height, width = image.shape[:2]
    flood = np.zeros((height + 2, width + 2), np.uint8)
    smooth = cv2.GaussianBlur(image, (3, 3), 0)
    flags = 8 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (1 << 8)
    cv2.floodFill(smooth, flood, point, 0, (tolerance,) * 3, (tolerance,) * 3, flags)
    region = flood[1:-1, 1:-1] > 0
    return region if region.mean() <= max_share else np.zeros_like(region)


def cut_away(image: np.ndarray, mask: np.ndarray, positives: Sequence[Click],
             negatives: Sequence[Click]) -> np.ndarray:
    """``mask`` minus the part the ``negatives`` lie on: inside the mask, each pixel goes
    to the seeds a random walk on colour similarity reaches first (Grady 2006), positives
    (or the mask's innermost point) against negatives. A watershed stopped at every
    stripe of a butterfly; the random walk weighs all paths. Only ever removes pixels."""
    inside = [(x, y) for x, y in negatives if mask[y, x]]
    if not inside:
        return mask
    ys, xs = np.nonzero(mask)
    pad = 2
    y0, y1 = max(0, ys.min() - pad), min(mask.shape[0], ys.max() + 1 + pad)
    x0, x1 = max(0, xs.min() - pad), min(mask.shape[1], xs.max() + 1 + pad)
    region = mask[y0:y1, x0:x1]
    markers = np.zeros(region.shape, np.int32)
    keep = [(x - x0, y - y0) for x, y in positives if region[y - y0, x - x0]] if positives else []
    if not keep:  # a box alone: the mask's innermost point away from the exclusions
        distance = ndimage.distance_transform_edt(region)
        for x, y in inside:
            distance[max(0, y - y0 - 3):y - y0 + 4, max(0, x - x0 - 3):x - x0 + 4] = 0
        y, x = np.unravel_index(np.argmax(distance), distance.shape)
        keep = [(int(x), int(y))]
    # Discs, not single pixels: a seed on a stripe must not stay trapped by the stripe's edges.
    radius = max(1, int(0.03 * np.sqrt(np.count_nonzero(region))))
    for x, y in keep:
        cv2.circle(markers, (x, y), radius, 1, -1)
    for x, y in inside:
        cv2.circle(markers, (x - x0, y - y0), radius, 2, -1)
    labels = _random_walk(image[y0:y1, x0:x1], region, markers)
    out = mask.copy()
    out[y0:y1, x0:x1] = labels == 1
    return _keep_seeded(out, [(x, y) for x, y in positives if out[y, x]]) if positives else out


def _random_walk(crop: np.ndarray, region: np.ndarray, markers: np.ndarray, side: int = 160) -> np.ndarray:
    """Random-walker labels (1 keep, 2 cut) of ``region`` in ``crop``, solved on a copy
    whose long side is at most ``side`` (the system has one unknown per pixel)."""
    from skimage.segmentation import random_walker

    height, width = region.shape
    scale = min(1.0, side / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    lab = cv2.cvtColor(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2LAB).astype(np.float32)
    small_region = cv2.resize(region.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    small = np.zeros(small_region.shape, np.int32)
    for label in (1, 2):  # every seed survives the resize
        ys, xs = np.nonzero(markers == label)
        small[np.minimum((ys * scale).astype(int), size[1] - 1), np.minimum((xs * scale).astype(int), size[0] - 1)] = label
    small[~small_region] = -1  # outside the selection: not part of the walk
    if not (small == 1).any() or not (small == 2).any():
        return np.where(region, 1, 0)
    with warnings.catch_warnings():
        # On flat colours the solver's probabilities overshoot [0, 1] a little; only the
        # label (which seed is likelier) is used, and that is unaffected.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # an isolated pixel: its own label stays
        walked = random_walker(lab / 255.0, small, beta=130, mode="cg_j", channel_axis=-1, tol=1e-3)
    walked = np.where(walked < 0, 0, walked).astype(np.uint8)
    labels = cv2.resize(walked, (width, height), interpolation=cv2.INTER_NEAREST)
    labels[markers > 0] = markers[markers > 0]
    return np.where(region, labels, 0)


def _keep_seeded(mask: np.ndarray, seeds: Sequence[Click]) -> np.ndarray:
    """The 8-connected components of ``mask`` holding a seed (the largest when none does)."""
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    if count == 0:
        return mask
    ids = {int(labels[y, x]) for x, y in seeds if labels[y, x] > 0}
    if not ids:
        sizes = np.bincount(labels.ravel())[1:]
        ids = {int(np.argmax(sizes)) + 1}
    return np.isin(labels, list(ids))


def _region(mask: np.ndarray, positives: Sequence[Click], shape: tuple[int, int], box: Optional[Box],
            grow: float = _MARGIN) -> Box:
    """Where GrabCut looks: the box, or else the selection's and the positive points'
    bounding box, grown by ``grow`` times its size (the background GrabCut learns from;
    for a box a sixth) and clipped to the image. Exclude points do not widen it: one far
    from the object (on a spill an earlier click made) would let every later add point's
    GrabCut spill over a larger region; those inside it are seeds, the rest are the
    exclude step's (:func:`cut_away`)."""
    height, width = shape
    if box is not None:
        left, top, right, bottom = box
        margin = max(8, int(max(right - left, bottom - top) / 6))
    else:
        ys, xs = np.nonzero(mask)
        points = np.array(list(positives), int).reshape(-1, 2)
        xs, ys = np.concatenate([xs, points[:, 0]]), np.concatenate([ys, points[:, 1]])
        left, right, top, bottom = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
        margin = max(8, int(grow * max(right - left, bottom - top)))
    return max(0, left - margin), max(0, top - margin), min(width, right + margin), min(height, bottom + margin)


def _box_mask(box: Box, shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, bool)
    mask[box[1]:box[3], box[0]:box[2]] = True
    return mask


def _resize(array: np.ndarray, scale: float, interpolation: int, size=None) -> np.ndarray:
    if size is None:
        size = (max(1, round(array.shape[1] * scale)), max(1, round(array.shape[0] * scale)))
    if (array.shape[1], array.shape[0]) == tuple(size):
        return array
    return cv2.resize(array, size, interpolation=interpolation)
