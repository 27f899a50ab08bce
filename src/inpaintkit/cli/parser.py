"""The command line's argument parser: argparse, changed in two ways for people who type.

- An argument error is one sentence, ``inpaintkit remove: error: … (see inpaintkit remove
  --help).``, exit status 2. argparse prints the command's whole usage block first, and for
  a command with a dozen options that block buries the one line that says what went wrong.
- An option whose value is comma-separated numbers (``--click X,Y``) takes a negative first
  number after a space too. argparse takes only ``-5`` or ``-.5`` for a negative number, so
  it reads ``-5,100`` as an unknown option and ``--click -5,100`` ends in "expected one
  argument", while ``--click=-5,100`` reaches the check that says the point lies outside
  the image. Such options are added with :meth:`CommandParser.add_number_list_argument`;
  their shortened spellings (``--cli``), which argparse also takes, are attached too.
"""
from __future__ import annotations

import argparse
import sys
from typing import Collection, Optional, Sequence


class CommandParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` with one-sentence errors and number lists that may start
    with a minus sign (module docstring). Sub-command parsers are of the same class."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.number_list_options: set[str] = set()

    def add_number_list_argument(self, *flags: str, **kwargs) -> argparse.Action:
        """``add_argument`` for an option whose value is comma-separated numbers."""
        self.number_list_options.update(flags)
        return self.add_argument(*flags, **kwargs)

    def parse_known_args(self, args: Optional[Sequence[str]] = None, namespace=None):
        args = sys.argv[1:] if args is None else list(args)
        return super().parse_known_args(attach_number_lists(args, self._number_list_spellings()), namespace)

    def _number_list_spellings(self) -> set[str]:
        """The number-list options as a user may type them: in full, or shortened as
        argparse takes a long option (a prefix no other long option of the command shares:
        ``--cli`` for ``--click``)."""
        spellings = set(self.number_list_options)
        if not self.allow_abbrev:
            return spellings
        longs = [flag for flag in self._option_string_actions if flag.startswith("--")]
        for option in self.number_list_options:
            for end in range(3, len(option)):
                if [flag for flag in longs if flag.startswith(option[:end])] == [option]:
                    spellings.add(option[:end])
        return spellings

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help).\n")


def attach_number_lists(args: Sequence[str], options: Collection[str]) -> list[str]:
    """``args`` with each ``OPTION -5,100`` of ``options`` written ``OPTION=-5,100``.

    Only a value with a comma is attached: no option name holds one, so after a number-list
    option it can only be that option's value. ``-5`` alone argparse reads as a number
    already. Nothing after ``--`` (the end of the options) is touched."""
    attached: list[str] = []
    for index, arg in enumerate(args):
        if arg == "--":
            return attached + list(args[index:])
        if attached and attached[-1] in options and arg.startswith("-") and "," in arg:
            attached[-1] = f"{attached[-1]}={arg}"
        else:
            attached.append(arg)
    return attached
