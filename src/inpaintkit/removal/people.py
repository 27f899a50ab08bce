"""People back end: MediaPipe selfie segmentation, split into one instance per person.

The thesis segments people with PointRend on Mask R-CNN (§5.3.2), whose weights are not
on this machine. MediaPipe 0.10.21 ships its selfie-segmentation model inside the wheel
(later versions do not), so it runs offline with nothing to download. It gives one soft
"person" probability map, not instances, and it was trained on people filling the frame.
Two choices follow, neither from the thesis:

- **Second looks.** A person far from the camera is a few pixels wide at the model's
  256×256 input and is often missed. We run the model again on four overlapping corner
  tiles and on a square (half the short side) around each click, and add the people those
  crops see *whole* (see :meth:`PeopleSegmenter.probability`).
- **Instances from one mask.** Connected components of the thresholded map, each split
  further where the mask itself shows a narrow "neck" between two bodies (distance-
  transform watershed, see :func:`split_at_necks`). Two people who overlap with no neck
  stay one instance: the mask does not allow more.

- **Faces make people.** The model is a foreground segmenter trained on people; on photos
  *without* people it often marks the main subject (an apple, a chick, a whole macro
  foreground: 26 of the 56 such photos of the shared set). So a component counts as a
  person only when MediaPipe's face detector (same wheel, :mod:`.faces`) finds a face on
  it, or, seen from behind, when it has a body's geometry (see :func:`has_body_shape`);
  anything else is left to the object back end. A component with faces is split into one
  person per face (see :func:`split_by_faces`): a face-seeded watershed on the colour
  gradient, each person clipped to a body-sized box around the face. When unsure it takes
  less: pixels outside every body box belong to no one, and a click there goes to the
  object back end.
- **Parts the model misses.** It often leaves out shaded clothes and what a person
  carries; a click there grows an object that holds most of the person yet may miss the
  head. Such an object is joined with that person (see :func:`complete_person`).
"""
from __future__ import annotations

import threading
from typing import Optional, Sequence

import cv2
import numpy as np
from scipy import ndimage
from skimage.feature import peak_local_max
from skimage.segmentation import watershed

from ..third_party_logs import quiet_native_logs
from .faces import Face, FaceDetector
from .gradient import colour_gradient
from .instances import Click, Instance, instance_at
from .photo_memory import PhotoMemory, photo_digest

# The model's input is at most 256 px; feeding it more only costs conversion time.
_MODEL_SIDE = 512
# Looks remembered: a few photos' frames (1.2 MB each at 640×480) and their click squares.
_REMEMBERED_LOOKS = 32
# People lists remembered, per photo and points: a correction asks for the same one twice.
_REMEMBERED_PEOPLE = 32
# How far a person reaches to either side of their face's centre, in face heights: a hand
# on a bent arm held out, a coat held open. At 3 the woman in red holding her jacket open
# (3.75) kept its flap, which stayed in the photo as a red strip beside the fill.
BODY_HALF_WIDTH = 4.5


class PeopleSegmenter:
    """``PeopleSegmenter()(image, clicks) -> list[Instance]`` with label ``"person"``.

    ``model_selection``: 0 = MediaPipe's general 256×256 model (better on whole bodies,
    the default), 1 = its 144×256 landscape model (video calls).
    ``threshold``: probability above which a pixel is a person (0.5, MediaPipe's own).
    ``min_area_fraction``: components smaller than this share of the image are noise.
    ``neck_ratio``: see :func:`split_at_necks`.
    ``min_score``: instances whose mean probability is lower are dropped.
    ``tiles``: also look at four overlapping corner tiles, to find small people.
    The MediaPipe graph is created once and reused under a lock (it is not thread-safe);
    its looks at a photo are remembered (see :meth:`probability`).
    """

    name = "people"

    def __init__(
        self,
        model_selection: int = 0,
        threshold: float = 0.5,
        min_area_fraction: float = 0.0005,
        neck_ratio: float = 0.35,
        min_score: float = 0.7,
        tiles: bool = True,
        faces: Optional[FaceDetector] = None,
    ) -> None:
        self.faces = faces if faces is not None else FaceDetector()
        self.min_score = min_score
        self.tiles = tiles
        self.model_selection = model_selection
        self.threshold = threshold
        self.min_area_fraction = min_area_fraction
        self.neck_ratio = neck_ratio
        self._graph = None
        self._lock = threading.Lock()
        self._looks = PhotoMemory(_REMEMBERED_LOOKS)
        self._people = PhotoMemory(_REMEMBERED_PEOPLE)

    def probability(self, image: np.ndarray, clicks: Sequence[Click] = ()) -> np.ndarray:
        """``H×W`` float32 person probability in [0, 1]: the full frame, plus a second look
        at four overlapping corner tiles (``tiles=True``) and at a square around each click.

        A second look only *adds* people it sees whole: components of the crop's mask that
        touch one of the crop's cut edges (an edge inside the image) are dropped, because
        the model, seeing half a body, also marks the ground next to it (seen on the shared
        photos as rectangular false positives along the cut).

        Each look is remembered per photo (:mod:`.photo_memory`): a correction sends the
        same photo again, and only the squares around its new points are looked at.
        """
        height, width = image.shape[:2]
        digest = photo_digest(image)
        prob = self._looks.get((digest, "frame"), lambda: self._frame_look(image)).copy()
        side = max(16, min(height, width) // 2)
        for x, y in clicks:
            x0 = int(np.clip(x - side // 2, 0, max(0, width - side)))
            y0 = int(np.clip(y - side // 2, 0, max(0, height - side)))
            box = (x0, y0, min(width, x0 + side), min(height, y0 + side))
            _add_look(prob, box, self._looks.get((digest, box), lambda: self._seen_whole(image, box)))
        return prob

    def _frame_look(self, image: np.ndarray) -> np.ndarray:
        """The full frame's probability with the corner tiles' second looks added."""
        prob = self._run(image)
        for box in _corner_tiles(*image.shape[:2]) if self.tiles else []:
            _add_look(prob, box, self._seen_whole(image, box))
        return prob

    def _seen_whole(self, image: np.ndarray, box: tuple[int, int, int, int]) -> Optional[np.ndarray]:
        """The probability of the people seen whole in ``image[box]`` (box-sized, 0 off
        them), or None when the model sees no one there."""
        x0, y0, x1, y1 = box
        height, width = image.shape[:2]
        crop_prob = self._run(image[y0:y1, x0:x1])
        labels, count = ndimage.label(crop_prob > self.threshold)
        if count == 0:
            return None
        cut = np.zeros(labels.shape, bool)
        cut[0, :], cut[-1, :] = y0 > 0, y1 < height
        cut[:, 0] |= x0 > 0
        cut[:, -1] |= x1 < width
        touching = np.unique(labels[cut & (labels > 0)])
        # Keep the soft probabilities of whole components (and their fringe below the
        # threshold, so the max does not carve a hard edge into the full-frame map).
        keep = ndimage.binary_dilation(np.isin(labels, touching, invert=True) & (labels > 0), iterations=3)
        return np.where(keep, crop_prob, 0.0)

    def __call__(self, image: np.ndarray, clicks: Sequence[Click] = ()) -> list[Instance]:
        """Every confirmed person: by a face on it, or by a body's shape. Remembered per
        photo and points: the pipeline asks twice for a correction whose add points need
        objects of their own (see :func:`.pipeline._instances`)."""
        key = (photo_digest(image), tuple((int(x), int(y)) for x, y in clicks))
        # Copies: a remembered mask must not change with the caller's.
        return [Instance(person.mask.copy(), person.label, person.score)
                for person in self._people.get(key, lambda: self._people_in(image, clicks))]

    def _people_in(self, image: np.ndarray, clicks: Sequence[Click]) -> list[Instance]:
        """:meth:`__call__` computed afresh."""
        prob = self.probability(image, clicks)
        person = prob > self.threshold
        min_area = max(4, int(self.min_area_fraction * person.size))
        faces = self.faces(image, clicks) if person.any() else []
        instances = []
        for mask in split_at_necks(person, self.neck_ratio):
            score = float(prob[mask].mean())
            # Real people score 0.85–0.98 on the shared photos; railings, leaves and
            # shadows that cross 0.5 here and there average 0.5–0.62.
            if np.count_nonzero(mask) < min_area or score < self.min_score:
                continue
            on_it = [face for face in faces if mask[face.centre[1], face.centre[0]]]
            if on_it:
                instances += [Instance(part, "person", score) for part in split_by_faces(image, mask, on_it)]
            elif has_body_shape(mask):
                instances.append(Instance(mask, "person", score))
        return instances

    def _run(self, image: np.ndarray) -> np.ndarray:
        """MediaPipe on ``image`` (uint8 RGB, any size), probability resized back to it."""
        height, width = image.shape[:2]
        scale = min(1.0, _MODEL_SIDE / max(height, width))
        small = image
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        # MediaPipe's C++ logs three lines on its first run, even on success.
        with self._lock, quiet_native_logs():
            result = self._graph_instance().process(np.ascontiguousarray(small))
        prob = np.asarray(result.segmentation_mask, dtype=np.float32)
        if prob.shape != (height, width):
            prob = cv2.resize(prob, (width, height), interpolation=cv2.INTER_LINEAR)
        return np.clip(prob, 0.0, 1.0)

    def _graph_instance(self):
        if self._graph is None:
            # Imported here: mediapipe takes ~3 s to import and only this back end needs it.
            from mediapipe.python.solutions.selfie_segmentation import SelfieSegmentation

            self._graph = SelfieSegmentation(model_selection=self.model_selection)
        return self._graph


def _add_look(prob: np.ndarray, box: tuple[int, int, int, int], look: Optional[np.ndarray]) -> None:
    """Max a second look at ``box`` into ``prob`` (in place)."""
    if look is not None:
        x0, y0, x1, y1 = box
        window = prob[y0:y1, x0:x1]
        np.maximum(window, look, out=window)


def _corner_tiles(height: int, width: int, fraction: float = 0.6) -> list[tuple[int, int, int, int]]:
    """Four (x0, y0, x1, y1) tiles, ``fraction`` of each side, one per corner: they
    overlap by 20 % so that anyone up to ~40 % of the frame is whole in at least one."""
    tile_h, tile_w = max(1, int(height * fraction)), max(1, int(width * fraction))
    return [(x0, y0, x0 + tile_w, y0 + tile_h) for y0 in (0, height - tile_h) for x0 in (0, width - tile_w)]


def split_at_necks(mask: np.ndarray, neck_ratio: float = 0.35) -> list[np.ndarray]:
    """Split a binary mask into instances: connected components, then narrow necks.

    ``mask``: ``H×W`` bool. Returns a list of ``H×W`` bool masks that partition it.

    Inside each component, every local maximum of the distance transform ``d`` (the
    centre of a "blob": a torso, a head) seeds a watershed on ``−d``. Two neighbouring
    regions are then merged back unless the widest point of their shared border (the
    "saddle" ``d_s``) is narrower than ``neck_ratio`` × the thinner blob's radius
    ``min(d_a, d_b)``. A human neck is about half as wide as the head, so a ratio below
    0.5 keeps heads on their bodies while two people touching at a hand or shoulder
    (a contact much narrower than either torso) come apart. The value 0.35 was chosen by
    eye on the shared photos; the thesis has no equivalent (PointRend gives instances).
    """
    labels, count = ndimage.label(mask)
    parts: list[np.ndarray] = []
    for index, box in enumerate(ndimage.find_objects(labels), start=1):
        # Work inside the component's bounding box (plus a 1 px frame so the distance
        # transform sees the outside): a person is a small part of most photos.
        box = tuple(slice(max(0, s.start - 1), s.stop + 1) for s in box)
        for piece in _split_component(labels[box] == index, neck_ratio):
            part = np.zeros(mask.shape, bool)
            part[box] = piece
            parts.append(part)
    return parts


def _split_component(component: np.ndarray, neck_ratio: float) -> list[np.ndarray]:
    # OpenCV's 5×5-mask distance is within 2 % of the exact Euclidean one, 5× faster.
    distance = cv2.distanceTransform(component.astype(np.uint8), cv2.DIST_L2, 5)
    radius = float(distance.max())
    if radius < 3:  # too thin to have necks worth finding
        return [component]
    peaks = peak_local_max(distance, min_distance=max(3, int(radius / 2)), labels=component.astype(int))
    if len(peaks) < 2:
        return [component]
    markers = np.zeros(component.shape, dtype=np.int32)
    markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
    regions = watershed(-distance, markers, mask=component)
    groups = _merge_wide_contacts(regions, distance, len(peaks), neck_ratio)
    return [np.isin(regions, members) for members in groups]


def _merge_wide_contacts(
    regions: np.ndarray, distance: np.ndarray, count: int, neck_ratio: float
) -> list[list[int]]:
    """Union-find over watershed regions: merge pairs whose contact is not a neck."""
    # Each region's largest distance (``ndimage.maximum`` gives the same, but sorts the
    # whole box to find it: twenty times slower on a person's component).
    peak = np.zeros(count + 1, distance.dtype)
    np.maximum.at(peak, regions.ravel(), distance.ravel())
    peak = peak[1:]
    saddle = _saddles(regions, distance)
    parent = list(range(count + 1))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    # Widest contacts first, so merged groups are judged by their best blob.
    for (a, b), width in sorted(saddle.items(), key=lambda item: -item[1]):
        if width >= neck_ratio * min(peak[a - 1], peak[b - 1]):
            parent[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for label in range(1, count + 1):
        groups.setdefault(find(label), []).append(label)
    return list(groups.values())


def _saddles(regions: np.ndarray, distance: np.ndarray) -> dict[tuple[int, int], float]:
    """For each pair of 4-adjacent regions, the largest distance value on their border."""
    keys, values = [], []
    for a, b, da, db in (
        (regions[:-1], regions[1:], distance[:-1], distance[1:]),
        (regions[:, :-1], regions[:, 1:], distance[:, :-1], distance[:, 1:]),
    ):
        border = (a != b) & (a > 0) & (b > 0)
        low, high = np.minimum(a[border], b[border]), np.maximum(a[border], b[border])
        keys.append(low.astype(np.int64) * (int(regions.max()) + 1) + high)
        values.append(np.minimum(da, db)[border])
    keys, values = np.concatenate(keys), np.concatenate(values)
    if keys.size == 0:
        return {}
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    widest = np.maximum.reduceat(values, starts)
    base = int(regions.max()) + 1
    return {(int(k // base), int(k % base)): float(w) for k, w in zip(keys[starts], widest)}


def complete_person(found: Instance, people: Sequence[Instance], share: float = 0.5) -> Instance:
    """``found``, an object grown from a click off every person, joined with the one person
    it holds at least ``share`` of; otherwise ``found`` unchanged.

    The people model marks the parts of a person it knows (a head, a lit sleeve) and often
    misses shaded clothes and what a person carries, so a click there falls through to the
    object back end. Its object then holds most of the person but knows nothing of people
    and may miss the rest (the head, whose colours differ from the shirt's): the person's
    own mask completes it. An object that holds less of a person is something beside them
    (a bag, a table) and keeps its own outline; one that holds most of several people is
    a group read as one object, and joining them would take more, not less.
    """
    held = [person for person in people if np.count_nonzero(found.mask & person.mask) >= share * person.area]
    if len(held) != 1:
        return found
    person = held[0]
    return Instance(found.mask | person.mask, person.label, person.score, found.sure, found.seed)


def person_at(segmenter: PeopleSegmenter, image: np.ndarray, click: Click) -> Optional[Instance]:
    """The person under ``click`` (click-centred second look included), or None."""
    return instance_at(segmenter(image, [click]), click)


def has_body_shape(mask: np.ndarray, max_fraction: float = 0.25) -> bool:
    """Whether a face-less component looks like a person seen from behind or afar:
    upright (taller than wide), at most ``max_fraction`` of the photo, and with a head
    (its top eighth narrower than its widest row, the shoulders)."""
    ys, xs = np.nonzero(mask)
    if ys.size == 0 or ys.size > max_fraction * mask.size:
        return False
    height, width = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
    if height < 1.3 * width:
        return False
    rows = np.bincount(ys - ys.min(), minlength=height)
    head = rows[: max(1, height // 8)].max()
    return bool(head < 0.8 * rows.max())


def split_by_faces(image: np.ndarray, mask: np.ndarray, faces: Sequence[Face]) -> list[np.ndarray]:
    """One ``H×W`` bool mask per face in ``mask`` (``H×W`` bool), never overlapping.

    Markers: each face box, shrunk to its middle, and a short strip below it (the neck and
    chest); a watershed on the colour gradient grows them over the mask, so two people who
    overlap part along the strongest edge between them. Each person is then clipped to a
    body-sized box around their face (``BODY_HALF_WIDTH`` face heights to either side, 1
    above, 9 below), and what no face claims is dropped: a click there gets the object back
    end or "nothing", never a neighbour.
    """
    height, width = mask.shape
    markers = np.zeros(mask.shape, np.int32)
    bodies = np.zeros((len(faces),) + mask.shape, bool)
    for index, face in enumerate(faces, start=1):
        fw, fh = face.x1 - face.x0, face.height
        cx, cy = face.centre
        markers[max(0, cy - fh // 4):cy + fh // 4 + 1, max(0, cx - fw // 4):cx + fw // 4 + 1] = index
        markers[face.y1:min(height, face.y1 + fh), max(0, cx - fw // 6):cx + fw // 6 + 1] = index
        reach = int(BODY_HALF_WIDTH * fh)
        bodies[index - 1, max(0, face.y0 - fh):min(height, face.y0 + 9 * fh),
               max(0, cx - reach):min(width, cx + reach)] = True
    markers[~mask] = 0
    if len(faces) == 1:
        regions = np.where(mask, 1, 0)
    else:
        regions = watershed(colour_gradient(image, blur=5), markers, mask=mask)
    parts = [(regions == index) & bodies[index - 1] for index in range(1, len(faces) + 1)]
    parts = [_component_with(part, markers == index) for index, part in enumerate(parts, start=1)]
    return [part for part in parts if part.any()]


def _component_with(mask: np.ndarray, seed: np.ndarray) -> np.ndarray:
    """The components of ``mask`` that touch ``seed``."""
    labels, _ = ndimage.label(mask)
    keep = np.unique(labels[seed & mask])
    return np.isin(labels, keep[keep > 0])

