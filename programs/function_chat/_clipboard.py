"""Putting text on the system clipboard, where there is one.

pyperclip when it is installed; otherwise the platform's own tool: ``pbcopy`` (macOS),
``clip`` (Windows), ``wl-copy`` (a Wayland session), ``xclip`` or ``xsel`` (an X session).
A terminal reached over SSH, or a machine with none of these, has no clipboard the chat
can reach: ``copy`` then says which tools it looked for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence

TIMEOUT = 5.0
"""Seconds a clipboard tool may take to take the text."""


class NoClipboard(Exception):
    """No clipboard here; the message says what was looked for."""


def copy(text: str) -> str:
    """Put ``text`` on the clipboard; the name of what did it. Raises ``NoClipboard``, or
    ``OSError`` when a clipboard tool fails."""
    try:
        import pyperclip  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        pass
    else:
        try:
            pyperclip.copy(text)
        except pyperclip.PyperclipException:
            pass  # it found no mechanism either: try the tools it may have missed
        else:
            return "pyperclip"
    for command in _tools():
        path = shutil.which(command[0])
        if path is None:
            continue
        try:
            done = subprocess.run(
                [path, *command[1:]],
                input=text.encode(),
                stdout=subprocess.DEVNULL,  # xclip stays behind to serve the text: no pipes
                stderr=subprocess.DEVNULL,  # to wait on
                timeout=TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise OSError(f"{command[0]} did not take the text within {TIMEOUT:g} s") from None
        if done.returncode != 0:
            raise OSError(f"{command[0]} failed with status {done.returncode}")
        return command[0]
    raise NoClipboard(_advice())


def _tools() -> list[Sequence[str]]:
    if sys.platform == "darwin":
        return [["pbcopy"]]
    if sys.platform == "win32":
        return [["clip"]]
    tools: list[Sequence[str]] = []
    if os.environ.get("WAYLAND_DISPLAY"):
        tools.append(["wl-copy"])
    if os.environ.get("DISPLAY"):
        tools += [["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]
    return tools


def _advice() -> str:
    if sys.platform in ("darwin", "win32"):
        tool = "pbcopy" if sys.platform == "darwin" else "clip"
        return f"no clipboard found: {tool} is not on PATH"
    if not (os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY")):
        return "no clipboard here: this terminal has no graphical session (DISPLAY is not set)"
    return "no clipboard tool found: install wl-copy, xclip or xsel (or pip install pyperclip)"
