"""File-system steps of the session store: private folders and atomic, owner-only writes.

A write goes to a temporary file in the target's own folder (so the final rename never
crosses a file system), is flushed and synced to disk, then renamed over the target with
``os.replace``, which is atomic: a reader sees the old file or the new one, never half of
one, even if the process dies mid-write. The temporary file is removed on any failure.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def make_private_folder(folder: Path) -> None:
    """Create ``folder`` and any missing parents with mode 0o700; existing ones are untouched.

    ``Path.mkdir(parents=True)`` would give the parents the default mode, so each missing
    level is created here, and chmod-ed because ``mkdir``'s mode is masked by the umask.
    """
    missing: list[Path] = []
    for level in (folder, *folder.parents):
        if level.is_dir():
            break
        missing.append(level)
    for level in reversed(missing):
        try:
            level.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # created meanwhile by someone else: theirs, leave its mode
            continue
        os.chmod(level, FOLDER_MODE)


def write_atomic(target: Path, data: bytes, *, prefix: str) -> None:
    """Replace ``target`` with ``data`` in one step; the file is readable by its owner only."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), FILE_MODE)  # before any byte is written
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; best effort, as some systems cannot sync a folder."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
