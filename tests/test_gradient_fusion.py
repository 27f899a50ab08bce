"""Gradient-domain fusion of a voted fill (inpaintkit.synthesis.gradient_fusion): steps
between copies mended, the copies' detail kept, the rim's stray pixels not spread."""
import cv2
import numpy as np

from inpaintkit.synthesis.gradient_fusion import fuse, source_differences


def grain(size=64, seed=0):
    noise = cv2.GaussianBlur(np.random.default_rng(seed).normal(0, 1, (size, size)).astype(np.float32), (0, 0), 1.0)
    grey = 128 + noise / noise.std() * 20
    return np.dstack([grey] * 3).astype(np.float32)


def square_hole(size=64, start=16, side=32):
    hole = np.zeros((size, size), bool)
    hole[start:start + side, start:start + side] = True
    return hole


def voted(image, hole):
    """What a perfect vote of ``image`` would hand over: its colours and differences."""
    pixels = np.argwhere(hole).astype(np.int32)
    return pixels, image[hole], source_differences(image)[hole]


def test_a_copy_a_shade_off_comes_back_to_its_surroundings_with_its_texture():
    truth = grain()
    hole = square_hole()
    pixels, colour, differences = voted(truth, hole)
    # The vote copied the right texture but 15 grey levels too light: a visible square.
    fused = fuse(truth, pixels, colour + 15.0, differences, screening=0.01)
    error = np.abs(fused - colour).reshape(32, 32, 3)
    # At the hole's edge the step is gone; deeper in, the offset fades out over about
    # 1/√λ = 10 pixels (the screening keeps the vote's colours far from the edge).
    edge = np.ones((32, 32), bool)
    edge[2:-2, 2:-2] = False
    assert error[edge].mean() < 2.0, error[edge].mean()
    assert error.mean() < 6.0, error.mean()
    # The texture itself (the differences between neighbours) is untouched.
    texture = np.diff(fused.reshape(32, 32, 3), axis=1)
    assert np.abs(texture - np.diff(colour.reshape(32, 32, 3), axis=1)).mean() < 0.5


def test_a_seam_between_two_copies_becomes_a_ramp():
    image = np.full((64, 64, 3), 100.0, np.float32)
    hole = square_hole()
    pixels, colour, differences = voted(image, hole)
    # Two flat copies side by side, the right one 20 levels lighter: a hard vertical seam.
    colour[pixels[:, 1] >= 32] += 20.0
    fused = fuse(image, pixels, colour, differences, screening=0.01).reshape(32, 32, 3)
    steps = np.abs(np.diff(fused[..., 0], axis=1))
    assert steps.max() < 3.0, steps.max()           # was 20 at the seam
    assert np.abs(fused - 100.0).max() < 10.0       # and no new colour anywhere


def test_stray_pixels_on_the_rim_are_not_spread_into_the_hole():
    image = np.full((64, 64, 3), 60.0, np.float32)
    hole = square_hole()
    ring = (cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & ~hole
    image[ring] = 250.0   # the last anti-aliased pixels of a removed bright object
    pixels, colour, differences = voted(np.full_like(image, 60.0), hole)
    fused = fuse(image, pixels, colour, differences, screening=0.01)
    # Pinned to the ring, the fill would rise by ~150 levels along its edge (a ghost
    # outline); weighed by how far the ring is from what the vote implies, it stays.
    assert np.abs(fused - 60.0).max() < 8.0, np.abs(fused - 60.0).max()


def test_a_vote_that_agrees_with_its_surroundings_is_left_as_it_is():
    truth = grain(seed=3)
    hole = square_hole()
    pixels, colour, differences = voted(truth, hole)
    fused = fuse(truth, pixels, colour, differences, screening=0.01)
    assert np.abs(fused - colour).max() < 0.5



def test_source_differences_are_each_pixels_steps_to_its_four_neighbours():
    image = np.random.default_rng(3).integers(0, 256, (5, 7, 3)).astype(np.uint8)
    differences = source_differences(image)
    colour = image.astype(np.float32)
    assert differences.shape == (5, 7, 12) and differences.dtype == np.float32
    y, x = 2, 3
    np.testing.assert_array_equal(differences[y, x, 0:3], colour[y, x] - colour[y, x - 1])
    np.testing.assert_array_equal(differences[y, x, 3:6], colour[y, x + 1] - colour[y, x])
    np.testing.assert_array_equal(differences[y, x, 6:9], colour[y, x] - colour[y - 1, x])
    np.testing.assert_array_equal(differences[y, x, 9:12], colour[y + 1, x] - colour[y, x])
    # No neighbour outside the image: no step.
    assert not differences[:, 0, 0:3].any() and not differences[:, -1, 3:6].any()
    assert not differences[0, :, 6:9].any() and not differences[-1, :, 9:12].any()
