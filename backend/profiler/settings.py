"""The profiler's user settings (accurate GPU timing): applied to the memory probe, kept in a JSON file."""

from __future__ import annotations

import threading
from pathlib import Path

from pydantic import ValidationError

from .. import log
from ..monitor_settings import write_json_atomically
from ..schemas.profiler import ProfilerSettings, StoredProfilerSettings
from .memory import MemoryProbe

SETTINGS_FILE_NAME = "profiler_settings.json"


class ProfilerSettingsStore:
    """Reads and changes the probe's settings; with a ``path`` they survive restarts.

    ``update`` writes to disk: call it off the server loop (the handler uses an executor).
    """

    def __init__(self, probe: MemoryProbe, path: Path | None) -> None:
        self._probe = probe
        self._path = path
        self._lock = threading.Lock()

    def load(self) -> None:
        """Apply saved settings, if the file is valid; a bad file is logged once and ignored."""
        if self._path is None:
            return
        try:
            stored = StoredProfilerSettings.model_validate_json(self._path.read_bytes())
        except FileNotFoundError:
            return
        except (OSError, ValidationError) as exc:
            log.warn_once(
                "profiler-settings-read", f"ignoring {self._path} ({type(exc).__name__}); using defaults"
            )
            return
        self._probe.sync_gpu = stored.accurate_gpu_timing

    def current(self) -> ProfilerSettings:
        return ProfilerSettings(accurate_gpu_timing=self._probe.sync_gpu, persisted=self._path is not None)

    def update(self, accurate_gpu_timing: bool) -> ProfilerSettings:
        """Apply now (the next node is timed accordingly) and save; a failed save reports persisted=False."""
        with self._lock:
            self._probe.sync_gpu = accurate_gpu_timing
            saved = self._path is not None
            if self._path is not None:
                payload = StoredProfilerSettings(accurate_gpu_timing=accurate_gpu_timing).model_dump(
                    mode="json"
                )
                try:
                    write_json_atomically(self._path, payload)
                except OSError as exc:
                    log.at_most_every("profiler-settings-write", 60.0, f"cannot save {self._path}: {exc}")
                    saved = False
        return ProfilerSettings(accurate_gpu_timing=accurate_gpu_timing, persisted=saved)
