"""The profiler's settings group (accurate GPU timing): applied to the memory probe, kept in a JSON file."""

from __future__ import annotations

from pathlib import Path

from ..schemas.profiler import StoredProfilerSettings
from ..settings_file import SettingsFile
from .memory import MemoryProbe

SETTINGS_FILE_NAME = "profiler_settings.json"

ProfilerSettingsFile = SettingsFile[StoredProfilerSettings]


def profiler_settings(probe: MemoryProbe, path: Path | None) -> ProfilerSettingsFile:
    """The probe's switches, saved at ``path`` (``None``: in memory only); they apply from the next node."""

    def apply(stored: StoredProfilerSettings) -> StoredProfilerSettings:
        probe.sync_gpu = stored.accurate_gpu_timing
        return stored

    return SettingsFile(path, StoredProfilerSettings(accurate_gpu_timing=probe.sync_gpu), apply)
