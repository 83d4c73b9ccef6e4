"""Running a program in a pseudo-terminal, as a person at a keyboard runs it.

The program gets the pty as its controlling terminal (so Ctrl-C typed into it becomes
SIGINT from the line discipline, as it would for a person), a fixed window size, and
``TERM=xterm``. What it writes is read by a ``Transcript``; ``type`` sends keys. The
transcript holds everything ever written, redrawn lines and erased ones too; ``screen()``
plays it on a terminal emulator (pyte) of the same size, and gives what a person sees.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

import pyte

from tests._transcript import Transcript

# The child makes the pty its controlling terminal, then becomes the program.
_TAKE_TERMINAL = (
    "import fcntl, os, sys, termios\n"
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0)\n"
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])\n"
)


class Terminal:
    def __init__(
        self,
        argv: list[str],
        *,
        cwd: str | os.PathLike[str],
        env: dict[str, str],
        rows: int = 40,
        columns: int = 100,
    ) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self._master = master
        self.rows, self.columns = rows, columns
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _TAKE_TERMINAL, *argv],
                stdin=slave,
                stdout=slave,
                stderr=slave,
                cwd=cwd,
                env=env | {"TERM": "xterm"},
                start_new_session=True,
            )
        finally:
            os.close(slave)
        self.output = Transcript.of_fd(master, "terminal")

    def type(self, text: str) -> None:
        """Keys, as typed: ``"\\r"`` is Enter, ``"\\x03"`` Ctrl-C, ``"\\x04"`` Ctrl-D."""
        os.write(self._master, text.encode())

    def expect(self, pattern: str, timeout: float = 20.0) -> str:
        return self.output.expect(pattern, timeout).group(0)

    def screen(self) -> list[str]:
        """The lines on the screen now, as a person sees them (trailing blanks cut)."""
        screen = pyte.Screen(self.columns, self.rows)
        pyte.ByteStream(screen).feed(self.output.raw)
        return [line.rstrip() for line in screen.display]

    def wait(self, timeout: float = 30.0) -> int:
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"the program still runs after {timeout:g} s; the terminal shows:\n"
                f"{self.output.text}"
            ) from None
        self.output.wait_closed()
        return status

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.output.wait_closed()
        os.close(self._master)
