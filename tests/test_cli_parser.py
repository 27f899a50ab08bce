"""The command line's argument parser (``inpaintkit.cli.parser``): an argument error is one
sentence with exit status 2, before any work."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from inpaintkit.cli import main


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.png"
    Image.fromarray(np.full((48, 64, 3), 128, np.uint8)).save(path)
    return path


def argument_error(capsys, argv: list[str]) -> str:
    """The exit status must be 2 and the message one line: returns that line."""
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured.err
    return captured.err.strip()


@pytest.mark.parametrize("arguments, reason", [
    (["--click", "abc,def"], "argument --click: a click is X,Y (two numbers), not 'abc,def'"),
    (["--click", "nan,nan"], "argument --click: a click is X,Y (two numbers), not 'nan,nan'"),
    (["--box", "0,0,inf,4"], "argument --box: a box is X0,Y0,X1,Y1 (four numbers), not '0,0,inf,4'"),
    (["--box", "1,2,3"], "argument --box: a box is X0,Y0,X1,Y1 (four numbers), not '1,2,3'"),
    (["--dilation", "abc"], "argument --dilation: the dilation is 'auto' or a kernel size in pixels, not 'abc'"),
    (["--backend", "sam"], "argument --backend: invalid choice: 'sam'"),
])
def test_an_argument_error_is_one_sentence_that_points_to_the_help(photo, tmp_path, capsys, arguments, reason):
    out = tmp_path / "out.png"
    error = argument_error(capsys, ["remove", str(photo), "-o", str(out), *arguments])
    assert error.startswith(f"inpaintkit remove: error: {reason}")
    assert error.endswith("(see inpaintkit remove --help).") and "usage:" not in error
    assert sorted(path.name for path in tmp_path.iterdir()) == ["photo.png"]


def test_a_missing_argument_and_an_unknown_command_are_one_sentence_too(capsys):
    assert argument_error(capsys, ["inpaint", "a.png"]) == (
        "inpaintkit inpaint: error: the following arguments are required: mask, -o/--output "
        "(see inpaintkit inpaint --help).")
    assert argument_error(capsys, ["frobnicate"]).startswith("inpaintkit: error: argument command: invalid choice")


@pytest.mark.parametrize("option, value, message", [
    ("--click", "-5,100", "click 1 at (-5, 100) is outside the 64×48 image"),
    ("--add", "-5,3", "add point 1 at (-5, 3) is outside the 64×48 image"),
    ("--exclude", "-1,-1", "exclude point 1 at (-1, -1) is outside the 64×48 image"),
    ("--box", "-5,0,20,20", "the box (-5, 0, 20, 20) reaches outside the 64×48 image"),
])
def test_a_negative_number_list_after_a_space_reads_as_after_an_equals_sign(photo, tmp_path, capsys,
                                                                            option, value, message):
    out = tmp_path / "out.png"
    prompt = [] if option in ("--click", "--box") else ["--click", "5,5"]
    errors = []
    for spelled in ([option, value], [f"{option}={value}"]):
        assert main(["remove", str(photo), *prompt, *spelled, "-o", str(out)]) == 2
        errors.append(capsys.readouterr().err.strip())
    assert errors[0] == errors[1] and errors[0].startswith(f"inpaintkit remove: {message}")
    assert not out.exists()


def test_a_shortened_option_takes_a_negative_number_list_too(photo, tmp_path, capsys):
    # argparse takes --cli for --click and --bo for --box (no other option starts so); the
    # value after a space is attached to them as to the full names. A prefix two options
    # share (--a: --add, --allow-large-hole) is left to argparse, which calls it ambiguous.
    out = tmp_path / "out.png"
    for args, message in ((["--cli", "-5,100"], "inpaintkit remove: click 1 at (-5, 100) is outside"),
                          (["--bo", "-1,0,4,4"], "inpaintkit remove: the box (-1, 0, 4, 4) reaches outside")):
        assert main(["remove", str(photo), *args, "-o", str(out)]) == 2
        assert capsys.readouterr().err.strip().startswith(message), args
    assert argument_error(capsys, ["remove", str(photo), "--click", "5,5", "--a", "-5,1", "-o", str(out)]).startswith(
        "inpaintkit remove: error: ambiguous option: --a could match --add, --allow-large-hole")
    assert not out.exists()


def test_only_number_list_options_take_a_value_that_starts_with_a_minus():
    from inpaintkit.cli.parser import attach_number_lists

    options = {"--click", "--box"}
    assert attach_number_lists(["--click", "-5,100", "--box", "-1,0,4,4"], options) == \
        ["--click=-5,100", "--box=-1,0,4,4"]
    assert attach_number_lists(["--click", "-5"], options) == ["--click", "-5"]   # argparse reads -5 itself
    assert attach_number_lists(["--model", "-5,100"], options) == ["--model", "-5,100"]
    assert attach_number_lists(["--", "--click", "-5,1"], options) == ["--", "--click", "-5,1"]
