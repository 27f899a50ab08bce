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


# ---- faces make people, one person per face --------------------------------------------

class StubPeople(PeopleSegmenter):
    """The people back end with a given probability map and given faces (no MediaPipe)."""

    def __init__(self, probability, faces):
        super().__init__(faces=lambda image, clicks: list(faces), tiles=False)
        self._probability = probability

    def probability(self, image, clicks=()):
        return self._probability


def _group_of_three():
    """Three people shoulder to shoulder, torsos overlapping (no neck between them), in
    red, green and blue shirts on grey. Returns (image, visible masks, faces)."""
    from inpaintkit.removal.faces import Face

    height, width = 160, 220
    image = np.full((height, width, 3), 120, np.uint8)
    visible = [np.zeros((height, width), bool) for _ in range(3)]
    faces = []
    for index, (cx, shirt) in enumerate([(60, (200, 40, 40)), (110, (40, 170, 60)), (160, (50, 70, 200))]):
        person = np.zeros((height, width), np.uint8)
        cv2.circle(person, (cx, 44), 14, 1, -1)                       # head, on its neck
        cv2.rectangle(person, (cx - 32, 56), (cx + 32, 159), 1, -1)   # torso, overlapping the next
        body = person > 0
        head = np.zeros_like(body)
        cv2.circle(head.view(np.uint8), (cx, 44), 14, 1, -1)
        image[body] = shirt
        image[head] = (225, 180, 150)
        for earlier in visible:
            earlier &= ~body  # later people stand in front
        visible[index] = body
        faces.append(Face(cx - 12, 32, cx + 12, 58, 0.9))
    return image, visible, faces


def test_a_click_in_a_group_takes_that_person_and_no_one_else():
    image, visible, faces = _group_of_three()
    union = np.any(visible, axis=0)
    people = StubPeople(np.where(union, 0.95, 0.02).astype(np.float32), faces)
    instances = people(image, [(60, 100)])
    assert len(instances) == 3
    for truth, face in zip(visible, faces):
        person = instance_at(instances, face.centre)
        iou = (person.mask & truth).sum() / (person.mask | truth).sum()
        assert iou >= 0.9, iou
        others = [f for f in faces if f is not face]
        assert not any(person.mask[f.centre[1], f.centre[0]] for f in others)


def test_a_person_keeps_an_arm_held_out_but_not_what_lies_beyond_a_body_s_reach():
    from inpaintkit.removal.faces import Face

    image = np.full((200, 300, 3), 120, np.uint8)
    mask = np.zeros((200, 300), np.uint8)
    cv2.circle(mask, (200, 40), 14, 1, -1)              # head, face 20 px high
    cv2.rectangle(mask, (170, 54), (230, 199), 1, -1)   # torso
    cv2.rectangle(mask, (120, 90), (170, 104), 1, -1)   # an arm held out: its hand 4 face heights off
    cv2.rectangle(mask, (20, 100), (110, 199), 1, -1)   # a bench it rests on, 5–9 face heights off
    image[mask > 0] = (200, 40, 40)
    people = StubPeople(np.where(mask > 0, 0.95, 0.02).astype(np.float32), [Face(190, 30, 210, 50, 0.9)])
    (person,) = people(image, [(200, 120)])
    assert person.mask[97, 122] and person.mask[150, 200]   # the hand, the torso
    assert not person.mask[150, 40]                          # not the bench beyond the reach


def test_foreground_without_a_face_or_a_body_shape_is_not_a_person():
    image = np.full((120, 160, 3), 90, np.uint8)
    apple = np.zeros((120, 160), np.uint8)
    cv2.circle(apple, (80, 60), 50, 1, -1)  # round, most of the frame, no face
    people = StubPeople(np.where(apple > 0, 0.97, 0.01).astype(np.float32), [])
    assert people(image, [(80, 60)]) == []
    upright = np.zeros((120, 160), np.uint8)
    cv2.circle(upright, (80, 28), 10, 1, -1)
    cv2.rectangle(upright, (62, 36), (98, 115), 1, -1)  # a head on shoulders, seen from behind
    people = StubPeople(np.where(upright > 0, 0.97, 0.01).astype(np.float32), [])
    assert len(people(image, [(80, 60)])) == 1


# ---- a click on the part of a person the people model missed ---------------------------

class _Given:
    """A back end that returns given instances: the people it "sees", or for each click
    the object a colour-grown search would find there (``objects``: click -> mask)."""

    name = "given"

    def __init__(self, people=(), objects=None):
        self.people, self.objects = list(people), dict(objects or {})

    def __call__(self, image, clicks):
        from inpaintkit.removal.instances import Instance

        found = [Instance(self.objects[c], "object", 1.0, True, c) for c in clicks if c in self.objects]
        return [Instance(mask, "person", 0.9) for mask in self.people] + found


def _climber_with_a_bag():
    """A person seen from behind: a dark head, a lit sleeve and a shaded back in one
    shirt, and a bag standing against the back. The people model marks the head, the
    sleeve and the shoulders only (as it does with shaded clothes); an object search from
    the shaded back finds the shirt (sleeve and back) but not the head, whose colours are
    not the shirt's. Returns (image, person, marked, shirt, bag) as bool masks."""
    height, width = 160, 200
    image = np.full((height, width, 3), 120, np.uint8)
    head, sleeve, back, bag = (np.zeros((height, width), np.uint8) for _ in range(4))
    cv2.circle(head, (80, 40), 14, 1, -1)
    cv2.rectangle(sleeve, (50, 55), (69, 140), 1, -1)
    cv2.rectangle(back, (70, 55), (120, 140), 1, -1)
    cv2.rectangle(bag, (121, 95), (150, 140), 1, -1)
    head, sleeve, back, bag = (m > 0 for m in (head, sleeve, back, bag))
    image[head], image[sleeve], image[back], image[bag] = (50, 40, 35), (235, 235, 230), (150, 150, 145), (120, 70, 30)
    person = head | sleeve | back
    marked = head | sleeve | (back & (np.arange(height)[:, None] < 75))
    return image, person, marked, sleeve | back, bag


def test_a_click_on_a_missed_part_of_a_person_takes_the_whole_person():
    from inpaintkit.removal.pipeline import AutoSegmenter, segment

    image, person, marked, shirt, bag = _climber_with_a_bag()
    click = (100, 110)  # the shaded back, off the people mask
    assert not marked[click[1], click[0]]
    backend = AutoSegmenter(_Given(people=[marked]), _Given(objects={click: shirt}))
    selection = segment(image, [click], backend=backend, dilation=0)
    iou = (selection & person).sum() / (selection | person).sum()
    assert iou >= 0.98, iou               # the object alone (no head) scores 0.91
    assert selection[40, 80]              # the head, which only the people model saw
    assert not (selection & bag).any()


def test_an_object_beside_a_person_keeps_its_own_outline():
    from inpaintkit.removal.pipeline import AutoSegmenter, segment

    image, person, marked, shirt, bag = _climber_with_a_bag()
    click = (135, 120)  # the bag; its search also took a strip of the back beside it
    grown = bag | (person & (np.arange(person.shape[1])[None, :] >= 115))
    backend = AutoSegmenter(_Given(people=[marked]), _Given(objects={click: grown}))
    selection = segment(image, [click], backend=backend, dilation=0)
    assert selection.sum() == grown.sum() and not selection[40, 80]


def test_an_object_holding_most_of_two_people_is_not_joined_to_either():
    from inpaintkit.removal.instances import Instance
    from inpaintkit.removal.people import complete_person

    left, right = np.zeros((60, 100), bool), np.zeros((60, 100), bool)
    left[10:50, 10:45], right[10:50, 55:90] = True, True
    group = np.zeros_like(left)
    group[20:50, 10:90] = True  # both bodies, without their tops
    found = Instance(group, "object", 1.0, True, (50, 30))
    people = [Instance(left, "person", 0.9), Instance(right, "person", 0.9)]
    assert complete_person(found, people) is found
    one = complete_person(found, people[:1])
    assert one.label == "person" and one.seed == (50, 30)
    assert one.mask.sum() == (group | left).sum()
