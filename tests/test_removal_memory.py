"""What the back ends remember per photo (a page sends the same photo with every
correction), and the fast hole filling the searches use."""
import numpy as np
import pytest
from scipy import ndimage

from inpaintkit.removal.faces import Face, FaceDetector
from inpaintkit.removal.fill import fill_holes
from inpaintkit.removal.people import PeopleSegmenter
from inpaintkit.removal.photo_memory import PhotoMemory, photo_digest


def test_a_memory_answers_again_without_computing_and_forgets_the_oldest():
    memory, computed = PhotoMemory(2), []

    def compute(key):
        computed.append(key)
        return key * 10

    assert [memory.get(k, lambda k=k: compute(k)) for k in (1, 2, 1)] == [10, 20, 10]
    assert computed == [1, 2]
    memory.get(3, lambda: compute(3))  # 2 is now the least recently used: it goes
    memory.get(1, lambda: compute(1))
    memory.get(2, lambda: compute(2))
    assert computed == [1, 2, 3, 2]


def test_a_changed_pixel_or_shape_is_another_photo():
    photo = np.zeros((8, 12, 3), np.uint8)
    changed = photo.copy()
    changed[7, 11, 2] = 1
    assert photo_digest(photo) == photo_digest(photo.copy())
    assert photo_digest(changed) != photo_digest(photo)
    assert photo_digest(photo.reshape(12, 8, 3)) != photo_digest(photo)


class CountingPeople(PeopleSegmenter):
    """The people back end with a person-shaped blob as the model's answer on any crop
    (no MediaPipe), counting the model's runs."""

    def __init__(self):
        super().__init__(faces=lambda image, clicks: [Face(50, 10, 70, 30, 0.9)])
        self.runs = 0

    def _run(self, image):
        self.runs += 1
        height, width = image.shape[:2]
        ys, xs = np.mgrid[:height, :width]
        centre_x, centre_y = width / 2 + image[0, 0, 0] % 7, height / 2
        return np.clip(1.2 - np.hypot((xs - centre_x) / (width / 6), (ys - centre_y) / (height / 3)), 0, 1
                       ).astype(np.float32)


def _photo(seed=0):
    return np.random.default_rng(seed).integers(0, 255, (96, 128, 3), dtype=np.uint8)


def test_a_correction_looks_again_only_around_its_new_points():
    people, photo = CountingPeople(), _photo()
    first = people.probability(photo, [(60, 40)])
    assert people.runs == 1 + 4 + 1  # the frame, the four corner tiles, the click's square
    again = people.probability(photo.copy(), [(60, 40), (20, 70), (100, 20)])
    assert people.runs == 6 + 2  # only the two new points' squares
    fresh = CountingPeople()
    assert np.array_equal(again, fresh.probability(photo, [(60, 40), (20, 70), (100, 20)]))
    assert np.array_equal(first, CountingPeople().probability(photo, [(60, 40)]))
    # The remembered frame is not changed by what a request adds to its copy.
    assert np.array_equal(people.probability(photo, [(60, 40)]), first)


def test_another_photo_is_looked_at_afresh():
    people = CountingPeople()
    people.probability(_photo(0), [(60, 40)])
    people.probability(_photo(1), [(60, 40)])
    assert people.runs == 12


def test_the_people_for_a_photo_and_its_points_are_found_once():
    people, photo = CountingPeople(), _photo()
    first = people(photo, [(60, 40)])
    runs = people.runs
    again = people(photo.copy(), [(60, 40)])
    assert people.runs == runs and len(again) == len(first) > 0
    assert all(np.array_equal(a.mask, b.mask) and a.mask is not b.mask for a, b in zip(again, first))
    people(photo, [(60, 40), (20, 70)])  # other points: looked at again around the new one
    assert people.runs == runs + 1


class CountingFaces(FaceDetector):
    def __init__(self):
        super().__init__()
        self.looks = 0

    def _detect(self, image, x_offset, y_offset):
        self.looks += 1
        return [Face(x_offset + 2, y_offset + 2, x_offset + 12, y_offset + 14, 0.9)]


def test_faces_are_looked_for_once_per_photo_and_square():
    faces, photo = CountingFaces(), _photo()
    first = faces(photo, [(60, 40)])
    assert faces.looks == 2
    assert faces(photo, [(60, 40), (10, 80)]) == first + [Face(2, 50, 12, 62, 0.9)]
    assert faces.looks == 3
    assert faces(photo, [(60, 40)]) == first  # the remembered list is not extended


@pytest.mark.parametrize("seed", range(4))
def test_holes_are_filled_exactly_as_scipy_fills_them(seed):
    rng = np.random.default_rng(seed)
    for _ in range(200):
        height, width = rng.integers(1, 48, 2)
        mask = rng.random((height, width)) < rng.random()
        if rng.random() < 0.5:
            mask = ndimage.binary_dilation(mask, iterations=int(rng.integers(1, 3)))
        assert np.array_equal(fill_holes(mask), ndimage.binary_fill_holes(mask))


def test_a_ring_is_filled_but_a_bay_open_to_the_frame_is_not():
    ring = np.zeros((40, 40), bool)
    ring[5:35, 5:35] = True
    ring[10:30, 10:30] = False
    assert fill_holes(ring)[20, 20]
    bay = ring.copy()
    bay[15:25, 25:40] = False  # the hole opens through the ring to the frame's right side
    assert not fill_holes(bay)[20, 20] and fill_holes(bay).sum() == bay.sum()
