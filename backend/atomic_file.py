"""Files that readers see whole or not at all: write a temp file beside, fsync, ``os.replace``.

Used by every settings file and by the history archives; a crash at any moment leaves the old file
(or none) and at most a temp file, which the next writer of an archive folder sweeps up.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def fsync_directory(directory: Path) -> None:
    """Make a rename inside ``directory`` durable; Windows has no directory handles to fsync."""
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def replacing(
    path: Path, *, prefix: str | None = None, suffix: str = ".tmp", durable_rename: bool = False
) -> Iterator[IO[str]]:
    """Write ``path`` through the yielded text stream; it appears only when the block ends well.

    Args:
        path: The file to create or replace; its folder is created when missing.
        prefix: The temp file's name prefix (default ``.<name>.``).
        suffix: The temp file's name suffix.
        durable_rename: Also fsync the folder, so the rename itself survives a power cut.

    Raises:
        OSError: The folder cannot be created or written (permissions, full disk); nothing is left
            behind, the old file is untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=prefix or f".{path.name}.", suffix=suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    if durable_rename:
        fsync_directory(path.parent)


def write_json_atomically(path: Path, payload: object) -> None:
    """Write ``payload`` as indented JSON so that readers see the old file or the new one.

    Raises:
        OSError: The folder cannot be created or written (permissions, full disk).
    """
    with replacing(path) as out:
        json.dump(payload, out, indent=2)
        out.write("\n")
