"""Reading what a child process writes, with deadlines instead of sleeps.

A ``Transcript`` collects the bytes of one stream (a pipe or a pseudo-terminal) in a
thread; ``expect`` waits until a pattern appears after the last match, or fails the test
with everything read so far when the deadline passes.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Callable

ANSI = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>()][0-9A-Za-z]?"
)


def plain(data: bytes) -> str:
    """Terminal output without its escape sequences and carriage returns."""
    return ANSI.sub(b"", data).replace(b"\r", b"").decode("utf-8", "replace")


class Transcript:
    """Everything read from ``read`` (a function returning b"" at the end), kept in order."""

    def __init__(self, read: Callable[[], bytes], name: str = "output") -> None:
        self.name = name
        self._read = read
        self._data = bytearray()
        self._seen = 0  # where the next ``expect`` starts looking, in the plain text
        self._ended = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._pump, daemon=True, name=f"read {name}")
        self._thread.start()

    @classmethod
    def of_fd(cls, fd: int, name: str = "output") -> Transcript:
        def read() -> bytes:
            try:
                return os.read(fd, 65536)
            except OSError:  # a pty's master reads EIO once the child has closed it
                return b""

        return cls(read, name)

    def _pump(self) -> None:
        while True:
            chunk = self._read()
            with self._changed:
                if not chunk:
                    self._ended = True
                    self._changed.notify_all()
                    return
                self._data.extend(chunk)
                self._changed.notify_all()

    @property
    def raw(self) -> bytes:
        with self._changed:
            return bytes(self._data)

    @property
    def text(self) -> str:
        return plain(self.raw)

    def expect(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        """Wait for ``pattern`` (a regex) after the previous match; returns the match."""
        compiled = re.compile(pattern)
        found: re.Match[str] | None = None

        def ready() -> bool:
            nonlocal found
            found = compiled.search(plain(bytes(self._data)), self._seen)
            return found is not None or self._ended

        with self._changed:
            self._changed.wait_for(ready, timeout)
        if found is None:
            state = "ended" if self._ended else f"still open after {timeout:g} s"
            raise AssertionError(
                f"{pattern!r} did not appear in the {self.name} ({state}); it reads:\n"
                f"{self.text[self._seen :]}"
            )
        self._seen = found.end()
        return found

    def wait_closed(self, timeout: float = 20.0) -> str:
        """Wait for the end of the stream; the whole plain text."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._ended, timeout):
                raise AssertionError(f"the {self.name} is still open after {timeout:g} s")
        return self.text


class Child:
    """A process whose stdout and stderr are read into transcripts as it runs.

    Use it as a context manager: leaving the block kills the process if it still runs,
    and closes its pipes.
    """

    def __init__(
        self,
        argv: list[str],
        *,
        cwd: str | os.PathLike[str],
        env: dict[str, str],
        stdin_data: bytes | None = None,
    ) -> None:
        self.process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self.stdout = Transcript.of_fd(self.process.stdout.fileno(), "stdout")
        self.stderr = Transcript.of_fd(self.process.stderr.fileno(), "stderr")
        if stdin_data is not None:
            self.write(stdin_data)

    def write(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def close_stdin(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()

    def wait(self, timeout: float = 30.0) -> int:
        """The exit status, once the process has ended and both streams are read."""
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"the process still runs after {timeout:g} s; its stderr:\n{self.stderr.text}"
            ) from None
        self.stdout.wait_closed()
        self.stderr.wait_closed()
        return status

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
