"""People back end: instance splitting on synthetic masks, MediaPipe on the test photos."""
import cv2
import numpy as np
import pytest

from inpaintkit.removal.instances import instance_at
from inpaintkit.removal.people import PeopleSegmenter, split_at_necks


def _disc(mask, centre, radius):
    cv2.circle(mask, centre, radius, 1, -1)


def test_two_bodies_touching_at_a_narrow_contact_are_split():
    mask = np.zeros((80, 140), np.uint8)
    _disc(mask, (40, 40), 25)
    _disc(mask, (100, 40), 25)
    mask[36:44, 60:80] = 1  # a hand-sized bridge, 8 px wide vs 25 px radius bodies
    parts = split_at_necks(mask > 0)
    assert len(parts) == 2
    assert sum(part.sum() for part in parts) == (mask > 0).sum()  # a partition
    left = next(part for part in parts if part[40, 40])
    assert not left[40, 100] and left[40, 20]


def test_a_head_on_its_neck_stays_with_the_body():
    mask = np.zeros((120, 80), np.uint8)
    _disc(mask, (40, 25), 14)              # head, radius 14
    mask[35:55, 33:47] = 1                 # neck, half-width 7 = half the head radius
    cv2.ellipse(mask, (40, 85), (30, 35), 0, 0, 360, 1, -1)  # torso
    parts = split_at_necks(mask > 0)
    assert len(parts) == 1


def test_separate_components_are_separate_instances():
    mask = np.zeros((50, 100), bool)
    mask[10:40, 5:30] = True
    mask[10:40, 60:95] = True
    assert len(split_at_necks(mask)) == 2


@pytest.fixture(scope="module")
def people():
    return PeopleSegmenter()


def _read(photos_dir, name):
    return cv2.cvtColor(cv2.imread(str(photos_dir / name)), cv2.COLOR_BGR2RGB)


def test_cameraman_is_one_person_and_the_sky_is_not(people, photos_dir):
    image = _read(photos_dir, "camera.jpg")
    instances = people(image, [(150, 300)])
    person = instance_at(instances, (150, 300))
    assert person is not None and person.label == "person" and person.score > 0.85
    # The coat, the head and the hands are one instance; checked by eye on an overlay:
    # about a third of the 512×512 frame.
    assert 0.25 < person.area / image[..., 0].size < 0.45
    assert person.mask[100, 200]            # the head
    assert not person.mask[50, 400]         # sky
    assert instance_at(instances, (450, 420)) is None  # lawn


def test_two_people_side_by_side_are_two_instances(people, photos_dir):
    # 640×320: the astronaut (left half) beside the cameraman (right half).
    image = _read(photos_dir, "two-people.jpg")
    instances = people(image, [(140, 250), (420, 150)])
    woman, man = instance_at(instances, (140, 250)), instance_at(instances, (420, 150))
    assert woman is not None and man is not None and woman is not man
    assert woman.score > 0.85 and man.score > 0.85
    assert not (woman.mask & man.mask).any()
    assert 0.25 < woman.area / image[..., 0].size < 0.4  # her helmet included
    assert 0.12 < man.area / image[..., 0].size < 0.25
    assert instance_at(instances, (600, 60)) is None  # the sky behind him


def test_the_astronaut_is_one_person_with_her_helmet(people, photos_dir):
    image = _read(photos_dir, "astronaut.jpg")
    instances = people(image, [(250, 300)])
    person = instance_at(instances, (250, 300))
    assert person is not None and person.score > 0.85
    assert 0.45 < person.area / image[..., 0].size < 0.65  # checked by eye on an overlay
    assert person.mask[120, 220] and person.mask[420, 380]  # her face, the helmet she holds
    assert not person.mask[40, 450] and instance_at(instances, (60, 60)) is None  # backdrop, flag
