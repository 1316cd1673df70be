"""One settings group (the monitor's, the profiler's, ...): applied where it acts, kept in a JSON file.

Every group is a stored pydantic model (``backend/schemas``: ``Stored...Settings``, unknown keys
refused) in its own file under the host's data directory. ``load`` applies the saved values, when the
file is valid (a bad file is logged once and ignored: defaults then), ``update`` applies new values
at once and saves them; a failed save still applies them until the next restart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from . import log
from .atomic_file import write_json_atomically

StoredT = TypeVar("StoredT", bound=BaseModel)


@dataclass(frozen=True)
class Updated(Generic[StoredT]):
    """What an update left in force, and whether it was saved."""

    values: StoredT
    persisted: bool


class SettingsFile(Generic[StoredT]):
    """Reads and changes one settings group; with a ``path``, its values survive restarts.

    ``update`` writes to disk: call it off the server loop (the handlers use an executor).
    """

    def __init__(
        self,
        path: Path | None,
        initial: StoredT,
        apply: Callable[[StoredT], StoredT],
    ) -> None:
        """Create the group; nothing is read until ``load``.

        Args:
            path: The JSON file (under the host's data directory); ``None`` keeps the values in memory.
            initial: The values in force before any are loaded or set (the defaults).
            apply: Puts values into effect (the sampler's interval, the probe's switch) and returns
                what is now in force, which is what gets saved and reported.
        """
        self._path = path
        self._model: type[StoredT] = type(initial)
        self._apply = apply
        self._lock = threading.Lock()
        self._values = initial

    @property
    def path(self) -> Path | None:
        """Where the values are kept, ``None`` when only in memory."""
        return self._path

    @property
    def persisted(self) -> bool:
        """Whether values are saved (there is a file to save them in)."""
        return self._path is not None

    def load(self) -> None:
        """Apply the saved values, if the file is valid; a missing file means the defaults."""
        if self._path is None:
            return
        try:
            raw = self._path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            log.warn_once(
                f"settings-read:{self._path.name}", f"cannot read {self._path}: {exc}; using defaults"
            )
            return
        try:
            stored = self._model.model_validate_json(raw)
        except ValidationError:
            log.warn_once(
                f"settings-invalid:{self._path.name}",
                f"{self._path} is not a valid settings file; using defaults until a setting is changed",
            )
            return
        with self._lock:
            self._values = self._apply(stored)

    def current(self) -> StoredT:
        """The values in force."""
        return self._values

    def update(self, **changes: Any) -> Updated[StoredT]:
        """Apply ``changes`` now and save the result (atomically: temp file, fsync, rename).

        Raises:
            pydantic.ValidationError: A change is not a valid value of the group (the request models
                refuse that before it gets here).
            ValueError: What ``apply`` refuses.
        """
        with self._lock:
            proposed = self._model.model_validate({**self._values.model_dump(), **changes})
            values = self._apply(proposed)
            self._values = values
            saved = self._save(values)
        return Updated(values, saved)

    def _save(self, values: StoredT) -> bool:
        if self._path is None:
            return False
        try:
            write_json_atomically(self._path, values.model_dump(mode="json"))
        except OSError as exc:
            log.at_most_every(
                f"settings-write:{self._path.name}",
                60.0,
                f"cannot save {self._path}: {exc}; the change applies until restart",
            )
            return False
        return True
