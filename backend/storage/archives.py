"""Archive files: past history as JSON, written atomically, addressed only by server-minted ids.

Layout (valid JSON, one record per line so it can be read and written in bounded memory)::

    {"format":"swissarmyknife.history-archive","format_version":1,...,"summary":{...},"history":[
    {record},
    {record}
    ],"oom_history":[
    {record}
    ],"oom_events":[
    {capture}
    ]}

The first line is the header: listing reads only it. An id maps to ``<archive dir>/<id>.json``
and nothing else: ids must match ARCHIVE_ID_PATTERN, the folder must not be a link, the file
must be a plain file (links are refused, never followed), so no request reads or deletes anything
outside the folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from .. import log
from ..atomic_file import replacing
from ..schemas.environment import Environment
from ..schemas.ids import ARCHIVE_ID_PATTERN
from ..schemas.oom import OomEvent
from ..schemas.profiler import (
    ArchiveInfo,
    ArchiveReason,
    ArchiveSummary,
    WorkflowRecord,
)
from .errors import ArchiveIdError, ArchiveNotFoundError, InvalidArchiveError

ARCHIVE_FORMAT = "swissarmyknife.history-archive"
ARCHIVE_FORMAT_VERSION = 1
ARCHIVE_SUFFIX = ".json"
TEMP_PREFIX = ".tmp-"
TEMP_SUFFIX = ".part"
MAX_HEADER_BYTES = 64 * 1024
# One record line; the recorder caps a workflow at 5,000 nodes.
MAX_RECORD_BYTES = 32 * 1024 * 1024
# A file without the line layout must be parsed whole: only up to this size.
MAX_WHOLE_FILE_BYTES = 64 * 1024 * 1024

_ID_RE = re.compile(ARCHIVE_ID_PATTERN)
_HISTORY_OPEN = ',"history":['
_OOM_OPEN = '],"oom_history":['
_OOM_EVENTS_OPEN = '],"oom_events":['


def is_archive_id(value: object) -> bool:
    """Whether ``value`` is exactly an id this server could have minted (no trailing newline either)."""
    return isinstance(value, str) and _ID_RE.fullmatch(value) is not None


def mint_archive_id(now: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now)) + "-" + secrets.token_hex(4)


class _Header(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    format: Literal["swissarmyknife.history-archive"]
    format_version: int
    created_at: float
    reason: ArchiveReason
    summary: ArchiveSummary
    # The environments its runs refer to (archives written before environments have none).
    environments: list[Environment] = []


def _one_line(text: str) -> str:
    # Stored records are compact JSON already; anything else is re-serialized onto one line.
    return (
        text if "\n" not in text and "\r" not in text else json.dumps(json.loads(text), separators=(",", ":"))
    )


@dataclass(frozen=True)
class _Cached:
    size: int
    mtime_ns: int
    info: ArchiveInfo


class ArchiveReader:
    """An open archive: its ``info``, then ``records()`` once (None for each invalid entry)."""

    def __init__(self, archive_id: str, stream: IO[bytes], size: int) -> None:
        self._stream = stream
        self._size = size
        self._id = archive_id
        self._whole: dict[str, Any] | None = None
        header = self._read_header()
        self.info = _info(archive_id, header, size)
        self.environments = header.environments

    def _read_header(self) -> _Header:
        line = self._stream.readline(MAX_HEADER_BYTES)
        text = line.decode("utf-8", errors="replace").rstrip("\r\n")
        if text.startswith('{"format":') and text.endswith(_HISTORY_OPEN):
            with contextlib.suppress(ValueError, ValidationError):
                return _Header.model_validate_json(text[: -len(_HISTORY_OPEN)] + "}")
        # Not our line layout (edited by hand, pretty-printed): parse it whole if it is small enough.
        if self._size > MAX_WHOLE_FILE_BYTES:
            raise InvalidArchiveError(
                f"archive {self._id} is not in the line layout and too large to read whole"
            )
        self._stream.seek(0)
        try:
            whole = json.loads(self._stream.read())
            if not isinstance(whole, dict):
                raise InvalidArchiveError(f"archive {self._id} is not a JSON object")
            header = _Header.model_validate(whole)
        except (ValueError, ValidationError):
            raise InvalidArchiveError(f"archive {self._id} is not a readable history archive") from None
        self._whole = whole
        return header

    def records(self) -> Iterator[WorkflowRecord | None]:
        if self._whole is not None:
            items = self._whole.get("history")
            for item in items if isinstance(items, list) else []:
                try:
                    yield WorkflowRecord.model_validate(item)
                except ValidationError:
                    yield None
            return
        while True:
            line = self._stream.readline(MAX_RECORD_BYTES + 1)
            if not line:
                return
            if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
                # An oversized line: skip to its end and count it as invalid.
                while line and not line.endswith(b"\n"):
                    line = self._stream.readline(MAX_RECORD_BYTES)
                yield None
                continue
            text = line.strip()
            if not text:
                continue
            if text.startswith(b"]"):
                return
            if text.endswith(b","):
                text = text[:-1]
            try:
                yield WorkflowRecord.model_validate_json(text)
            except ValidationError:
                yield None

    def oom_events(self) -> Iterator[OomEvent | None]:
        """The archived OOM captures (None for an unreadable one); read after ``records()``. Archives
        written before captures were archived have none."""
        if self._whole is not None:
            items = self._whole.get("oom_events")
            for item in items if isinstance(items, list) else []:
                try:
                    yield OomEvent.model_validate(item)
                except ValidationError:
                    yield None
            return
        opener = _OOM_EVENTS_OPEN.encode()
        inside = False
        while True:
            line = self._stream.readline(MAX_RECORD_BYTES + 1)
            if not line:
                return
            text = line.strip()
            if not inside:
                inside = text == opener  # the OOM runs' lines come first: skipped
                continue
            if not text:
                continue
            if text.startswith(b"]"):
                return
            try:
                yield OomEvent.model_validate_json(text.removesuffix(b","))
            except ValidationError:
                yield None


def _info(archive_id: str, header: _Header, size: int) -> ArchiveInfo:
    return ArchiveInfo(
        id=archive_id,
        created_at=header.created_at,
        size_bytes=size,
        workflow_count=header.summary.workflow_count,
        oom_count=header.summary.oom_count,
        oom_event_count=header.summary.oom_summary.event_count if header.summary.oom_summary else 0,
        reason=header.reason,
        first_started_at=header.summary.first_started_at,
        last_started_at=header.summary.last_started_at,
    )


class ArchiveDirectory:
    """The archive folder: atomic writes, listing from headers, safe open and delete by id."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._cache: dict[str, _Cached] = {}

    # The folder ---------------------------------------------------------------------------------

    def _is_safe_directory(self) -> bool:
        """The folder exists, is a real directory where it claims to be (no link or junction)."""
        d = self.directory
        try:
            st = os.lstat(d)
        except OSError:
            return False
        if not stat.S_ISDIR(st.st_mode):
            return False
        return os.path.realpath(d) == os.path.join(os.path.realpath(d.parent), d.name)

    def ensure(self) -> Path:
        """Create the folder if needed.

        Raises:
            OSError: it cannot be created, or it is a link (refused: archives stay where the pack put them).
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        if not self._is_safe_directory():
            raise OSError(f"{self.directory} is a link or not a directory; archives are not written there")
        return self.directory

    def remove_stale_temp_files(self) -> int:
        """Delete temp files a crash left behind (never visible as archives; they only take space)."""
        if not self._is_safe_directory():
            return 0
        removed = 0
        for entry in os.scandir(self.directory):
            if entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(TEMP_SUFFIX):
                with contextlib.suppress(OSError):
                    if entry.is_file(follow_symlinks=False):
                        os.unlink(entry.path)
                        removed += 1
        return removed

    # Writing ------------------------------------------------------------------------------------

    def write(
        self,
        *,
        reason: ArchiveReason,
        summary: ArchiveSummary,
        history: Iterable[str],
        oom_history: Iterable[str],
        oom_events: Iterable[str] = (),
        environments: Iterable[Environment] = (),
        created_at: float | None = None,
    ) -> ArchiveInfo:
        """Write a new archive atomically: temp file in the folder, fsync, ``os.replace``, fsync folder.

        ``history`` and ``oom_history`` yield record JSON (one record each), ``oom_events`` capture
        JSON, each consumed once, so memory stays bounded whatever the size. A failure at any step
        leaves no archive and no temp file.

        Raises:
            OSError: the folder is unusable or the disk refused the write.
        """
        directory = self.ensure()
        now = time.time() if created_at is None else created_at
        archive_id = mint_archive_id(now)
        while (directory / f"{archive_id}{ARCHIVE_SUFFIX}").exists():
            archive_id = mint_archive_id(now)
        final = directory / f"{archive_id}{ARCHIVE_SUFFIX}"
        header = {
            "format": ARCHIVE_FORMAT,
            "format_version": ARCHIVE_FORMAT_VERSION,
            "id": archive_id,
            "created_at": now,
            "reason": reason,
            "summary": summary.model_dump(mode="json"),
            "environments": [e.model_dump(mode="json") for e in environments],
        }
        with replacing(final, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, durable_rename=True) as out:
            out.write(json.dumps(header, separators=(",", ":"))[:-1] + _HISTORY_OPEN + "\n")
            self._write_lines(out, history)
            out.write("\n" + _OOM_OPEN + "\n")
            self._write_lines(out, oom_history)
            out.write("\n" + _OOM_EVENTS_OPEN + "\n")
            self._write_lines(out, oom_events)
            out.write("\n]}\n")
        return self.info(archive_id)

    @staticmethod
    def _write_lines(out: IO[str], texts: Iterable[str]) -> None:
        first = True
        for text in texts:
            if not first:
                out.write(",\n")
            out.write(_one_line(text))
            first = False

    # Reading ------------------------------------------------------------------------------------

    def _path(self, archive_id: str) -> Path:
        if not is_archive_id(archive_id):
            raise ArchiveIdError("archive ids look like 20260101T120000Z-0123abcd")
        if not self._is_safe_directory():
            raise ArchiveNotFoundError(f"archive {archive_id} not found")
        return self.directory / f"{archive_id}{ARCHIVE_SUFFIX}"

    @contextlib.contextmanager
    def open(self, archive_id: str) -> Iterator[ArchiveReader]:
        """Open an archive by id without following links.

        Raises:
            ArchiveIdError: the id is malformed.
            ArchiveNotFoundError: no plain file with that id in the folder.
            InvalidArchiveError: the file is not a readable archive.
        """
        path = self._path(archive_id)
        nofollow = getattr(os, "O_NOFOLLOW", 0)
        if not nofollow and path.is_symlink():
            raise ArchiveNotFoundError(f"archive {archive_id} not found")
        try:
            fd = os.open(path, os.O_RDONLY | nofollow | getattr(os, "O_BINARY", 0))
        except OSError:
            # ENOENT, or ELOOP for a link: either way there is no archive of ours by that name.
            raise ArchiveNotFoundError(f"archive {archive_id} not found") from None
        with os.fdopen(fd, "rb") as stream:
            st = os.fstat(stream.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise ArchiveNotFoundError(f"archive {archive_id} not found")
            yield ArchiveReader(archive_id, stream, st.st_size)

    def info(self, archive_id: str) -> ArchiveInfo:
        with self.open(archive_id) as reader:
            return reader.info

    def list_archives(self) -> list[ArchiveInfo]:
        """Every readable archive, newest first; unreadable files are skipped with one log line each."""
        if not self._is_safe_directory():
            if self.directory.is_symlink():
                log.warn_once("archive-dir-link", f"{self.directory} is a link; its archives are ignored")
            return []
        found: dict[str, _Cached] = {}
        for entry in os.scandir(self.directory):
            name = entry.name
            if not name.endswith(ARCHIVE_SUFFIX) or not is_archive_id(name[: -len(ARCHIVE_SUFFIX)]):
                continue
            archive_id = name[: -len(ARCHIVE_SUFFIX)]
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
                with self._lock:
                    cached = self._cache.get(archive_id)
                if cached is None or (cached.size, cached.mtime_ns) != (st.st_size, st.st_mtime_ns):
                    cached = _Cached(st.st_size, st.st_mtime_ns, self.info(archive_id))
            except (ArchiveNotFoundError, OSError):
                continue  # deleted or replaced while listing
            except InvalidArchiveError as exc:
                log.warn_once(f"archive-invalid:{archive_id}", f"{exc}; it is not listed")
                continue
            found[archive_id] = cached
        with self._lock:
            self._cache = found
        return sorted((c.info for c in found.values()), key=lambda i: (i.created_at, i.id), reverse=True)

    # Deleting -----------------------------------------------------------------------------------

    def delete(self, archive_id: str) -> ArchiveInfo:
        """Delete one archive file; links and anything that is not a plain file are refused.

        Raises:
            ArchiveIdError, ArchiveNotFoundError: as for ``open``.
        """
        path = self._path(archive_id)
        try:
            st = os.lstat(path)
        except OSError:
            raise ArchiveNotFoundError(f"archive {archive_id} not found") from None
        if not stat.S_ISREG(st.st_mode):
            raise ArchiveNotFoundError(f"archive {archive_id} not found")
        try:
            info = self.info(archive_id)
        except InvalidArchiveError:
            # An unreadable archive can still be deleted; describe it from the file alone.
            info = ArchiveInfo(
                id=archive_id,
                created_at=st.st_mtime,
                size_bytes=st.st_size,
                workflow_count=0,
                oom_count=0,
                reason="manual",
                first_started_at=None,
                last_started_at=None,
            )
        try:
            os.unlink(path)  # unlink never follows a link, and lstat said this is a plain file
        except FileNotFoundError:
            raise ArchiveNotFoundError(f"archive {archive_id} not found") from None
        with self._lock:
            self._cache.pop(archive_id, None)
        return info
