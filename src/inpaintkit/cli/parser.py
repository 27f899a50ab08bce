"""The command line's argument parser: argparse, changed for people who type.

An argument error is one sentence, ``inpaintkit remove: error: … (see inpaintkit remove
--help).``, exit status 2. argparse prints the command's whole usage block first, and for a
command with a dozen options that block buries the one line that says what went wrong.
"""
from __future__ import annotations

import argparse


class CommandParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` with one-sentence errors (module docstring). Sub-command
    parsers are of the same class."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help).\n")
