"""Exemplar-based completion, coarse to fine (Wexler et al. 2007; Newson et al. 2017),
steered by a learned model's fill: "structure first, detail next".

Coarser levels average only the photo's known pixels, so the hole shrinks level by level
(:func:`_known_downsampled`). At the coarsest level it is a few pixels deep and the
learned fill (the *guide*) is its first estimate there. Each level then alternates
PatchMatch (E step: for every patch over the hole, the most similar patch of the photo
that may be copied from) and voting (M step: the hole repainted from those patches).
Going one level finer, the field — *where* each patch copies from — is carried up, not
the image, so the finer level's first estimate is made of the photo's own pixels at that
resolution: no detail is ever interpolated. The guide stays in the patch distance,
low-passed, so the fill keeps the network's structure (a horizon stays where the network
put it) while its texture comes from the photo.

EM settles in a local optimum, and the first random field decides which. Now and then it
is a failed layout: the rear of a car beside a removed person copied into her place again
and again. With ``SynthesisSettings.layout_starts`` above one (object removal takes four),
the coarse levels run from that many random fields and a later start replaces the first
only where its fill has under half the first's energy (the mean distance of its patches to
those they copy, :func:`_energy`); smaller gains are other layouts, not better ones.

Deep in a wide hole the network's fill is the blur of every plausible one: a skyline
band that crosses the hole fades there to haze, and a guide term that follows it lets the
grass rise into the sky. With ``SynthesisSettings.guide_reach`` the guide is followed
only within that many pixels of the rim or the image's border; deeper, the coarsest level
starts from the photo diffused in from the rim (Telea) and steers by it, and each finer
level steers by the coarser level's fill, so the layout the coarse levels drew from the
photo around the hole lasts to full resolution (:func:`_reached_guide`). It is off by
default.

Each level holds five channels per pixel: colour, and the two texture features of
:mod:`.features` computed once at full resolution and averaged down. In the hole the
texture channels are *voted* with the colour (Newson et al.): they say how textured the
copied patches were, even where a coarse level's mean vote has averaged the colour flat,
so the search keeps choosing textured sources for textured regions.

At full resolution the last field is voted once more, each candidate weighted by its
offset from its patch's centre (:mod:`.voting`): a pixel takes its value mostly from the
copies centred on and beside it, not from the mean of all ``(2r+1)²`` that cover it,
which blurs where they disagree. That vote is fused in the gradient domain
(:mod:`.gradient_fusion`, Darabi et al. 2012): each copy keeps its detail, and the steps
in brightness where copies meet, which read as hard-edged discs and blocks, become soft
ramps.

A small hole in a big photo copies from a window around it (the hole's box grown by its
longer side, at most 2 MP), so its cost follows the hole, not the photo; a guidance map
that leaves most of the window to copy keeps it. Sources never touch the guidance map's
``avoid`` region. At full resolution they are made only of known pixels; below it they
need a known core and pay for each unknown pixel (:func:`_make_level`). Known pixels come
back bit-identical; the result is a pure function of the inputs and ``seed``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from .features import low_pass, search_features, texture_features, TEXTURE_WINDOW
from .gradient_fusion import fuse, source_differences
from .nnf import field_costs, patchmatch, random_field, upsample_field
from .voting import vote_mean, vote_weights


@dataclass(frozen=True)
class SynthesisSettings:
    """How the synthesis works and how hard. Defaults: tuned on training photos at 512², then
    chosen by blind tests of validation fills (docs/experiments: detail-synthesis,
    coherent-search, gradient-fusion, centre-weighted-vote)."""

    patch_radius: int = 3            # 7×7 patches (Newson et al.)
    coarsest_thickness: float = 3.0  # stop halving once the hole is ~this many px deep
    # Never a level whose shorter side is below this: small enough that a hole 100 px deep
    # at 512² closes at the coarsest level (its layout then comes from the photo, not the
    # guide), large enough to hold two 7×7 patches side by side. Object removal takes 8
    # (removal.pipeline.REMOVAL_SYNTHESIS): below full resolution a source needs only a
    # 3×3 known core, and a large silhouette closes one level further down.
    min_side: int = 16
    em_iterations: int = 3           # EM steps per level between the coarsest and finest …
    coarsest_em_iterations: int = 6  # … at the coarsest level …
    # … and at full resolution, where the field carried up already copies the photo's own
    # pixels: a second step moved fills by about a grey level, which blind judges could
    # not see, for a tenth of a removal's time.
    finest_em_iterations: int = 1
    search_iterations: int = 2       # PatchMatch sweeps per EM step …
    # … and at full resolution, where the search only refines the field carried up within
    # a few pixels: a second sweep there changed fills by about a grey level, invisibly to
    # blind judges, and cost a sixth of a removal's time.
    finest_search_iterations: int = 1
    # Every level but the finest searches the whole image; the finest starts from their
    # choice carried up and refines it within this many pixels (0: the whole image too).
    finest_search_window: int = 8
    texture_weight: float = 3.0      # texture channels against colour (grey levels)
    guide_weight: float = 0.5        # the low-passed guide against colour
    guide_sigma: float = 8.0         # its low-pass, in full-resolution pixels
    # How far into the hole (full-resolution pixels) the network's fill is followed;
    # deeper, the fill starts from the photo diffused in and follows the coarser levels'
    # layout (module docstring). 0: the network's fill everywhere.
    guide_reach: float = 0.0
    weight_percentile: float = 50.0  # σ² of the vote weights (Wexler et al.: 75)
    # The final reconstruction weights each candidate by a Gaussian of its offset from its
    # patch's centre, σ in pixels (:mod:`.voting`); 0: the last EM vote's plain mean. At
    # 0.7 a pixel's value comes almost only from the 3×3 patches around it, which keeps
    # the copies' texture (the mean of all 49 blurs where they disagree).
    final_offset_sigma: float = 0.7
    coherence: float = 0.1           # κ: how much worse a match continuing a neighbour's may be (:mod:`.nnf`)
    coarse_core_radius: int = 1      # below full resolution a source needs only this core known …
    unknown_cost: float = 2700.0     # … and pays this per unknown pixel (30 grey levels in 3 channels)
    context_margin: float = 1.0      # sources lie within this × the hole box's longer side of it …
    min_context_margin: int = 64     # … and at least this many pixels …
    max_context_pixels: int = 2_000_000  # … in a window of at most this area (PatchMatch's 1600×1200 crop)
    # λ of the gradient-domain fusion of the final vote (:mod:`.gradient_fusion`): steps
    # between copies spread over about 1/√λ = 10 px; 0 leaves the vote as it is.
    fusion_screening: float = 0.01
    # EM finds a local optimum, and the first random field decides which: now and then it
    # is a failed layout, copies of a car's rear stacked beside the car, that another
    # start does not make. The levels from the coarsest down to ``layout_level`` (0: full
    # resolution) run from ``layout_starts`` random fields; a later start replaces the
    # first only where its energy there is under ``layout_switch_ratio`` × the first's.
    # Smaller gains change the fill as often for the worse as for the better to the eye
    # (docs/experiments/2026-12-07-layout-starts.md); object removal takes 4 starts.
    layout_starts: int = 1
    layout_level: int = 2
    layout_switch_ratio: float = 0.5


DEFAULT_SETTINGS = SynthesisSettings()
# A guidance map that leaves at least this share of the context window's known pixels to
# copy keeps the window. With the whole image open instead, a removal beside other people
# (whom `remove` avoids by default) copied from anywhere in its crop, a pole from across
# the photo into the man in white's place, and not what surrounds the hole.
MIN_WINDOW_SOURCES = 0.5
# … or holds at least this share of every pixel the map leaves to copy: opening the whole
# image would add almost no sources, only cost.
WINDOW_HOLDS_ALL_SOURCES = 0.95
# The seeds of successive layout starts lie this far apart: a prime, so that no start's EM
# seeds (seed + 1000 · depth) repeat another's.
LAYOUT_SEED_STEP = 7919


@dataclass
class _Level:
    values: np.ndarray   # H×W×5 float32: colour, texture; hole pixels are estimates
    hole: np.ndarray     # H×W bool
    valid: np.ndarray    # H×W bool: centres of patches the fill may copy
    penalty: np.ndarray  # H×W float32: the cost of copying from each centre
    guide: Optional[np.ndarray]  # H×W×3 float32: the guide's composite with the photo, low-passed; None unweighted
    guide_colour: np.ndarray  # H×W×3 float32: that composite before the low-pass
    scale: int           # full-resolution pixels per pixel of this level
    targets: np.ndarray  # N×2 int32 patch centres over the hole, raster order
    index: np.ndarray    # H×W int32: row in ``targets``, or -1
    pixels: np.ndarray   # M×2 int32 hole pixels, raster order

    def hole_values(self) -> np.ndarray:
        """A copy of the hole's ``M×5`` values, in the order of ``pixels``."""
        return self.values[self.pixels[:, 0], self.pixels[:, 1]]

    def set_hole_values(self, values: np.ndarray) -> None:
        """Replace the hole's ``M×5`` values, in the order of ``pixels``."""
        self.values[self.pixels[:, 0], self.pixels[:, 1]] = values


def complete(image: np.ndarray, hole: np.ndarray, guide: Optional[np.ndarray] = None,
             avoid: Optional[np.ndarray] = None, seed: int = 0,
             settings: SynthesisSettings = DEFAULT_SETTINGS) -> np.ndarray:
    """Fill ``hole`` of ``image`` with the photo's own patches.

    ``image``: uint8 ``H×W×3``; ``hole``: ``H×W`` bool; ``guide``: uint8 ``H×W×3``, a
    first estimate of the hole (a learned model's fill; its known pixels are ignored), or
    None for OpenCV's Telea fill; ``avoid``: ``H×W`` bool, pixels never copied. Raises
    ``ValueError`` when no patch of the image may be copied.
    """
    hole = hole.astype(bool)
    if not hole.any():
        return image.copy()
    if guide is None:
        guide = cv2.inpaint(image, hole.astype(np.uint8), 3, cv2.INPAINT_TELEA)
    window = _context_window(hole, avoid, settings)
    result = image.copy()
    result[window] = _complete_window(image[window], hole[window], guide[window],
                                      None if avoid is None else avoid[window], seed, settings)
    return result


def _context_window(hole: np.ndarray, avoid: Optional[np.ndarray], settings: SynthesisSettings):
    """The part of the image the fill copies from: the hole's bounding box grown by the
    context margin, less where the window would pass ``max_context_pixels``. A small hole
    in a big photo then costs what it would in a small one, and the texture it copies is
    the texture around it. A guidance map keeps the window while it leaves at least
    ``MIN_WINDOW_SOURCES`` of the window's known pixels to copy (the other people beside
    a removed object); one that leaves fewer opens the whole image, where its "copy from"
    region may lie, unless the window already holds nearly all of that region (a text
    removal copies only from around the text: opening a 12 MP photo for a corner caption
    took 10 s and 1.9 GiB)."""
    window = _window_around(hole, settings)
    if avoid is None:
        return window
    known = ~hole[window]
    allowed = np.count_nonzero(known & ~avoid[window])
    if allowed >= MIN_WINDOW_SOURCES * np.count_nonzero(known):
        return window
    if allowed >= WINDOW_HOLDS_ALL_SOURCES * np.count_nonzero(~hole & ~avoid):
        return _around_sources(window, hole, avoid, settings.min_context_margin)
    return np.s_[:, :]


def _around_sources(window, hole: np.ndarray, avoid: np.ndarray, margin: int):
    """``window`` cut down to the box of the hole and the sources the map leaves in it,
    grown by ``margin``: a thin caption's surroundings are a strip, not the 2 MP around it."""
    inside = hole[window] | ~avoid[window]
    rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
    top, left = window[0].start or 0, window[1].start or 0
    height, width = hole.shape
    return np.s_[max(top, top + rows[0] - margin):min(window[0].stop or height, top + rows[-1] + 1 + margin),
                 max(left, left + cols[0] - margin):min(window[1].stop or width, left + cols[-1] + 1 + margin)]


def _window_around(hole: np.ndarray, settings: SynthesisSettings):
    """The hole's bounding box grown by the context margin, within the pixel budget."""
    rows, cols = np.flatnonzero(hole.any(axis=1)), np.flatnonzero(hole.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    box_h, box_w = bottom - top, right - left
    margin = settings.context_margin * max(box_h, box_w)
    # The largest margin m with (box_h + 2m)(box_w + 2m) <= max_context_pixels.
    sides = box_h + box_w
    fitting = (-sides + np.sqrt(sides ** 2 - 4.0 * (box_h * box_w - settings.max_context_pixels))) / 4.0
    margin = int(max(settings.min_context_margin, min(margin, fitting)))
    height, width = hole.shape
    return np.s_[max(0, top - margin):min(height, bottom + margin), max(0, left - margin):min(width, right + margin)]


def _complete_window(image: np.ndarray, hole: np.ndarray, guide: np.ndarray, avoid: Optional[np.ndarray],
                     seed: int, settings: SynthesisSettings) -> np.ndarray:
    pyramid = _pyramid(image, hole, guide, avoid, settings)
    coarsest = pyramid[-1]
    coarsest.set_hole_values(_first_estimate(coarsest, guide, settings.guide_reach)[coarsest.hole])
    if settings.guide_reach > 0:
        coarsest.guide = _reached_guide(coarsest, coarsest.values[..., :3].copy(), settings)
    field, weights, chosen = _best_layout(pyramid, seed, settings)
    if chosen > 0:
        field = _carried_up(pyramid, chosen, field, seed, settings)
        field, weights = _descend(pyramid, field, seed, settings, chosen - 1, 0)
    finest = pyramid[0]
    result = image.copy()
    result[finest.pixels[:, 0], finest.pixels[:, 1]] = np.clip(np.rint(_final_colours(finest, field, weights, settings)),
                                                               0, 255).astype(np.uint8)
    return result


def _best_layout(pyramid: list[_Level], seed: int,
                 settings: SynthesisSettings) -> tuple[np.ndarray, np.ndarray, int]:
    """The coarse levels, down to ``settings.layout_level`` (the depth returned), run
    ``settings.layout_starts`` times from different random fields. The first start is
    seeded as a single run is and stands unless a later one's energy at that level is
    under ``settings.layout_switch_ratio`` × its own (then the lowest such start). Returns
    the standing start's field and last vote weights, with that level's hole holding its
    fill."""
    chosen = min(max(settings.layout_level, 0), len(pyramid) - 1)
    starts = max(1, settings.layout_starts)
    coarsest = pyramid[-1]
    estimate = coarsest.hole_values()
    first_energy = best = None
    for start in range(starts):
        start_seed = seed + LAYOUT_SEED_STEP * start
        coarsest.set_hole_values(estimate)
        field = random_field(coarsest.targets, _sources(coarsest), start_seed + len(pyramid) - 1)
        field, weights = _descend(pyramid, field, start_seed, settings, len(pyramid) - 1, chosen)
        if starts == 1:
            return field, weights, chosen
        energy = _energy(pyramid[chosen], field, settings)
        if first_energy is None:
            first_energy = energy
        if best is None or energy < min(best[0], settings.layout_switch_ratio * first_energy):
            best = (energy, field, weights, pyramid[chosen].hole_values())
    _, field, weights, values = best
    pyramid[chosen].set_hole_values(values)
    return field, weights, chosen


def _descend(pyramid: list[_Level], field: np.ndarray, seed: int, settings: SynthesisSettings,
             top: int, bottom: int) -> tuple[np.ndarray, np.ndarray]:
    """EM at the levels from ``top`` down to ``bottom``, the field carried up between them
    (not past ``bottom``); returns the field and the last vote's weights at ``bottom``."""
    for depth in range(top, bottom - 1, -1):
        iterations = (settings.finest_em_iterations if depth == 0 else
                      settings.coarsest_em_iterations if depth == len(pyramid) - 1 else settings.em_iterations)
        weights = _expectation_maximisation(pyramid[depth], field, iterations, seed + 1000 * depth, settings,
                                            depth == 0)
        if depth > bottom:
            field = _carried_up(pyramid, depth, field, seed, settings)
    return field, weights


def _energy(level: _Level, field: np.ndarray, settings: SynthesisSettings) -> float:
    """How well the photo explains the level's fill: the mean distance of every patch over
    the hole (and its rim) to the patch ``field`` copies it from (Wexler et al.'s
    objective, which each EM step lowers)."""
    colour, smooth = search_features(level.values, level.guide, settings.texture_weight, settings.guide_weight)
    return float(field_costs(colour, smooth, level.targets, field, settings.patch_radius, level.penalty).mean())


def _final_colours(finest: _Level, field: np.ndarray, weights: np.ndarray, settings: SynthesisSettings) -> np.ndarray:
    """The hole's colours (``M×3``): the last field voted with the offset weights, fused in
    the gradient domain with the differences its sources have (voted the same way) unless
    that is off."""
    sigma = settings.final_offset_sigma
    colour_image = finest.values[..., :3]
    if settings.fusion_screening > 0 and sigma > 0:
        # Colour and differences in one vote: one gather of every pixel's candidates and
        # weights instead of two, the same sums channel by channel.
        voted = vote_mean(np.dstack([colour_image, source_differences(colour_image)]), finest.pixels,
                          finest.index, field, weights, settings.patch_radius, sigma)
        return fuse(colour_image, finest.pixels, voted[:, :3], voted[:, 3:], settings.fusion_screening)
    if sigma > 0:
        colour = vote_mean(colour_image, finest.pixels, finest.index, field, weights, settings.patch_radius, sigma)
    else:
        colour = finest.values[finest.pixels[:, 0], finest.pixels[:, 1], :3]
    if settings.fusion_screening <= 0:
        return colour
    differences = vote_mean(source_differences(colour_image), finest.pixels, finest.index, field,
                            weights, settings.patch_radius, sigma)
    return fuse(colour_image, finest.pixels, colour, differences, settings.fusion_screening)


def _expectation_maximisation(level: _Level, field: np.ndarray, iterations: int, seed: int,
                              settings: SynthesisSettings, finest: bool) -> np.ndarray:
    """``iterations`` E steps (PatchMatch improves ``field`` in place) and M steps (the
    hole voted anew from it); returns the last vote's weights. Only hole pixels change, so
    the search features are built once and then updated there."""
    radius = settings.patch_radius
    colour, smooth = search_features(level.values, level.guide, settings.texture_weight, settings.guide_weight)
    window = max(level.hole.shape)
    sweeps = settings.finest_search_iterations if finest else settings.search_iterations
    if finest and settings.finest_search_window > 0:
        window = min(window, settings.finest_search_window)
    rows, cols = level.pixels[:, 0], level.pixels[:, 1]
    weights = np.ones(len(level.targets), np.float32)  # with no step, the carried-up field's plain mean
    for step in range(iterations):
        costs = field_costs(colour, smooth, level.targets, field, radius, level.penalty)
        patchmatch(colour, smooth, level.targets, level.index, level.valid, field, costs,
                   sweeps, seed + step, radius, level.penalty, window, settings.coherence)
        weights = vote_weights(costs, settings.weight_percentile)
        voted = vote_mean(level.values, level.pixels, level.index, field, weights, radius, 0.0)
        level.set_hole_values(voted)
        if step + 1 < iterations:  # after the last step the next level builds its own
            colour[rows, cols] = voted[:, :3]
            smooth[rows, cols, :2] = settings.texture_weight * voted[:, 3:5]
    return weights


def _carried_up(pyramid: list[_Level], depth: int, field: np.ndarray, seed: int,
                settings: SynthesisSettings) -> np.ndarray:
    """Level ``depth``'s field carried up to the level above it, and that level's first
    estimate: the field voted (a plain mean) with the finer level's own pixels, so its
    detail is the photo's, not an interpolation. With ``guide_reach`` the finer level's
    guide then follows the coarser fill deep in the hole."""
    coarse, fine = pyramid[depth], pyramid[depth - 1]
    field = upsample_field(coarse.targets, field, coarse.index, fine.targets, fine.valid, seed + depth,
                           _sources(fine))
    equal = np.ones(len(fine.targets), np.float32)
    fine.set_hole_values(vote_mean(fine.values, fine.pixels, fine.index, field, equal, settings.patch_radius, 0.0))
    if settings.guide_reach > 0:
        fine.guide = _reached_guide(fine, _upscaled(coarse.values[..., :3], fine.hole.shape), settings)
    return field


def _reached_guide(level: _Level, layout: np.ndarray, settings: SynthesisSettings) -> np.ndarray:
    """The level's low-passed guide with the network's fill kept in the hole only within
    ``settings.guide_reach`` of its rim, and ``layout`` (``H×W×3``: the coarser level's fill, or at the
    coarsest level the first estimate) deeper in. The two are switched, not mixed: a mix
    is a colour that neither the photo nor the network has, and its nearest patches are
    flat ones."""
    composite = np.where(_deeper_than(level, settings.guide_reach)[..., None], layout,
                         level.guide_colour).astype(np.float32)
    return _guide_low_pass(composite, level.scale, settings)


def _guide_low_pass(colour: np.ndarray, scale: int, settings: SynthesisSettings) -> np.ndarray:
    """``colour`` low-passed at ``settings.guide_sigma`` full-resolution pixels, on a level
    of ``scale`` full-resolution pixels per pixel."""
    return low_pass(colour, max(settings.guide_sigma / scale, 0.5))


def _upscaled(colour: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return cv2.resize(np.ascontiguousarray(colour), (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)


def _sources(level: _Level) -> np.ndarray:
    return np.argwhere(level.valid).astype(np.int32)


def _first_estimate(level: _Level, guide: np.ndarray, reach: float) -> np.ndarray:
    """The coarsest level's hole: the guide's colour at that size, with the texture
    channels diffused in from the rim (the guide's own texture is the network's blur).
    With a ``reach``, the colour deeper than it is diffused in from the rim too (Telea):
    the photo's bands run on into the hole there instead of the network's haze."""
    height, width = level.hole.shape
    colour = cv2.resize(guide.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA)
    hole = level.hole.astype(np.uint8)
    if reach > 0:
        deep = _deeper_than(level, reach)
        known = np.clip(np.rint(level.values[..., :3]), 0, 255).astype(np.uint8)
        colour[deep] = cv2.inpaint(known, hole, 3, cv2.INPAINT_TELEA)[deep]
    texture = [cv2.inpaint(level.values[..., c].copy(), hole, 3, cv2.INPAINT_TELEA) for c in (3, 4)]
    return np.dstack([colour, *texture])


def _deeper_than(level: _Level, reach: float) -> np.ndarray:
    """Hole pixels more than ``reach`` full-resolution pixels from the known ones and from
    the image's border: beyond the border there is no photo to continue either, and the
    network's guess there is as good as a diffusion's."""
    framed = cv2.copyMakeBorder(level.hole.astype(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    depth = cv2.distanceTransform(framed, cv2.DIST_L2, 3)[1:-1, 1:-1] * level.scale
    return level.hole & (depth > reach)


def _pyramid(image: np.ndarray, hole: np.ndarray, guide: np.ndarray, avoid: Optional[np.ndarray],
             settings: SynthesisSettings) -> list[_Level]:
    """Levels from full resolution (0) down, halving while the hole is deeper than
    ``coarsest_thickness`` and the image keeps ``min_side``; a level without any source
    patch ends the pyramid."""
    depth_px = float(cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3).max())
    # The hole's own pixels (the object being removed, or the benchmark's ground truth)
    # are never read: the guide stands in for them from the start.
    guide_colour = np.where(hole[..., None], guide, image).astype(np.float32)
    values = _full_resolution_values(guide_colour, hole)
    allowed = np.ones_like(hole) if avoid is None else ~avoid.astype(bool)
    levels: list[_Level] = []
    while True:
        core = settings.patch_radius if not levels else min(settings.coarse_core_radius, settings.patch_radius)
        level = _make_level(values, hole, allowed, guide_colour, settings, core, 2 ** len(levels))
        if not level.valid.any():
            break
        levels.append(level)
        height, width = hole.shape
        if depth_px <= settings.coarsest_thickness or min(height, width) // 2 < settings.min_side:
            break
        size = ((width + 1) // 2, (height + 1) // 2)
        guide_colour = cv2.resize(guide_colour, size, interpolation=cv2.INTER_AREA)
        values, hole = _known_downsampled(values, hole, size)
        if not hole.any():
            break  # the hole has closed at this size: the level above is the coarsest
        # A cell with any avoided pixel is avoided: no avoided colour may leak into a
        # source through the averaging.
        allowed = cv2.resize(allowed.astype(np.float32), size, interpolation=cv2.INTER_AREA) >= 1.0 - 1e-6
        depth_px /= 2.0
    if not levels:
        raise ValueError("no part of the image may be copied from: every patch touches the hole or the avoided region.")
    return levels


def _known_downsampled(values: np.ndarray, hole: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The next coarser level's values and hole. A cell is the mean of its *known* pixels
    and is known if it has any; only cells of hole pixels alone stay hole, and take the
    mean of the estimates there (the guide). The hole thus shrinks level by level, as in
    PatchMatch's pyramid (Barnes et al. 2009): the coarse levels lay out the fill from the
    photo's own colours around it. (Taking a cell with any hole pixel as hole would grow
    the hole with every level instead: thin strokes would swallow the coarse levels, and
    their layout would come from the guide's blur, a flat blob wherever the network blends
    two regions.)"""
    known = (~hole).astype(np.float32)
    share = cv2.resize(known, size, interpolation=cv2.INTER_AREA)
    # Colour and texture apart: OpenCV's area resampling takes at most four channels at
    # odd sizes. Each is copied out once and weighted as it is.
    groups = (np.ascontiguousarray(values[..., :3]), np.ascontiguousarray(values[..., 3:]))
    known_sum = _area_resize([group * known[..., None] for group in groups], size)
    coarse_hole = share <= 1e-6
    estimate = _area_resize(groups, size)
    coarse = np.where(coarse_hole[..., None], estimate, known_sum / np.maximum(share, 1e-6)[..., None])
    return coarse.astype(np.float32, copy=False), coarse_hole


def _area_resize(groups, size: tuple[int, int]) -> np.ndarray:
    """``cv2.resize(INTER_AREA)`` of each contiguous ``H×W×C`` image in ``groups``,
    stacked along the channels."""
    return np.dstack([cv2.resize(group, size, interpolation=cv2.INTER_AREA) for group in groups])


def _full_resolution_values(colour: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """Colour (``colour``, float32 ``H×W×3``) and texture channels; texture is unknown
    (zero) wherever its window reaches into the hole, and those pixels are estimated like
    the hole's."""
    values = np.empty(hole.shape + (5,), np.float32)
    values[..., :3] = colour
    texture = texture_features(colour)
    near_hole = cv2.dilate(hole.astype(np.uint8), np.ones((TEXTURE_WINDOW, TEXTURE_WINDOW), np.uint8)) > 0
    texture[near_hole] = _diffused(texture, near_hole)[near_hole]
    values[..., 3:] = texture
    return values


def _diffused(texture: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """Texture channels with ``unknown`` pixels filled in from around them (Telea), at a
    quarter of the size: they are local means already, and Telea's cost grows with the
    area it fills."""
    height, width = unknown.shape
    scale = 4 if min(height, width) >= 64 else 1
    size = (max(1, width // scale), max(1, height // scale))
    small = cv2.resize(texture, size, interpolation=cv2.INTER_AREA)
    mask = (cv2.resize(unknown.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0).astype(np.uint8)
    filled = np.dstack([cv2.inpaint(np.ascontiguousarray(small[..., c]), mask, 3, cv2.INPAINT_TELEA)
                        for c in range(texture.shape[2])])
    return cv2.resize(filled, (width, height), interpolation=cv2.INTER_LINEAR)


def _make_level(values, hole, allowed, guide_colour, settings: SynthesisSettings, core: int,
                scale: int) -> _Level:
    """One level's sources and targets. A source patch never touches an avoided pixel;
    at full resolution it is all known (the fill copies only real pixels), below it only
    its ``core`` must be, and each unknown pixel in it costs ``unknown_cost``: where
    free-form strokes cover much of the image, whole known patches at ⅛ size are few,
    and a search among those few copies the wrong layout (sky into the hills)."""
    radius = settings.patch_radius
    height, width = hole.shape
    side = 2 * radius + 1
    interior = np.zeros((height, width), bool)
    interior[radius:height - radius, radius:width - radius] = True
    valid = _eroded(allowed, radius) & _eroded(~hole, core) & interior
    unknown = cv2.boxFilter(hole.astype(np.float32), -1, (side, side), normalize=False,
                            borderType=cv2.BORDER_CONSTANT)
    penalty = np.ascontiguousarray(settings.unknown_cost * unknown, dtype=np.float32)
    over_hole = (cv2.dilate(hole.astype(np.uint8), np.ones((side, side), np.uint8)) > 0) & interior
    targets = np.argwhere(over_hole).astype(np.int32)
    index = np.full((height, width), -1, np.int32)
    index[targets[:, 0], targets[:, 1]] = np.arange(len(targets), dtype=np.int32)
    # A removal weighs the guide at 0 (its fill is the first layout only): its low-pass,
    # about 0.04 s of a 1024×768 removal, would never be read.
    guide = _guide_low_pass(guide_colour, scale, settings) if settings.guide_weight > 0 else None
    return _Level(values, hole, valid, penalty, guide, guide_colour, scale,
                  targets, index, np.argwhere(hole).astype(np.int32))


def _eroded(mask: np.ndarray, radius: int) -> np.ndarray:
    """Pixels whose ``(2r+1)²`` neighbourhood is all ``mask`` (outside the image counts as not)."""
    kernel = np.ones((2 * radius + 1, 2 * radius + 1), np.uint8)
    return cv2.erode(mask.astype(np.uint8), kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
