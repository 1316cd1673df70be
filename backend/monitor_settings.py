"""The monitor's user settings (the sample interval): applied to the sampler, kept in a small JSON file."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from . import log
from .schemas.monitor import (
    SAMPLE_INTERVAL_DEFAULT_S,
    SAMPLE_INTERVAL_MAX_S,
    SAMPLE_INTERVAL_MIN_S,
    MonitorSettings,
    StoredMonitorSettings,
)

SETTINGS_FILE_NAME = "monitor_settings.json"


class IntervalControl(Protocol):
    """The part of the sampler the settings drive."""

    @property
    def interval_s(self) -> float: ...

    def set_interval(self, interval_s: float) -> None: ...


class MonitorSettingsStore:
    """Reads and changes the sampler's interval; with a ``path``, the value survives restarts.

    ``update`` writes to disk: call it off the server loop (the handler uses an executor).
    """

    def __init__(self, sampler: IntervalControl, path: Path | None) -> None:
        """Create the store; nothing is read until ``load``.

        Args:
            sampler: whose interval the settings set.
            path: the JSON file (under the host's data directory); ``None`` keeps settings in memory.
        """
        self._sampler = sampler
        self._path = path
        self._lock = threading.Lock()

    @property
    def path(self) -> Path | None:
        """Where the settings are kept, ``None`` when only in memory."""
        return self._path

    def load(self) -> None:
        """Apply the saved interval, if there is a valid one; a bad file is logged once and ignored."""
        if self._path is None:
            return
        try:
            raw = self._path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            log.warn_once("monitor-settings-read", f"cannot read {self._path}: {exc}; using defaults")
            return
        try:
            stored = StoredMonitorSettings.model_validate_json(raw)
        except ValidationError:
            log.warn_once(
                "monitor-settings-invalid",
                f"{self._path} is not a valid settings file; using defaults until the interval is changed",
            )
            return
        with self._lock:
            self._sampler.set_interval(stored.sample_interval_s)

    def current(self) -> MonitorSettings:
        """The interval in force and its limits."""
        return self._settings(self._sampler.interval_s)

    def update(self, sample_interval_s: float) -> MonitorSettings:
        """Apply a new interval now and save it (atomically: temp file, fsync, rename).

        The sampler picks it up at once. A failed save is logged and reported as
        ``persisted=False``: the new interval still applies until the next restart.

        Raises:
            ValueError: outside 0.5..10 s (the request model refuses that before it gets here).
        """
        with self._lock:
            self._sampler.set_interval(sample_interval_s)
            interval = self._sampler.interval_s
            saved = self._save(interval)
        return self._settings(interval, persisted=saved)

    def _settings(self, interval: float, *, persisted: bool | None = None) -> MonitorSettings:
        return MonitorSettings(
            sample_interval_s=interval,
            min_sample_interval_s=SAMPLE_INTERVAL_MIN_S,
            max_sample_interval_s=SAMPLE_INTERVAL_MAX_S,
            default_sample_interval_s=SAMPLE_INTERVAL_DEFAULT_S,
            persisted=self._path is not None if persisted is None else persisted,
        )

    def _save(self, interval: float) -> bool:
        if self._path is None:
            return False
        payload = StoredMonitorSettings(sample_interval_s=interval).model_dump(mode="json")
        try:
            write_json_atomically(self._path, payload)
        except OSError as exc:
            log.at_most_every(
                "monitor-settings-write",
                60.0,
                f"cannot save {self._path}: {exc}; the interval applies until restart",
            )
            return False
        return True


def write_json_atomically(path: Path, payload: object) -> None:
    """Write ``payload`` as JSON so that readers see the old file or the new one, never half of one.

    Raises:
        OSError: the folder cannot be created or written (permissions, full disk).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
