"""The input router: what a bare argument of ``diagnose ARG…`` is, before anything is read or sent.

:func:`route` turns one argument into a small typed value. It looks at the text
only, except to ask whether a file of that name exists (the caller passes the
test in, so the routing itself is pure and testable without a disk):

* ``-``: error text on standard input;
* a bare number such as ``21408``: an error code;
* ``SM…``/``MM…``/``CA…`` with 32 hex digits: a SID;
* the name of an existing file, or of a pipe (``diagnose <(kubectl logs app)`` names ``/dev/fd/63``), as
  ``diagnose triage`` reads them: error text in that file;
* one word that starts with two letters (``SM123``, ``XX…``): a SID that is
  malformed, so that the SID check can say exactly what is wrong with it;
* anything else (spaces, punctuation, several lines): pasted error text.

Before that, :func:`misspelt_command` tells the command line whether a first argument is a command name
mistyped (``diagnose scna``): only a word that would be taken for a malformed SID can be one.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..codes import error_code

_SID = re.compile(r"(?:SM|MM|CA)[0-9a-fA-F]{32}")
_SID_LIKE = re.compile(r"[A-Za-z]{2}\w*")


@dataclass(frozen=True)
class SidArg:
    """A message or call SID, or one word shaped like a SID (checked later, with a precise message)."""

    text: str


@dataclass(frozen=True)
class StdinArg:
    """``-``: read the error text from standard input."""


@dataclass(frozen=True)
class FileArg:
    """An existing file (or a pipe, a device: anything but a folder) holding error text."""

    path: str


@dataclass(frozen=True)
class CodeArg:
    """A bare Twilio error code."""

    code: int


@dataclass(frozen=True)
class TextArg:
    """Error text pasted on the command line."""

    text: str


Routed = SidArg | StdinArg | FileArg | CodeArg | TextArg


def _readable(path: str) -> bool:
    """Something to read by that name: a file, a pipe or a device, not a folder. It is looked at, not opened,
    so a FIFO that no one writes to yet holds nothing up here."""
    return os.path.exists(path) and not os.path.isdir(path)


def route(arg: str, *, is_file: Callable[[str], bool] = _readable) -> Routed:
    """What ``arg`` is; ``is_file`` answers whether a file of that name exists."""
    word = arg.strip()
    if word == "-":
        return StdinArg()
    code = error_code(word)  # the one definition of a code: explain and the knowledge linter use it too
    if code is not None:
        return CodeArg(code)
    if _SID.fullmatch(word):
        return SidArg(word)
    if word and _is_file(arg, is_file):
        return FileArg(arg)
    if _SID_LIKE.fullmatch(word):
        return SidArg(word)
    return TextArg(arg)


def misspelt_command(arg: str, commands: Iterable[str], *, is_file: Callable[[str], bool] = _readable) -> str | None:
    """The command that ``arg`` likely misspells (``scna`` → ``scan``), or None.

    Only a bare word that :func:`route` would take for a malformed SID qualifies: a code, a well-formed SID,
    an existing file, a paste (spaces, punctuation) and a word headed like a SID (``SMdemo``) stay input.
    """
    if any(c.isspace() for c in arg) or arg[:2] in _SID_PREFIXES or not isinstance(route(arg, is_file=is_file), SidArg):
        return None
    close = difflib.get_close_matches(arg.lower(), list(commands), n=1)
    return close[0] if close else None


_SID_PREFIXES = frozenset({"SM", "MM", "CA"})
_FILE_NAME = re.compile(r"[^\s/\\:]+\.[A-Za-z][A-Za-z0-9]{0,7}")  # error.txt, app.log, dump.json


def looks_like_path(arg: str) -> bool:
    """One word written as a file name (``logs/today.txt``, ``app.log``): text routed here was likely a file meant."""
    word = arg.strip()
    if not word or any(c.isspace() for c in word) or "://" in word:
        return False
    return "/" in word or "\\" in word or _FILE_NAME.fullmatch(word) is not None


def _is_file(arg: str, is_file: Callable[[str], bool]) -> bool:
    if "\x00" in arg or "\n" in arg or len(arg) > 4096:
        return False  # no file has such a name; os.stat would raise on NUL
    try:
        return is_file(arg)
    except (OSError, ValueError):
        return False
