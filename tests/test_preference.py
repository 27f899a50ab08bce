"""Blind preference tests: pair images show the key's methods on the key's sides, nothing
in the judges' folder names a method, the key stays outside it, a seed fixes the shuffle,
and answers are scored (Wilson intervals, ties, several judges) or refused in one sentence."""
from __future__ import annotations

import json
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from inpaintkit.cli import main
from inpaintkit.errors import UserError
from inpaintkit.evaluation.preference import (
    PANEL_MIN_HEIGHT, PairCase, hole_view, panel_origin, panel_size, parse_answers, parse_method_pairs,
    read_key, render_pair, scale_view, score, wilson_interval, write_pairs,
)

from test_protocols import write_photos

FIRST, SECOND, THIRD = "alphamethod", "betamethod", "gammamethod"
COLOURS = {FIRST: (250, 10, 10), SECOND: (10, 10, 250), THIRD: (10, 250, 10)}


def make_case(name: str, shift: int = 0, size: int = 64) -> PairCase:
    """A gradient photo with a square hole; each method fills it with its own colour."""
    ys, xs = np.mgrid[0:size, 0:size]
    photo = np.stack([xs * 3, ys * 3, np.full_like(xs, 90)], axis=2).astype(np.uint8)
    mask = np.zeros((size, size), np.uint8)
    mask[20 + shift:34 + shift, 24:40] = 1
    fills = {m: np.where(mask[:, :, None] != 0, np.uint8(c), photo).astype(np.uint8) for m, c in COLOURS.items()}
    return PairCase.around_hole(name, mask, fills)


def cases(count: int = 6) -> list[PairCase]:
    return [make_case(f"secretphoto{i}", shift=i % 4) for i in range(count)]


def png_chunk_types(data: bytes) -> list[bytes]:
    types, offset = [], 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        types.append(kind)
        offset += 12 + length
    return types


def test_each_panel_is_the_key_s_method_crop_on_the_key_s_side(tmp_path):
    chosen = cases(4)
    done = write_pairs(chosen, [(FIRST, SECOND), (FIRST, THIRD)], tmp_path / "pairs", seed=3)
    key = read_key(done.key_path)
    assert done.count == 8 and len(key["pairs"]) == 8
    by_name = {c.name: c for c in chosen}
    for pair, entry in key["pairs"].items():
        image = np.asarray(Image.open(tmp_path / "pairs" / f"{pair}.png").convert("RGB"))
        case = by_name[entry["case"]]
        size = panel_size(*case.mask.shape)
        for side, method in enumerate((entry["left"], entry["right"])):
            top, left = panel_origin(side, size)
            panel = image[top:top + size[0], left:left + size[1]]
            assert np.array_equal(panel, scale_view(case.fills[method], size))
            assert tuple(panel[size[0] // 2, size[1] // 2]) == COLOURS[method]  # the hole's centre
    assert size[0] == PANEL_MIN_HEIGHT  # a small crop is enlarged to a readable height


def test_the_view_is_the_hole_with_a_margin():
    mask = np.zeros((200, 300), np.uint8)
    mask[100:140, 50:70] = 1  # 40 rows: margin 20 px
    rows, cols = hole_view(mask)
    assert (rows.start, rows.stop, cols.start, cols.stop) == (80, 160, 30, 90)
    mask[:] = 0
    mask[0:4, 290:300] = 1  # at the corner: clipped, at least 16 px of context
    rows, cols = hole_view(mask)
    assert (rows.start, rows.stop, cols.start, cols.stop) == (0, 20, 274, 300)


def test_nothing_in_the_pairs_folder_names_a_method_or_a_photo(tmp_path):
    done = write_pairs(cases(3), [(FIRST, SECOND), (THIRD, FIRST)], tmp_path / "pairs", seed=1)
    files = sorted(p.name for p in done.pairs_dir.iterdir())
    assert files == ["INSTRUCTIONS.md", "answers-template.txt"] + [f"pair-{i:03d}.png" for i in range(1, 7)]
    secrets = [FIRST, SECOND, THIRD, "secretphoto"]
    for path in done.pairs_dir.iterdir():
        data = path.read_bytes()
        assert not any(s.encode() in data.lower() for s in secrets), path.name
        if path.suffix == ".png":
            assert set(png_chunk_types(data)) <= {b"IHDR", b"IDAT", b"IEND"}  # no text chunks
            assert not any(s in zlib.decompress(b"".join(_idat(data))).decode("latin-1") for s in secrets)
    assert done.key_path == tmp_path / "pairs.key.json"
    instructions = (done.pairs_dir / "INSTRUCTIONS.md").read_text()
    assert "6 images" in instructions and "pair-001 A" in instructions


def _idat(data: bytes) -> list[bytes]:
    chunks, offset = [], 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"IDAT":
            chunks.append(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    return chunks


@pytest.mark.parametrize("inside", ["key.json", "sub/key.json", "."])
def test_a_key_inside_the_pairs_folder_is_refused_and_nothing_is_written(tmp_path, inside):
    with pytest.raises(UserError, match="inside the pairs folder"):
        write_pairs(cases(2), [(FIRST, SECOND)], tmp_path / "pairs", key_path=tmp_path / "pairs" / inside, seed=0)
    assert list(tmp_path.iterdir()) == []


def test_a_used_pairs_folder_or_an_existing_key_is_refused(tmp_path):
    (tmp_path / "pairs").mkdir()
    (tmp_path / "pairs" / "pair-001.png").write_bytes(b"old")
    with pytest.raises(UserError, match="not an empty folder"):
        write_pairs(cases(2), [(FIRST, SECOND)], tmp_path / "pairs", seed=0)
    (tmp_path / "other.key.json").write_text("{}")
    with pytest.raises(UserError, match="already exists"):
        write_pairs(cases(2), [(FIRST, SECOND)], tmp_path / "other", seed=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.key.json", "pairs"]


def test_a_seed_fixes_sides_and_numbering_and_sides_are_balanced(tmp_path):
    chosen = cases(12)
    keys = [read_key(write_pairs(chosen, [(FIRST, SECOND), (FIRST, THIRD)], tmp_path / f"p{i}", seed=seed).key_path)
            for i, seed in enumerate((7, 7, 8))]
    assert keys[0]["pairs"] == keys[1]["pairs"]
    assert keys[0]["pairs"] != keys[2]["pairs"]
    assert (tmp_path / "p0" / "pair-005.png").read_bytes() == (tmp_path / "p1" / "pair-005.png").read_bytes()
    for other in (SECOND, THIRD):
        entries = [e for e in keys[0]["pairs"].values() if other in (e["left"], e["right"])]
        assert len(entries) == 12 and sum(e["left"] == FIRST for e in entries) == 6
    # numbering is shuffled across method pairs: both kinds appear among the first six
    first_six = [keys[0]["pairs"][f"pair-{i:03d}"] for i in range(1, 7)]
    assert {SECOND, THIRD} <= {m for e in first_six for m in (e["left"], e["right"])}


def test_an_unseeded_run_draws_a_seed_and_keeps_it_in_the_key(tmp_path):
    key = read_key(write_pairs(cases(2), [(FIRST, SECOND)], tmp_path / "pairs").key_path)
    assert isinstance(key["seed"], int) and key["seed"] >= 0


def test_wilson_interval_matches_the_textbook_value():
    low, high = wilson_interval(30, 40)
    assert low == pytest.approx(0.598, abs=1e-3) and high == pytest.approx(0.858, abs=1e-3)
    low, high = wilson_interval(38, 38)
    assert high == pytest.approx(1.0) and low == pytest.approx(0.908, abs=1e-3)


def key_of(sides: list[bool]) -> dict:
    """A key of len(sides) FIRST-vs-SECOND pairs; True: FIRST on the left."""
    return {"format": "inpaintkit preference key 1", "method_pairs": [[FIRST, SECOND]],
            "pairs": {f"pair-{i + 1:03d}": {"case": f"c{i}", "left": FIRST if s else SECOND,
                                            "right": SECOND if s else FIRST} for i, s in enumerate(sides)}}


def answers_for(key: dict, winners: list[str]) -> str:
    """Answer lines that pick ``winners[i]`` (a method, or '=') for pair i."""
    lines = []
    for (pair, entry), winner in zip(key["pairs"].items(), winners):
        choice = "=" if winner == "=" else "A" if entry["left"] == winner else "B"
        lines.append(f"{pair} {choice} reason")
    return "\n".join(lines)


def test_30_wins_of_40_score_0_75_with_the_wilson_interval():
    rng = np.random.default_rng(0)
    key = key_of(list(rng.random(40) < 0.5))
    text = answers_for(key, [FIRST] * 30 + [SECOND] * 10)
    report = score(key, {"judge": parse_answers(text, "judge.txt", key["pairs"])})
    (row,) = report.rows
    assert (row.first, row.second, row.first_wins, row.second_wins, row.ties, row.count) == (FIRST, SECOND, 30, 10, 0, 40)
    assert row.rate == 0.75 and (row.low, row.high) == pytest.approx((0.598, 0.858), abs=1e-3)
    assert report.warnings == [] and report.agreements == []


def test_ties_count_half_and_missing_answers_get_one_sentence():
    key = key_of([True, False] * 10)
    text = answers_for(key, [FIRST] * 10 + ["="] * 6)  # pairs 17-20 unanswered
    report = score(key, {"judge": parse_answers(text, "judge.txt", key["pairs"])})
    (row,) = report.rows
    assert (row.first_wins, row.ties, row.count, row.rate) == (10, 6, 16, pytest.approx(13 / 16))
    assert report.warnings == ["judge has no answer for 4 of 20 pairs (pair-017, pair-018, pair-019, pair-020); "
                               "they are left out."]


def test_two_judges_agreement_and_kappa():
    key = key_of([True] * 10)  # FIRST always left: A = FIRST
    one = parse_answers("\n".join(f"pair-{i:03d} {'A' if i <= 5 else 'B'}" for i in range(1, 11)), "one", key["pairs"])
    two_choices = ["A"] * 4 + ["B"] * 5 + ["A"]  # differs from one on pairs 5 and 10
    two = parse_answers("\n".join(f"pair-{i + 1:03d} {c}" for i, c in enumerate(two_choices)), "two", key["pairs"])
    report = score(key, {"one": one, "two": two})
    assert [(r.judge, r.first_wins, r.count) for r in report.rows] == [("one", 5, 10), ("two", 5, 10), ("all", 10, 20)]
    (agreement,) = report.agreements
    # observed 0.8; by chance each judge says A half the time: 0.5; kappa = 0.3 / 0.5
    assert agreement.shared == 10 and agreement.agreement == pytest.approx(0.8) and agreement.kappa == pytest.approx(0.6)


def test_answers_are_read_tolerantly():
    key = key_of([True] * 6)
    text = """# judge: someone
pair-001 A grass continues

Pair-2: b - the left one smears
pair 3 = same
**pair-004** tie, both fine
PAIR_005. B.
pair-6 a"""
    answers = parse_answers(text, "j.txt", key["pairs"])
    assert [(a.pair, a.choice) for a in answers.values()] == [
        ("pair-001", "A"), ("pair-002", "B"), ("pair-003", "="), ("pair-004", "="), ("pair-005", "B"), ("pair-006", "A")]
    assert answers["pair-002"].reason == "the left one smears"


@pytest.mark.parametrize("text, message", [
    ("pair-001 A ok\npair-002 maybe left", r"j.txt line 2 is not an answer like 'pair-001 A reason': 'pair-002 maybe left'\."),
    ("pair-001 A\npair-099 B", r"j.txt line 2 answers pair-099, which the key does not have"),
    ("pair-001 A\npair-002 B\npair-1 B", r"j.txt answers pair-001 twice \(lines 1 and 3\); keep one\."),
    ("# nothing yet\n\n", r"j.txt holds no answers"),
    ("pair-001 Approve", r"j.txt line 1 is not an answer"),
    ("pair-001 A/B", r"j.txt line 1 gives two answers; choose one of A, B or '=' \(a tie\)"),
    ("pair-001 b or a, hard to say", r"j.txt line 1 gives two answers"),
])
def test_malformed_answers_are_one_sentence(text, message):
    with pytest.raises(UserError, match=message):
        parse_answers(text, "j.txt", key_of([True] * 3)["pairs"])


def test_method_pairs_accept_names_and_specs_with_colons():
    names = {"pyramid": "pyramid", "model:pyramid": "pyramid", "patchmatch": "patchmatch", "untrained:aff": "untrained:aff"}
    assert parse_method_pairs("model:pyramid:patchmatch, untrained:aff:pyramid", names) == [
        ("pyramid", "patchmatch"), ("untrained:aff", "pyramid")]
    with pytest.raises(UserError, match="'pyramid:telea' is not two of the run's methods"):
        parse_method_pairs("pyramid:telea", names)


def test_benchmark_writes_pairs_of_the_chosen_bucket_and_a_key_beside_them(tmp_path, capsys):
    photos = write_photos(tmp_path / "photos", 3, shape=(64, 64))
    pairs = tmp_path / "judging" / "pairs"
    code = main(["benchmark", "--photos", str(tmp_path / "photos"), "--protocol", "freeform", "--size", "48",
                 "--methods", "telea,ns,push-pull", "--out", str(tmp_path / "results"), "--no-progress",
                 "--pairs", str(pairs), "--pair-buckets", "20-30", "--pair-seed", "5"])
    assert code == 0, capsys.readouterr().err
    key = read_key(tmp_path / "judging" / "pairs.key.json")
    entries = list(key["pairs"].values())
    assert len(entries) == 6  # 3 photos × (telea–ns, telea–push-pull)
    assert {e["case"].split(" ")[1] for e in entries} == {"20-30%"}
    assert {tuple(sorted((e["left"], e["right"]))) for e in entries} == {("ns", "telea"), ("push-pull", "telea")}
    assert len(list(pairs.glob("pair-*.png"))) == 6 and "wrote 6 pairs" in capsys.readouterr().out


@pytest.mark.parametrize("options, message", [
    (["--pair-methods", "telea:patchmatch"], "is not two of the run's methods"),
    (["--pair-buckets", "20-30,50-60"], "'50-60' is not a group of this protocol; choose from 10-20, 20-30, 30-40"),
    (["--pair-key", "PAIRS/key.json"], "inside the pairs folder"),
    (["--pairs", "RESULTS"], "would hold the benchmark's results (--out"),
    (["--pair-key", "FILE/key.json"], "is a file, not a folder"),
    (["--pairs", "FILE/pairs"], "is a file, not a folder"),
])
def test_benchmark_refuses_bad_pair_options_before_running(tmp_path, capsys, options, message):
    write_photos(tmp_path / "photos", 1, shape=(64, 64))
    pairs = tmp_path / "pairs"
    (tmp_path / "notes.txt").write_text("a file where a folder would have to be")
    places = {"PAIRS": pairs, "RESULTS": tmp_path / "results", "FILE": tmp_path / "notes.txt"}
    for name, place in places.items():
        options = [o.replace(name, str(place)) for o in options]
    code = main(["benchmark", "--photos", str(tmp_path / "photos"), "--size", "48", "--methods", "telea,ns",
                 "--out", str(tmp_path / "results"), "--no-progress", "--pairs", str(pairs), *options])
    assert code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "results").exists() and not pairs.exists()


def test_make_and_score_from_two_results_folders(tmp_path, capsys):
    folders = {name: tmp_path / name for name in ("detail", "plain", "masks", "photos")}
    for folder in folders.values():
        folder.mkdir()
    for i in range(4):
        full_mask = np.zeros((64, 64), np.uint8)
        full_mask[20 + i:34 + i, 24:40] = 255
        Image.fromarray(full_mask).save(folders["masks"] / f"img{i}.png")
        photo = np.full((64, 64, 3), 90, np.uint8)
        Image.fromarray(photo).save(folders["photos"] / f"img{i}.png")
        for name, colour in (("detail", (200, 0, 0)), ("plain", (0, 0, 200))):
            result = photo.copy()
            result[full_mask != 0] = colour
            result[4 + i, 8] = (1, 2, 3)  # the view's corner, outside the hole: --photos puts the photo back
            Image.fromarray(result).save(folders[name] / f"img{i}.png")
    assert main(["preference", "make", "--a", str(folders["detail"]), "--b", str(folders["plain"]),
                 "--masks", str(folders["masks"]), "--photos", str(folders["photos"]),
                 "--out", str(tmp_path / "pairs"), "--seed", "2"]) == 0
    key = read_key(tmp_path / "pairs.key.json")
    assert len(key["pairs"]) == 4 and key["method_pairs"] == [["detail", "plain"]]
    for pair, entry in key["pairs"].items():
        image = np.asarray(Image.open(tmp_path / "pairs" / f"{pair}.png").convert("RGB"))
        size = panel_size(46, 48)  # the 14×16 hole with 16 px of context each side
        top, left = panel_origin(0, size)
        assert tuple(image[top + size[0] // 2, left + size[1] // 2]) == ((200, 0, 0) if entry["left"] == "detail" else (0, 0, 200))
        assert tuple(image[top, left]) == (90, 90, 90)
    # the judge prefers "detail" three times, once "plain"
    winners = ["detail"] * 3 + ["plain"]
    (tmp_path / "judge.txt").write_text(answers_for(key, winners))
    capsys.readouterr()
    assert main(["preference", "score", str(tmp_path / "pairs.key.json"), str(tmp_path / "judge.txt"),
                 "--json", str(tmp_path / "scores.json")]) == 0
    out = capsys.readouterr().out
    assert "| detail | plain | judge | 3 | 1 | 0 | 4 | 0.75 |" in out
    rows = json.loads((tmp_path / "scores.json").read_text())["rows"]
    assert rows[0]["first_wins"] == 3 and rows[0]["count"] == 4


def test_score_cli_errors_are_one_sentence(tmp_path, capsys):
    (tmp_path / "key.json").write_text("[1, 2]")
    (tmp_path / "a.txt").write_text("pair-001 A")
    assert main(["preference", "score", str(tmp_path / "key.json"), str(tmp_path / "a.txt")]) == 2
    assert "is not a preference key" in capsys.readouterr().err
    (tmp_path / "key.json").write_text(json.dumps(key_of([True])))
    assert main(["preference", "score", str(tmp_path / "key.json"), str(tmp_path / "missing.txt")]) == 2
    assert "cannot read the answers file" in capsys.readouterr().err
    # Checked before the table is printed: no table, then a traceback.
    assert main(["preference", "score", str(tmp_path / "key.json"), str(tmp_path / "a.txt"),
                 "--json", str(tmp_path / "a.txt" / "scores.json")]) == 2
    captured = capsys.readouterr()
    assert "is a file, not a folder" in captured.err and captured.out == ""
