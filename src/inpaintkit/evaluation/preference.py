"""Blind pairwise preference tests: two fills of one hole side by side, judged by people
who do not know which method made which.

PSNR and SSIM reward the fill that is right on average, which is a blur; whether a fill
looks like a real photo is a question for the eye. The user studies of LaMa and CoModGAN
ask it this way: show two results of the same input, in random order, and count which one
judges prefer.

Writing (:func:`write_pairs`): for every case (a photo and its hole) and every method pair,
one ``pair-NNN.png`` shows the two fills cut around the hole (its bounding box plus a
margin), scaled to a readable size, left panel "A", right panel "B"; ticks in the border
mark the hole's extent, the same on both sides. Which method goes left is drawn at random,
balanced within each method pair (judges who favour one side do not favour a method), and
the pair numbers are shuffled across cases and method pairs, so neither numbering nor file
order says anything. The pairs folder holds the images, ``INSTRUCTIONS.md`` and an answers
template, and no method name anywhere (file names, pixels, PNG metadata). The key (pair →
case, left method, right method) is a JSON file that must lie outside that folder.

Scoring (:func:`score`): answer files (one judge each, lines ``pair-001 A reason``) are
joined with the key. For each method pair: the wins of each method, ties (``=``/``tie``,
counted as half a win), the first method's win rate and its 95 % Wilson score interval;
with several judges, each judge's own row and the agreement of every two judges
(fraction of shared pairs answered alike, and Cohen's kappa).
"""
from __future__ import annotations

import json
import math
import os
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence

import cv2
import numpy as np

from ..errors import UserError
from ..image_io import check_creatable, images_by_stem, read_image, read_mask, save_image

# Layout of a pair image: a band for the letters, a border round each panel (where the
# hole's extent is ticked, so no mark covers a pixel of the fill), a gap between panels.
LABEL_BAND, BORDER, GAP = 40, 12, 24
BACKGROUND, TICK, LETTER = 40, 190, 255
# Small crops are enlarged to this height; large ones shrunk so no side exceeds the maximum.
PANEL_MIN_HEIGHT, PANEL_MAX_SIDE = 512, 1024
# The margin of context around the hole: this fraction of its larger side, at least MIN px.
MARGIN_FRACTION, MIN_MARGIN = 0.5, 16
SIDES = ("A", "B")
KEY_FORMAT = "inpaintkit preference key 1"
TIE = "="
Z_95 = 1.959963984540054  # the standard normal's 97.5 % quantile


# --- cases and pair images ------------------------------------------------------------

@dataclass
class PairCase:
    """One photo and hole as the judges see it: ``mask`` (bool ``h×w``) and ``fills``
    (method → uint8 ``h×w×3``), already cut to the view around the hole. ``name`` goes
    into the key only."""

    name: str
    mask: np.ndarray
    fills: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def around_hole(cls, name: str, mask: np.ndarray, fills: Mapping[str, np.ndarray]) -> "PairCase":
        """A case cut from full images (``mask`` ``H×W``, non-zero = hole) to the hole's view."""
        view = hole_view(mask)
        return cls(name, np.asarray(mask)[view] != 0, {m: np.ascontiguousarray(f[view]) for m, f in fills.items()})


def hole_view(mask: np.ndarray) -> tuple[slice, slice]:
    """The hole's bounding box grown by the context margin, clipped to the image; the
    whole image when there is no hole."""
    rows, cols = np.nonzero(mask)
    if not rows.size:
        return slice(None), slice(None)
    height, width = mask.shape
    span = max(rows.max() - rows.min(), cols.max() - cols.min()) + 1
    pad = max(MIN_MARGIN, round(MARGIN_FRACTION * span))
    return (slice(max(0, rows.min() - pad), min(height, rows.max() + 1 + pad)),
            slice(max(0, cols.min() - pad), min(width, cols.max() + 1 + pad)))


class FillCollector:
    """Gathers a benchmark's fills as they are made (the runner's ``on_fill``), each case
    cut to its hole's view at once, for the chosen ``methods`` and, when given, only the
    cases whose group label is in ``groups``."""

    def __init__(self, methods: Iterable[str], groups: Optional[Iterable[str]] = None):
        self.methods = set(methods)
        self.groups = None if groups is None else set(groups)
        self.cases: dict[str, PairCase] = {}

    def __call__(self, case, method: str, filled: Optional[np.ndarray]) -> None:
        """``case``: a :class:`~inpaintkit.evaluation.protocols.Case`; ``filled``: the
        composited output, None where the method failed."""
        if method not in self.methods or filled is None or (self.groups is not None and case.group not in self.groups):
            return
        name = f"{case.protocol} {case.group} {case.photo}"
        view = hole_view(case.mask)
        entry = self.cases.setdefault(name, PairCase(name, case.mask[view] != 0))
        entry.fills[method] = np.ascontiguousarray(filled[view])


def read_result_pairs(folder_a: Path, folder_b: Path, mask_dir: Path, photo_dir: Optional[Path],
                      names: tuple[str, str]) -> tuple[list[PairCase], list[str]]:
    """Cases from two results folders of the same holes, files paired by name with the
    masks (and photos): ``names`` are the two methods' names. With ``photo_dir`` each
    result is pasted into its photo inside the mask, so a tool that also changed pixels
    outside the hole is not told apart by them. Returns the cases and one sentence per
    kind of file left out."""
    folders = [images_by_stem(folder_a, "results folder"), images_by_stem(folder_b, "results folder"),
               images_by_stem(mask_dir, "mask folder")]
    if photo_dir is not None:
        folders.append(images_by_stem(photo_dir, "photo folder"))
    stems = sorted(set.intersection(*(set(f) for f in folders)))
    notes = []
    lonely = sorted((set(folders[0]) | set(folders[1])) - set(stems))
    if lonely:
        notes.append(f"{len(lonely)} results have no partner, mask or photo of the same name "
                     f"(e.g. {lonely[0]}); they were left out.")
    cases, empty = [], []
    for stem in stems:
        first = read_image(folders[0][stem], "result")
        second = read_image(folders[1][stem], "result")
        if second.shape != first.shape:
            raise UserError(f"the two results named {stem} differ in size ({first.shape[1]}×{first.shape[0]} "
                            f"and {second.shape[1]}×{second.shape[0]}); they must fill the same photo.")
        mask = read_mask(folders[2][stem], first.shape[:2])
        if not mask.any():
            empty.append(stem)
            continue
        if photo_dir is not None:
            photo = read_image(folders[3][stem], "photo")
            if photo.shape != first.shape:
                raise UserError(f"the photo {stem} is not the size of its results.")
            first, second = (np.where(mask[:, :, None], fill, photo) for fill in (first, second))
        cases.append(PairCase.around_hole(stem, mask, {names[0]: first, names[1]: second}))
    if empty:
        notes.append(f"{len(empty)} masks are empty (e.g. {empty[0]}); those results were left out.")
    return cases, notes


def panel_size(height: int, width: int) -> tuple[int, int]:
    """(height, width) of a panel showing an ``height×width`` view."""
    scale = min(max(1.0, PANEL_MIN_HEIGHT / height), PANEL_MAX_SIDE / max(height, width))
    return max(1, round(height * scale)), max(1, round(width * scale))


def scale_view(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` at ``size`` = (h, w): enlarged by nearest neighbour, so the fill's own
    pixels are shown and no interpolation smooths or sharpens them; shrunk by area."""
    height, width = size
    if (height, width) == image.shape[:2]:
        return image
    grows = height > image.shape[0]
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_NEAREST if grows else cv2.INTER_AREA)


def panel_origin(side: int, size: tuple[int, int]) -> tuple[int, int]:
    """(top, left) of panel ``side`` (0 = A, 1 = B) in a pair image of panels of ``size``."""
    return LABEL_BAND + BORDER, BORDER + side * (size[1] + 2 * BORDER + GAP)


def render_pair(case: PairCase, left: str, right: str) -> np.ndarray:
    """The pair image: ``left``'s fill as panel A, ``right``'s as panel B (uint8 RGB)."""
    size = panel_size(*case.mask.shape)
    height, width = size
    canvas = np.full((LABEL_BAND + height + 2 * BORDER, 2 * (width + 2 * BORDER) + GAP, 3), BACKGROUND, np.uint8)
    for side, method in enumerate((left, right)):
        top, start = panel_origin(side, size)
        canvas[top:top + height, start:start + width] = scale_view(case.fills[method], size)
        _tick_hole(canvas, case.mask, top, start, size)
        _letter(canvas, SIDES[side], start + width // 2)
    return canvas


def _tick_hole(canvas: np.ndarray, mask: np.ndarray, top: int, left: int, size: tuple[int, int]) -> None:
    """Lines in the border beside the panel along the hole's rows and columns."""
    rows, cols = np.nonzero(mask)
    if not rows.size:
        return
    scale_y, scale_x = size[0] / mask.shape[0], size[1] / mask.shape[1]
    y0, y1 = top + int(rows.min() * scale_y), top + int(math.ceil((rows.max() + 1) * scale_y))
    x0, x1 = left + int(cols.min() * scale_x), left + int(math.ceil((cols.max() + 1) * scale_x))
    middle = BORDER // 2
    canvas[top - middle - 1:top - middle + 1, x0:x1] = TICK
    canvas[top + size[0] + middle - 1:top + size[0] + middle + 1, x0:x1] = TICK
    canvas[y0:y1, left - middle - 1:left - middle + 1] = TICK
    canvas[y0:y1, left + size[1] + middle - 1:left + size[1] + middle + 1] = TICK


def _letter(canvas: np.ndarray, text: str, centre_x: int) -> None:
    font, scale, thickness = cv2.FONT_HERSHEY_SIMPLEX, 1.0, 2
    (width, height), _ = cv2.getTextSize(text, font, scale, thickness)
    origin = (centre_x - width // 2, (LABEL_BAND + height) // 2)
    cv2.putText(canvas, text, origin, font, scale, (LETTER,) * 3, thickness, cv2.LINE_AA)


# --- the key: which pair shows what ---------------------------------------------------

@dataclass(frozen=True)
class Pairing:
    """One pair image: ``case`` with ``left`` (A) and ``right`` (B)."""

    pair: str
    case: str
    left: str
    right: str


def plan_pairs(cases: Sequence[PairCase], method_pairs: Sequence[tuple[str, str]],
               seed: int) -> tuple[list[Pairing], int]:
    """The pairings in pair-number order, and how many (case, method pair) were left out
    because a method has no fill there (it failed).

    Sides are balanced within each method pair (half its pairs show the first method
    left, at random which half); the numbering is one random permutation of all pairs.
    """
    rng = np.random.default_rng(seed)
    items, missing = [], 0
    for first, second in method_pairs:
        usable = [c for c in cases if first in c.fills and second in c.fills]
        missing += len(cases) - len(usable)
        first_left = rng.permutation(np.arange(len(usable)) < (len(usable) + 1) // 2)
        items += [(c.name, first, second) if left else (c.name, second, first) for c, left in zip(usable, first_left)]
    digits = max(3, len(str(len(items))))
    order = rng.permutation(len(items))
    return [Pairing(f"pair-{n + 1:0{digits}d}", *items[i]) for n, i in enumerate(order)], missing


def default_key_path(pairs_dir: Path) -> Path:
    """``<pairs>.key.json`` beside the pairs folder."""
    pairs_dir = Path(pairs_dir)
    return pairs_dir.with_name(pairs_dir.name + ".key.json")


def check_destination(pairs_dir: Path, key_path: Path) -> None:
    """Refuse a key inside the pairs folder (judges would see it), a pairs folder that
    already holds files, a key that exists (old pairs or answers and a new key would
    not match) and either one where it could not be created."""
    pairs_dir, key_path = Path(pairs_dir), Path(key_path)
    check_creatable(pairs_dir, "pairs folder")
    check_creatable(key_path, "key")
    if key_path.resolve().is_relative_to(pairs_dir.resolve()):
        raise UserError(f"the key {key_path} would be inside the pairs folder {pairs_dir}, where judges see it; "
                        "put it outside (the default is beside the folder).")
    if pairs_dir.exists() and (not pairs_dir.is_dir() or any(pairs_dir.iterdir())):
        raise UserError(f"{pairs_dir} already exists and is not an empty folder; give a new pairs folder.")
    if key_path.exists():
        raise UserError(f"the key {key_path} already exists; move it away or give another key path, "
                        "so that answers already given to it keep their key.")


def parse_method_pairs(text: Optional[str], names: Mapping[str, str]) -> list[tuple[str, str]]:
    """Method pairs from ``"A:B,C:D"``; ``names`` maps every accepted spelling (a method's
    name, and its spec such as ``model:pyramid``) to the method's name. A colon inside a
    spec is told from the separator by trying each split against ``names``."""
    pairs = []
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        splits = [(item[:i], item[i + 1:]) for i, c in enumerate(item) if c == ":"]
        known = [(names[a.strip()], names[b.strip()]) for a, b in splits if a.strip() in names and b.strip() in names]
        if len(known) != 1:
            raise UserError(f"the method pair {item!r} is not two of the run's methods joined by ':' "
                            f"({', '.join(dict.fromkeys(names.values()))}).")
        pairs.append(known[0])
    return pairs

@dataclass(frozen=True)
class PairsWritten:
    pairs_dir: Path
    key_path: Path
    count: int
    missing: int  # (case, method pair) left out: a method had no fill there


def write_pairs(cases: Sequence[PairCase], method_pairs: Sequence[tuple[str, str]], pairs_dir: Path,
                key_path: Optional[Path] = None, seed: Optional[int] = None) -> PairsWritten:
    """Write the pair images, ``INSTRUCTIONS.md`` and ``answers-template.txt`` into
    ``pairs_dir`` and the key to ``key_path`` (default :func:`default_key_path`).

    ``seed`` (default: drawn at random and kept in the key, so that nobody can rebuild the
    key from the inputs) fixes sides and numbering. Everything is written into a hidden
    folder first and renamed at the end: a failure leaves nothing behind.
    """
    pairs_dir = Path(pairs_dir)
    key_path = Path(key_path) if key_path is not None else default_key_path(pairs_dir)
    check_destination(pairs_dir, key_path)
    _check_method_pairs(method_pairs)
    seed = secrets.randbits(63) if seed is None else int(seed)
    pairings, missing = plan_pairs(cases, method_pairs, seed)
    if not pairings:
        raise UserError("no case has fills of both methods of any chosen pair; nothing to judge.")
    by_name = {c.name: c for c in cases}
    try:
        pairs_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{pairs_dir.name}.", dir=pairs_dir.parent))
    except OSError as error:  # a place the checks could not rule out, such as /proc
        raise UserError(f"cannot write the pairs folder {pairs_dir}: {error.strerror or error}.") from error
    try:
        for pairing in pairings:  # in number order: file times say nothing either
            save_image(render_pair(by_name[pairing.case], pairing.left, pairing.right), staging / f"{pairing.pair}.png")
        (staging / "INSTRUCTIONS.md").write_text(instructions(len(pairings)), encoding="utf-8")
        (staging / "answers-template.txt").write_text("".join(f"{p.pair} \n" for p in pairings), encoding="utf-8")
        _write_key(key_path, pairings, method_pairs, seed)
        if pairs_dir.exists():
            pairs_dir.rmdir()  # empty, checked above
        os.chmod(staging, 0o755)  # mkdtemp's 0700 would hide the pairs from other judges' accounts
        staging.rename(pairs_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return PairsWritten(pairs_dir, key_path, len(pairings), missing)


def _check_method_pairs(method_pairs: Sequence[tuple[str, str]]) -> None:
    if not method_pairs:
        raise UserError("no method pairs to compare; give at least one, e.g. A:B.")
    for first, second in method_pairs:
        if first == second:
            raise UserError(f"the method pair {first}:{second} compares a method with itself.")
    if len(set(method_pairs)) != len(method_pairs):
        raise UserError("a method pair is listed twice.")


def _write_key(path: Path, pairings: list[Pairing], method_pairs, seed: int) -> None:
    data = {
        "format": KEY_FORMAT,
        "seed": seed,
        "method_pairs": [list(p) for p in method_pairs],
        "pairs": {p.pair: {"case": p.case, "left": p.left, "right": p.right} for p in pairings},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(temporary, path)


def instructions(count: int) -> str:
    """What a judge reads: no method names, no hint of which side is which."""
    return f"""# Which side looks like a real photo?

This folder holds {count} images, `pair-001.png` and onwards. Each shows the same part of
one photo twice, side by side: **A** on the left, **B** on the right. A region of the photo
was erased and filled in again, differently on each side; the grey ticks in the border mark
how far that region reaches. Everything else is the same on both sides.

For each pair, decide **which side looks more like a real, unedited photo**. Look at the
filled region and its edges: does texture (grass, water, walls, fabric) continue, do lines
and horizons run on straight, are there smears, flat or blurry patches, seams, repeated
pieces, wrong colours? Decide from the image alone; zoom in as much as you like.
If you truly cannot choose, answer `=`, but pick a side whenever you can.

Answer in a plain text file, one line per pair: the pair, `A` or `B` (or `=`), and a short
reason. `answers-template.txt` lists every pair; fill it in:

    pair-001 A the grass continues; B has a grey smear
    pair-002 B A repeats the same stone twice

Answer every pair, alone: do not look for other files about these images, and do not
compare notes with other judges before you have finished.
"""


def read_key(path: Path) -> dict:
    """A key written by :func:`write_pairs`, checked; one sentence for anything else."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise UserError(f"the key file {path} does not exist.") from error
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UserError(f"{path} is not a preference key (not readable JSON: {error}).") from error
    if not isinstance(data, dict) or data.get("format") != KEY_FORMAT or not isinstance(data.get("pairs"), dict):
        raise UserError(f"{path} is not a preference key written by inpaintkit (benchmark --pairs or preference make).")
    return data


# --- answers and scores ---------------------------------------------------------------

# "pair-001 A reason", "Pair 1: b - reason", "**pair-001** = same": the pair's number, then
# A, B, "=" or "tie" as a word of its own, then anything.
ANSWER_LINE = re.compile(r"^\W*pair[\s_-]*(\d+)\W*?\s*(a|b|=|tie)(?![a-z0-9])\W*(.*)$", re.IGNORECASE)
# "A/B", "A | B", "A or B": two verdicts, not a choice.
SECOND_VERDICT = re.compile(r"^\s*(?:/|\||or\b)\s*(?:a|b|=|tie)(?![a-z0-9])", re.IGNORECASE)


@dataclass(frozen=True)
class Answer:
    pair: str
    choice: str  # "A", "B" or "="
    reason: str
    line: int


def parse_answers(text: str, source: str, pair_ids: Iterable[str]) -> dict[str, Answer]:
    """One judge's answers by pair id. Blank lines and lines starting with ``#`` are
    skipped; a line that is no answer, a pair the key does not have, or a pair answered
    twice is a ``UserError`` naming the file and line (a judgement dropped in silence
    would bias the count)."""
    ids = {int(p.rsplit("-", 1)[1]): p for p in pair_ids}
    answers: dict[str, Answer] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = ANSWER_LINE.match(line)
        if match is None:
            raise UserError(f"{source} line {number} is not an answer like 'pair-001 A reason': {line.strip()[:60]!r}.")
        if SECOND_VERDICT.match(line[match.end(2):]):
            raise UserError(f"{source} line {number} gives two answers; choose one of A, B or '=' (a tie): "
                            f"{line.strip()[:60]!r}.")
        digits, choice, reason = match.groups()
        pair = ids.get(int(digits))
        if pair is None:
            raise UserError(f"{source} line {number} answers pair-{digits}, which the key does not have; "
                            "is this the key of the pairs these answers are about?")
        if pair in answers:
            raise UserError(f"{source} answers {pair} twice (lines {answers[pair].line} and {number}); keep one.")
        choice = choice.upper()
        answers[pair] = Answer(pair, TIE if choice in (TIE, "TIE") else choice, reason.strip(), number)
    if not answers:
        raise UserError(f"{source} holds no answers (lines like 'pair-001 A reason').")
    return answers


def wilson_interval(successes: float, count: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``successes / count`` (ties may make
    ``successes`` a half-integer); (0, 1) when there is nothing to go on."""
    if count <= 0:
        return 0.0, 1.0
    rate, z2 = successes / count, z * z
    centre = (rate + z2 / (2 * count)) / (1 + z2 / count)
    half = z / (1 + z2 / count) * math.sqrt(rate * (1 - rate) / count + z2 / (4 * count * count))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class PreferenceRow:
    """``first`` against ``second`` as judged by ``judge`` (``"all"``: every judge's
    judgements together). ``rate``: the first's wins plus half the ties, over ``count``."""

    first: str
    second: str
    judge: str
    first_wins: int
    second_wins: int
    ties: int
    count: int
    rate: Optional[float]
    low: float
    high: float


@dataclass(frozen=True)
class Agreement:
    """Two judges on the pairs both answered: the fraction answered alike and Cohen's
    kappa (None where it is undefined: both judges always gave one and the same answer)."""

    judges: tuple[str, str]
    shared: int
    agreement: Optional[float]
    kappa: Optional[float]


@dataclass
class PreferenceReport:
    rows: list[PreferenceRow]
    agreements: list[Agreement]
    warnings: list[str]


def score(key: dict, answers_by_judge: Mapping[str, Mapping[str, Answer]]) -> PreferenceReport:
    """Win counts and rates per method pair (per judge and all together), agreement of
    judges, and one sentence per judge who left pairs unanswered."""
    pairs: dict = key["pairs"]
    warnings = [_missing_sentence(judge, answers, pairs) for judge, answers in answers_by_judge.items()]
    rows = []
    for first, second in _method_pairs(key):
        mine = [p for p, entry in pairs.items() if {entry["left"], entry["right"]} == {first, second}]
        judges = list(answers_by_judge) + (["all"] if len(answers_by_judge) > 1 else [])
        for judge in judges:
            answering = answers_by_judge.values() if judge == "all" else [answers_by_judge[judge]]
            winners = [_winner(pairs[p], a[p].choice) for a in answering for p in mine if p in a]
            rows.append(_row(first, second, judge, winners))
    names = list(answers_by_judge)
    agreements = [_agreement((a, b), answers_by_judge[a], answers_by_judge[b])
                  for i, a in enumerate(names) for b in names[i + 1:]]
    return PreferenceReport(rows, agreements, [w for w in warnings if w])


def _method_pairs(key: dict) -> list[tuple[str, str]]:
    listed = [tuple(p) for p in key.get("method_pairs") or []]
    seen = {tuple(sorted((e["left"], e["right"]))) for e in key["pairs"].values()}
    return listed + sorted(p for p in seen if p not in {tuple(sorted(q)) for q in listed})


def _winner(entry: dict, choice: str) -> Optional[str]:
    return None if choice == TIE else entry["left"] if choice == "A" else entry["right"]


def _row(first: str, second: str, judge: str, winners: list[Optional[str]]) -> PreferenceRow:
    first_wins, second_wins = winners.count(first), winners.count(second)
    ties, count = winners.count(None), len(winners)
    points = first_wins + ties / 2
    low, high = wilson_interval(points, count)
    return PreferenceRow(first, second, judge, first_wins, second_wins, ties, count,
                         points / count if count else None, low, high)


def _missing_sentence(judge: str, answers: Mapping[str, Answer], pairs: Mapping) -> Optional[str]:
    missing = [p for p in pairs if p not in answers]
    if not missing:
        return None
    shown = ", ".join(missing[:5]) + (", …" if len(missing) > 5 else "")
    return f"{judge} has no answer for {len(missing)} of {len(pairs)} pairs ({shown}); they are left out."


def _agreement(judges: tuple[str, str], first: Mapping[str, Answer], second: Mapping[str, Answer]) -> Agreement:
    shared = [p for p in first if p in second]
    if not shared:
        return Agreement(judges, 0, None, None)
    a = [first[p].choice for p in shared]
    b = [second[p].choice for p in shared]
    observed = sum(x == y for x, y in zip(a, b)) / len(shared)
    # Cohen's kappa: agreement beyond what each judge's own answer frequencies give by chance.
    chance = sum((a.count(c) / len(a)) * (b.count(c) / len(b)) for c in ("A", "B", TIE))
    kappa = None if chance >= 1 else (observed - chance) / (1 - chance)
    return Agreement(judges, len(shared), observed, kappa)


def markdown_table(report: PreferenceReport) -> str:
    """The win table, then (several judges) the agreement table, as Markdown."""
    lines = ["| first | second | judge | first wins | second wins | ties | n | first preferred | 95 % interval |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in report.rows:
        rate = "–" if r.rate is None else f"{r.rate:.2f}"
        lines.append(f"| {r.first} | {r.second} | {r.judge} | {r.first_wins} | {r.second_wins} | {r.ties} | "
                     f"{r.count} | {rate} | {r.low:.2f}–{r.high:.2f} |")
    if report.agreements:
        lines += ["", "| judges | pairs both answered | agreement | Cohen's kappa |", "|---|---|---|---|"]
        for g in report.agreements:
            agreement = "–" if g.agreement is None else f"{g.agreement:.2f}"
            kappa = "–" if g.kappa is None else f"{g.kappa:.2f}"
            lines.append(f"| {g.judges[0]} & {g.judges[1]} | {g.shared} | {agreement} | {kappa} |")
    return "\n".join(lines) + "\n"
