"""Patch synthesis (inpaintkit.synthesis): texture continued in phase, edges kept straight,
the guidance map obeyed, known pixels untouched, results repeatable."""
import cv2
import numpy as np
import pytest

from inpaintkit.evaluation.edges import gradient_ratio
from inpaintkit.synthesis import SynthesisSettings, complete
from inpaintkit.synthesis.nnf import field_costs, patchmatch, random_field
from inpaintkit.synthesis.voting import vote_mean


def checkerboard_stripes(size=96, period=12):
    """A 2-D periodic texture: diagonal stripes times a vertical wave, in colour."""
    y, x = np.mgrid[:size, :size].astype(np.float32)
    wave = 0.5 + 0.5 * np.sin(2 * np.pi * (x + y) / period) * np.cos(2 * np.pi * y / (2 * period))
    image = np.dstack([40 + 180 * wave, 200 - 150 * wave, 90 + 60 * wave])
    return np.clip(image, 0, 255).astype(np.uint8)


def blurred_noise(height, width, seed, kernel):
    """A smooth random colour image: every patch different, none flat."""
    noise = np.random.default_rng(seed).integers(0, 256, (height, width, 3)).astype(np.uint8)
    return cv2.GaussianBlur(noise, (kernel, kernel), 0)


def centre_hole(size, side):
    hole = np.zeros((size, size), bool)
    start = (size - side) // 2
    hole[start:start + side, start:start + side] = True
    return hole


def test_periodic_texture_is_continued_in_phase():
    truth = checkerboard_stripes()
    hole = centre_hole(96, 28)
    filled = complete(truth, hole, seed=0)
    error = np.abs(filled.astype(int) - truth.astype(int))[hole].mean()
    # A fill out of phase by half a period errs by ~60 grey levels, a flat one by ~45.
    assert error < 6.0, error


def grainy_texture(size, seed):
    """Grey film grain: random, so no copy of it lines up anywhere but with itself."""
    noise = cv2.GaussianBlur(np.random.default_rng(seed).normal(0, 1, (size, size)).astype(np.float32), (0, 0), 1.2)
    grey = np.clip(128 + noise / noise.std() * 40, 0, 255).astype(np.uint8)
    return np.dstack([grey] * 3)


def test_coherent_copies_keep_a_random_texture_sharp():
    # Without the coherence preference the search settles on a mosaic of unrelated
    # sources, and the vote averages them: the fill keeps 86 % of the grain's gradient
    # (the benchmark's gradient ratio; 81–91 % per seed); continuing neighbours' copies
    # (κ = 0.1) keeps 92 %.
    hole = centre_hole(128, 40)
    kept = {}
    for coherence in (0.0, SynthesisSettings().coherence):
        ratios = [gradient_ratio(complete(texture, hole, seed=0, settings=SynthesisSettings(coherence=coherence)),
                                 texture, hole) for texture in (grainy_texture(128, seed) for seed in range(4))]
        kept[coherence] = float(np.mean(ratios))
    assert kept[SynthesisSettings().coherence] > 0.90, kept
    assert kept[0.0] < 0.88, kept


@pytest.mark.parametrize("fusion", [SynthesisSettings().fusion_screening, 0.0])
def test_the_final_vote_weighted_towards_patch_centres_keeps_more_of_a_texture(fusion):
    # A mosaic of unrelated copies (no coherence preference) averaged by the plain mean
    # keeps 76–88 % of the grain's gradient; weighting each candidate by its offset from
    # its patch's centre keeps 81–91 %, more on every one of the four textures. Without
    # the gradient fusion (the voted colour alone): 77–90 % against 85–94 %.
    hole = centre_hole(128, 40)
    for seed in range(4):
        texture = grainy_texture(128, seed)
        kept = [gradient_ratio(complete(texture, hole, seed=0, settings=SynthesisSettings(
                    coherence=0.0, final_offset_sigma=sigma, fusion_screening=fusion)), texture, hole)
                for sigma in (0.0, 0.7)]
        assert kept[1] > kept[0] + 0.01, (seed, kept)


def test_a_wide_hole_continues_the_horizon_whatever_the_guide():
    # Sky over grainy ground, a hole 128 px deep across the horizon, and a guide that is
    # flat grey (a network that has no idea). The coarsest level must be small enough
    # for the hole to close there (16 px here), so the layout comes from the photo
    # around the hole; stopping at 32 px (min_side 24) let the sky creep up to 16–24 rows down.
    sky = np.array([110, 160, 230])
    for seed in range(3):
        image = grainy_texture(256, seed).astype(np.float32)
        image[:128] = sky
        image[128:] *= np.array([0.6, 0.8, 0.4])
        image = image.astype(np.uint8)
        hole = np.zeros((256, 256), bool)
        hole[64:192, 80:176] = True
        filled = complete(image, hole, np.full_like(image, 140), seed=0)
        sky_rows = (np.abs(filled.astype(int) - sky).sum(axis=2) < 30)[64:192, 80:176].sum(axis=0)
        assert np.abs(sky_rows - 64).max() <= 2, (seed, sky_rows.min(), sky_rows.max())


def test_a_removal_lays_a_tall_silhouette_out_one_level_coarser():
    # Inpainting's pyramid stops at a 16 px side; a removal's (min_side 8) goes on while
    # its hole is deeper than 1.5 px, so a tall silhouette in a wide photo closes to about
    # a pixel at its coarsest level and the bands beside it, not a guess, lay it out.
    from inpaintkit.removal.pipeline import removal_synthesis_settings
    from inpaintkit.synthesis.completion import _pyramid

    image = np.hstack([grainy_texture(192, 0), grainy_texture(192, 1)])
    hole = np.zeros((192, 384), bool)
    hole[20:172, 162:222] = True
    depth = {}
    for name, settings in (("inpainting", SynthesisSettings()), ("removal", removal_synthesis_settings())):
        coarsest = _pyramid(image, hole, image, None, settings)[-1]
        depth[name] = (coarsest.hole.shape, cv2.distanceTransform(coarsest.hole.astype(np.uint8), cv2.DIST_L2, 3).max())
    assert depth["inpainting"][0] == (24, 48) and depth["inpainting"][1] > 2.5, depth
    assert depth["removal"][0] == (12, 24) and depth["removal"][1] <= 1.0, depth


def skyline_with_a_fading_guide(seed, size=256):
    """Sky, a dark textured band 40 px tall (a tree line) and grainy ground, a hole 144 px
    tall and 128 px wide across the band, and a guide like an L1-trained network's: it
    continues the band near the hole's rim and fades to the sky's colour deeper in."""
    grain = grainy_texture(size, seed)[..., 0].astype(np.float32) - 128
    image = np.empty((size, size, 3), np.float32)
    image[:] = np.array([120, 165, 225]) + 0.1 * grain[..., None]
    image[88:128] = np.array([45, 60, 40]) + 0.6 * grain[88:128, :, None]
    image[128:] = np.array([150, 130, 90]) + 0.5 * grain[128:, :, None]
    image = np.clip(image, 0, 255).astype(np.uint8)
    hole = np.zeros((size, size), bool)
    hole[56:200, 64:192] = True
    fade = np.clip(cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3) / 24.0, 0, 1)[..., None]
    haze = np.where(np.arange(size)[:, None, None] < 128, np.array([120, 165, 225]), np.array([150, 130, 90]))
    guide = (1 - fade) * cv2.GaussianBlur(image, (0, 0), 3) + fade * haze
    return image, hole, np.clip(guide, 0, 255).astype(np.uint8)


def test_a_band_crossing_a_wide_hole_continues_beyond_the_guide_reach():
    # By default the fill follows the network's haze: the band runs on in 11–16 % of the
    # hole's columns. With guide_reach 16 the hole deeper than 16 px starts from the photo
    # diffused in and is steered by the coarse levels' layout: 53–73 %. (Near the rim the
    # network's half-faded band is still followed, and the sky dips into it there.)
    def continued(reach):
        shares = []
        for seed in range(3):
            image, hole, guide = skyline_with_a_fading_guide(seed)
            filled = complete(image, hole, guide, seed=0, settings=SynthesisSettings(guide_reach=reach))
            band = filled[90:126, 64:192].astype(int)
            dark = (np.abs(band - np.array([45, 60, 40])).sum(axis=2) < 120).mean(axis=0) > 0.5
            shares.append(dark.mean())
        return float(np.mean(shares))
    assert continued(0.0) < 0.2
    assert continued(16.0) > 0.5


def test_a_hole_within_the_guide_reach_is_filled_as_without_it():
    """guide_reach changes only what lies deeper than it: a hole 20 px deep with a reach of
    24 px comes back byte for byte as with the network's guide everywhere."""
    image, _, guide = skyline_with_a_fading_guide(0, size=128)
    hole = np.zeros((128, 128), bool)
    hole[30:70, 20:110] = True
    plain = complete(image, hole, guide, seed=0)
    assert np.array_equal(complete(image, hole, guide, seed=0, settings=SynthesisSettings(guide_reach=24.0)), plain)
    assert not np.array_equal(complete(image, hole, guide, seed=0, settings=SynthesisSettings(guide_reach=8.0)), plain)


def test_straight_edge_across_the_hole_stays_straight():
    image = np.full((96, 96, 3), 200, np.uint8)
    image[:, :40] = 50  # a vertical edge at x = 40, crossing the hole below
    rng = np.random.default_rng(0)
    image = np.clip(image.astype(int) + rng.integers(-12, 13, image.shape), 0, 255).astype(np.uint8)
    hole = np.zeros((96, 96), bool)
    hole[30:66, 24:58] = True
    filled = complete(image, hole, seed=0)
    grey = filled.mean(axis=2)
    for row in range(30, 66):
        # The step is where the row crosses mid-grey: it must stay on column 40 ± 1.
        crossing = int(np.argmax(grey[row] > 125))
        assert abs(crossing - 40) <= 1, (row, crossing)


def test_avoided_pixels_are_never_copied():
    rng = np.random.default_rng(1)
    image = rng.integers(60, 140, (80, 80, 3)).astype(np.uint8)
    image[:, :20] = (255, 0, 0)          # a red band the fill must not copy from
    avoid = np.zeros((80, 80), bool)
    avoid[:, :20] = True
    hole = np.zeros((80, 80), bool)
    hole[30:50, 24:44] = True            # right beside the red band
    guide = np.zeros_like(image)
    guide[...] = (255, 0, 0)             # a guide that asks for red, and hard
    insistent = SynthesisSettings(guide_weight=4.0)
    filled = complete(image, hole, guide, avoid, seed=0, settings=insistent)
    red = (filled[..., 0] > 180) & (filled[..., 1] < 60)
    assert not red[hole].any()
    # Without the guidance map the guide pulls red in: the test can fail.
    pulled = complete(image, hole, guide, None, seed=0, settings=insistent)
    assert ((pulled[..., 0] > 180) & (pulled[..., 1] < 60))[hole].mean() > 0.05


def test_known_pixels_come_back_bit_identical_and_seed_repeats():
    image = blurred_noise(70, 90, seed=2, kernel=5)
    hole = np.zeros((70, 90), bool)
    hole[10:40, 50:80] = True
    first = complete(image, hole, seed=3)
    assert np.array_equal(first[~hole], image[~hole])
    assert np.array_equal(first, complete(image, hole, seed=3))
    assert not np.array_equal(first, complete(image, hole, seed=4))


def test_same_bytes_on_one_core_and_on_two():
    """The parallel search draws no per-thread random numbers: the thread count does
    not change the result."""
    import numba

    image = blurred_noise(96, 96, seed=7, kernel=5)
    hole = centre_hole(96, 40)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        serial = complete(image, hole, seed=1)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        parallel = complete(image, hole, seed=1)
    finally:
        numba.set_num_threads(threads)
    assert np.array_equal(serial, parallel)


def test_the_hole_own_pixels_are_never_read():
    """What lies under the hole (the removed object, or a benchmark's ground truth)
    cannot leak into the fill: only the guide stands in for it."""
    image = blurred_noise(80, 80, seed=8, kernel=5)
    hole = centre_hole(80, 30)
    guide = cv2.inpaint(image, hole.astype(np.uint8), 3, cv2.INPAINT_TELEA)
    painted = image.copy()
    painted[hole] = (255, 0, 255)
    assert np.array_equal(complete(image, hole, guide, seed=2), complete(painted, hole, guide, seed=2))


@pytest.mark.parametrize("seed", [0, 1])
def test_thin_strokes_follow_their_surroundings_not_a_wrong_guide(seed):
    """Thin strokes over a dark texture, with a guide that paints them light grey (the
    network's blend of two regions) and a light grey patch elsewhere to copy it from: the
    coarse levels lay out the strokes from the colours around them, so the fill stays
    dark instead of copying the patch."""
    rng = np.random.default_rng(seed)
    texture = cv2.GaussianBlur(rng.normal(0, 1, (128, 128)).astype(np.float32), (0, 0), 2)
    image = texture[..., None] * 25 + np.array([60, 45, 35])
    image[:36, 92:] = (150, 155, 140) + rng.normal(0, 2, (36, 36, 3))
    image = np.clip(image, 0, 255).astype(np.uint8)
    hole = np.zeros((128, 128), np.uint8)
    for k in range(3):
        cv2.ellipse(hole, (60, 80), (18 + 14 * k, 12 + 10 * k), 20 * k, 0, 300, 1, 6)
    hole = hole > 0
    guide = image.copy()
    guide[hole] = (150, 155, 140)
    filled = complete(image, hole, guide, seed=0)
    light = filled.astype(np.float32).mean(axis=2) > 100
    assert light[hole].mean() < 0.02
    assert np.abs(filled.astype(int) - image.astype(int))[hole].mean() < 8


def test_a_small_hole_copies_from_its_surroundings_only():
    """A small hole in a big image is filled from a window around it (the hole's box
    grown by the context margin): pixels far away change nothing, so the cost follows
    the hole, not the photo."""
    settings = SynthesisSettings(min_context_margin=16)
    image = blurred_noise(160, 240, seed=9, kernel=5)
    hole = np.zeros((160, 240), bool)
    hole[70:90, 40:60] = True                    # box 20 px: the window reaches x < 80
    far = image.copy()
    far[:, 120:] = 255 - far[:, 120:]
    first = complete(image, hole, seed=0, settings=settings)
    assert np.array_equal(first[hole], complete(far, hole, seed=0, settings=settings)[hole])


def test_a_guidance_map_keeps_the_window_while_it_leaves_most_of_it_to_copy():
    """Other people to avoid beside a removed object keep the fill in the window around
    the hole; a "copy from" region outside the window opens the whole image, and the fill
    copies from there."""
    settings = SynthesisSettings(min_context_margin=16)
    image = blurred_noise(160, 240, seed=9, kernel=5)
    hole = np.zeros((160, 240), bool)
    hole[70:90, 40:60] = True                    # the window reaches x < 80
    person = np.zeros_like(hole)
    person[60:100, 64:76] = True                 # inside the window, a seventh of its known pixels
    far = image.copy()
    far[:, 120:] = 255 - far[:, 120:]
    near = complete(image, hole, avoid=person, seed=0, settings=settings)
    assert np.array_equal(near[hole], complete(far, hole, avoid=person, seed=0, settings=settings)[hole])
    assert not np.array_equal(near[hole], complete(image, hole, seed=0, settings=settings)[hole])

    striped = image.copy()
    striped[:, 200:] = (0, 0, 255)               # blue, 140 px from the hole: outside the window
    copy_from = np.ones_like(hole)
    copy_from[:, 200:] = False                   # only the blue strip may be copied
    filled = complete(striped, hole, avoid=copy_from, seed=0, settings=settings)
    blue = (filled[..., 2] > 200) & (filled[..., 0] < 50) & (filled[..., 1] < 50)
    assert blue[hole].mean() > 0.95



def test_a_map_that_leaves_only_the_hole_surroundings_keeps_the_work_around_them():
    """A text removal copies only from around the text: its map leaves a strip to copy,
    all of it in the window, and the fill works on that strip with a margin, not on the
    whole photo (a corner caption of a 12 MP photo took 10 s and 1.9 GiB that way)."""
    from inpaintkit.synthesis.completion import _context_window

    settings = SynthesisSettings(min_context_margin=16)
    hole = np.zeros((600, 800), bool)
    hole[500:510, 300:500] = True                 # a thin line of text
    avoid = np.ones_like(hole)
    avoid[490:520, 290:510] = False               # its surroundings
    rows, cols = _context_window(hole, avoid, settings)
    assert (rows.start, rows.stop, cols.start, cols.stop) == (474, 536, 274, 526)
    image = blurred_noise(600, 800, seed=4, kernel=5)
    filled = complete(image, hole, avoid=avoid & ~hole, seed=0, settings=settings)
    np.testing.assert_array_equal(filled[~hole], image[~hole])
    assert np.abs(filled[hole].astype(int) - image[hole].astype(int)).mean() < 40

def test_the_window_stays_under_its_pixel_budget():
    """A big context margin is cut down to ``max_context_pixels``: with a 40×40 budget a
    10×10 hole copies only from within 15 px of its box."""
    settings = SynthesisSettings(context_margin=5.0, min_context_margin=4, max_context_pixels=40 * 40)
    image = blurred_noise(120, 120, seed=10, kernel=5)
    hole = np.zeros((120, 120), bool)
    hole[55:65, 55:65] = True
    far = image.copy()
    far[:38] = 255 - far[:38]                    # 17 px and more above the hole
    assert np.array_equal(complete(image, hole, seed=0, settings=settings)[hole],
                          complete(far, hole, seed=0, settings=settings)[hole])
    wide = SynthesisSettings(context_margin=5.0, min_context_margin=4)
    assert not np.array_equal(complete(image, hole, seed=0, settings=wide)[hole],
                              complete(far, hole, seed=0, settings=wide)[hole])


def test_odd_sizes_and_a_hole_at_the_border():
    """Odd sides at every level and a hole touching the image edge (patches stay inside)."""
    image = blurred_noise(75, 101, seed=6, kernel=3)
    hole = np.zeros((75, 101), bool)
    hole[0:30, 70:101] = True
    filled = complete(image, hole, seed=0)
    assert np.array_equal(filled[~hole], image[~hole])
    assert filled[hole].std() > 5  # a fill with texture, not one flat colour


def test_nothing_to_copy_is_a_value_error():
    image = np.zeros((40, 40, 3), np.uint8)
    hole = np.ones((40, 40), bool)
    hole[0, 0] = False
    with pytest.raises(ValueError, match="no part of the image"):
        complete(image, hole)


def test_patchmatch_finds_an_exact_copy():
    """Patches whose exact copies exist elsewhere are matched to them (distance 0):
    random search finds one, propagation hands it on to the others."""
    rng = np.random.default_rng(5)
    features = rng.random((48, 48, 5)).astype(np.float32)
    features[24:41, 24:41] = features[2:19, 2:19]       # a block copied by (+22, +22)
    colour, smooth = np.ascontiguousarray(features[..., :3]), np.ascontiguousarray(features[..., 3:])
    targets = np.argwhere(np.pad(np.ones((11, 11), bool), ((27, 10), (27, 10)))).astype(np.int32)
    index = np.full((48, 48), -1, np.int32)
    index[targets[:, 0], targets[:, 1]] = np.arange(len(targets), dtype=np.int32)
    valid = np.zeros((48, 48), bool)
    valid[3:21, 3:21] = True                             # only the original block's area
    field = random_field(targets, np.argwhere(valid).astype(np.int32), 0)
    free = np.zeros((48, 48), np.float32)
    costs = field_costs(colour, smooth, targets, field, 3, free)
    patchmatch(colour, smooth, targets, index, valid, field, costs, 6, 0, 3, free, 48)
    assert np.array_equal(field, targets - 22)
    assert np.all(costs == 0.0)


def test_mean_vote_of_one_patch_copies_it():
    image = np.zeros((20, 20, 3), np.float32)
    image[2:5, 2:5] = np.arange(27, dtype=np.float32).reshape(3, 3, 3)
    hole = np.zeros((20, 20), bool)
    hole[12:15, 12:15] = True
    index = np.full((20, 20), -1, np.int32)
    index[13, 13] = 0
    pixels = np.argwhere(hole).astype(np.int32)
    voted = vote_mean(image, pixels, index, np.array([[3, 3]], np.int32), np.ones(1, np.float32), 1, 0.0)
    assert np.array_equal(voted.reshape(3, 3, 3), image[2:5, 2:5])


def test_the_offset_weighted_vote_takes_a_pixel_from_the_patch_centred_on_it():
    # Two 5×5 target patches, centred at (10, 10) and diagonally at (12, 12), copying a
    # flat 0 and a flat 90. Pixel (10, 10) is the first one's centre and (−2, −2) off the
    # second's; pixel (11, 11) is (1, 1) off both.
    image = np.zeros((20, 20, 1), np.float32)
    image[1:6, 13:18] = 90.0
    index = np.full((20, 20), -1, np.int32)
    index[10, 10], index[12, 12] = 0, 1
    field = np.array([[3, 3], [3, 15]], np.int32)
    pixels = np.array([[10, 10], [11, 11]], np.int32)
    weights = np.ones(2, np.float32)
    plain = vote_mean(image, pixels, index, field, weights, 2, 0.0)
    centred = vote_mean(image, pixels, index, field, weights, 2, 0.7)
    assert plain[:, 0].tolist() == [45.0, 45.0]
    # exp(-8 / 0.98) = 2.9e-4 of the far patch's weight: 90 · 2.9e-4 = 0.026 (0.017 and
    # 1.5 if the vertical offset were left out).
    assert centred[0, 0] == pytest.approx(0.026, abs=0.003)
    assert centred[1, 0] == pytest.approx(45.0)  # the same offset from both centres: an even blend


def test_a_pixel_whose_offset_weights_all_round_to_zero_takes_the_plain_mean():
    # One patch covers pixel (13, 13), three pixels off its centre on both axes, with a
    # similarity weight near float32's smallest: times exp(-18 / 0.98) = 1e-8 it rounds
    # to zero. The pixel then takes the plain mean (the source's 90), not its old value.
    image = np.zeros((20, 20, 1), np.float32)
    image[0:7, 12:19] = 90.0
    image[13, 13] = 7.0
    index = np.full((20, 20), -1, np.int32)
    index[10, 10] = 0
    field = np.array([[3, 15]], np.int32)
    pixels = np.array([[13, 13]], np.int32)
    tiny = np.array([1e-40], np.float32)
    assert vote_mean(image, pixels, index, field, tiny, 3, 0.7)[0, 0] == pytest.approx(90.0)
    # With no weight at all, a pixel keeps its value.
    assert vote_mean(image, pixels, index, field, np.zeros(1, np.float32), 3, 0.7)[0, 0] == 7.0


def _scripted_energies(monkeypatch, energies):
    """Make the layout starts' energies ``energies``, in the order the starts run."""
    import inpaintkit.synthesis.completion as completion

    script = iter(energies)
    monkeypatch.setattr(completion, "_energy", lambda level, field, settings: next(script))


def test_a_later_layout_start_wins_only_with_under_half_the_first_ones_energy(monkeypatch):
    image = blurred_noise(96, 96, seed=5, kernel=5)
    hole = centre_hole(96, 36)
    single = complete(image, hole, seed=2)
    four = SynthesisSettings(layout_starts=4)

    def fill(energies):
        _scripted_energies(monkeypatch, energies)
        return complete(image, hole, seed=2, settings=four)

    # The first start is the single run; small gains do not replace it.
    assert np.array_equal(fill([100.0, 60.0, 55.0, 51.0]), single)
    second = fill([100.0, 40.0, 45.0, 90.0])
    assert not np.array_equal(second, single)
    # Which start goes on is all that matters, not the energies of the others …
    assert np.array_equal(fill([100.0, 49.0, 90.0, 80.0]), second)
    # … and of those under the bar, the lowest.
    third = fill([100.0, 40.0, 30.0, 90.0])
    assert not np.array_equal(third, second) and not np.array_equal(third, single)


def test_layout_starts_keep_known_pixels_and_repeat_for_a_seed():
    image = blurred_noise(80, 100, seed=6, kernel=5)
    hole = np.zeros((80, 100), bool)
    hole[20:55, 30:75] = True
    settings = SynthesisSettings(layout_starts=4, layout_switch_ratio=1.0)
    first = complete(image, hole, seed=3, settings=settings)
    assert np.array_equal(first[~hole], image[~hole])
    assert np.array_equal(first, complete(image, hole, seed=3, settings=settings))


def test_an_unweighted_guide_is_never_low_passed():
    """A removal weighs the guide at 0 (its fill is the first layout only): no level
    spends a Gaussian low-pass on a guide the patch distance never reads."""
    from inpaintkit.synthesis.completion import _pyramid

    image = blurred_noise(96, 96, 0, 5)
    hole = centre_hole(96, 40)
    for weight, low_passed in ((0.0, False), (0.5, True)):
        levels = _pyramid(image, hole, image, None, SynthesisSettings(guide_weight=weight))
        assert len(levels) > 1
        assert all((level.guide is not None) == low_passed for level in levels)
