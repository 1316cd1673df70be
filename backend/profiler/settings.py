"""The profiler's settings group (on/off, accurate GPU timing, retention): applied where each acts,
kept in a JSON file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..schemas.profiler import StoredProfilerSettings
from ..settings_file import SettingsFile
from .memory import MemoryProbe

SETTINGS_FILE_NAME = "profiler_settings.json"

ProfilerSettingsFile = SettingsFile[StoredProfilerSettings]


def profiler_settings(
    probe: MemoryProbe,
    path: Path | None,
    *,
    set_enabled: Callable[[bool], None] = lambda _enabled: None,
    set_max_workflows: Callable[[int], None] = lambda _count: None,
    set_vram_thresholds: Callable[[float, float], None] = lambda _warning, _critical: None,
    locked_reason: str | None = None,
) -> ProfilerSettingsFile:
    """The profiler's switches, saved at ``path`` (``None``: in memory only).

    Args:
        probe: Its ``sync_gpu`` is accurate GPU timing (from the next node on).
        path: The settings file.
        set_enabled: Turns recording on or off (the plugin attaches or detaches the hooks).
        set_max_workflows: The history store's retention.
        set_vram_thresholds: The pre-OOM warning's thresholds (warning, critical percent).
        locked_reason: Set when the operator turned the profiler off for this process
            (``SWISSARMYKNIFE_PROFILER=0``): ``enabled`` then stays off whatever is saved.
    """

    def apply(stored: StoredProfilerSettings) -> StoredProfilerSettings:
        if locked_reason is not None and stored.enabled:
            # Saved as on while the operator forces off: off for this process (the API refuses to
            # turn it on, saying why); what is in force is what gets reported.
            stored = stored.model_copy(update={"enabled": False})
        probe.sync_gpu = stored.accurate_gpu_timing
        set_enabled(stored.enabled)
        set_max_workflows(stored.max_workflows)
        set_vram_thresholds(stored.vram_warning_percent, stored.vram_critical_percent)
        return stored

    initial = StoredProfilerSettings(accurate_gpu_timing=probe.sync_gpu, enabled=locked_reason is None)
    return SettingsFile(path, initial, apply)
