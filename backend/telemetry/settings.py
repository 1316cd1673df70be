"""The monitor's settings group (the sample interval): applied to the sampler, kept in a JSON file."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ..schemas.monitor import StoredMonitorSettings
from ..settings_file import SettingsFile

SETTINGS_FILE_NAME = "monitor_settings.json"

MonitorSettingsFile = SettingsFile[StoredMonitorSettings]


class IntervalControl(Protocol):
    """The part of the sampler the settings drive."""

    @property
    def interval_s(self) -> float: ...

    def set_interval(self, interval_s: float) -> None: ...


def monitor_settings(sampler: IntervalControl, path: Path | None) -> MonitorSettingsFile:
    """The sample interval, saved at ``path`` (``None``: in memory only); the sampler's is the default.

    Raises (from ``update``):
        ValueError: An interval outside 0.5..10 s (the request model refuses that first).
    """

    def apply(stored: StoredMonitorSettings) -> StoredMonitorSettings:
        sampler.set_interval(stored.sample_interval_s)
        return StoredMonitorSettings(sample_interval_s=sampler.interval_s)

    return SettingsFile(path, StoredMonitorSettings(sample_interval_s=sampler.interval_s), apply)
