"""Load an optional library on first use, say once when it is missing, and retry with backoff."""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from .. import log

T = TypeVar("T")


class Backoff:
    """Exponential retry delays: ``initial_s``, doubled after each failure, capped at ``max_s``."""

    def __init__(
        self, *, initial_s: float, max_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Create a backoff that allows an attempt at once.

        Args:
            initial_s: delay after the first failure.
            max_s: the longest delay.
            clock: monotonic seconds (injected by tests).
        """
        self._initial_s = initial_s
        self._max_s = max_s
        self._clock = clock
        self._failures = 0
        self._retry_at = float("-inf")

    @property
    def failures(self) -> int:
        """Consecutive failures since the last success."""
        return self._failures

    @property
    def retry_at(self) -> float:
        """Clock time from which the next attempt is allowed."""
        return self._retry_at

    def due(self) -> bool:
        """Whether an attempt is allowed now."""
        return self._clock() >= self._retry_at

    def failed(self) -> float:
        """Record a failure; return the delay before the next attempt, in seconds."""
        delay_s = min(self._max_s, self._initial_s * (2.0 ** min(self._failures, 32)))
        self._failures += 1
        self._retry_at = self._clock() + delay_s
        return delay_s

    def succeeded(self) -> None:
        """Record a success: the next failure starts again from ``initial_s``."""
        self._failures = 0
        self._retry_at = float("-inf")


class OptionalModule(Generic[T]):
    """A library this pack can live without: imported lazily, never at our import time.

    A missing library is logged once; the import is retried every ``retry_s`` so a library
    installed while ComfyUI runs is picked up by the next capability probe.
    """

    def __init__(
        self,
        name: str,
        loader: Callable[[], T],
        *,
        consequence: str,
        level: int = logging.WARNING,
        retry_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Describe an optional library.

        Args:
            name: the import name, used in the log line.
            loader: imports and returns the module; raising means "missing".
            consequence: what the user loses without it, for the log line.
            level: log level for "missing" (DEBUG for vendor libraries most machines lack).
            retry_s: how long to wait before trying the import again.
            clock: monotonic seconds (injected by tests).
        """
        self._name = name
        self._loader = loader
        self._consequence = consequence
        self._level = level
        self._retry_s = retry_s
        self._clock = clock
        self._lock = threading.Lock()
        self._module: T | None = None
        self._next_try_at = float("-inf")
        self._tried = False

    @property
    def loaded(self) -> bool:
        """Whether the library has been imported."""
        return self._module is not None

    def get(self) -> T | None:
        """Return the module, importing it if needed; ``None`` while it is missing."""
        module = self._module
        if module is not None:
            return module
        with self._lock:
            if self._module is not None:
                return self._module
            now = self._clock()
            if now < self._next_try_at:
                return None
            if self._tried:
                # A failed import leaves stale directory listings in the path finders' caches;
                # without this a `pip install` done while we run would never be seen.
                importlib.invalidate_caches()
            self._tried = True
            try:
                self._module = self._loader()
            except Exception as exc:  # ImportError, or OSError from a broken native build
                self._next_try_at = now + self._retry_s
                log.warn_once(
                    f"telemetry.missing.{self._name}",
                    f"{self._name} is not available ({type(exc).__name__}: {exc}): {self._consequence}",
                    level=self._level,
                )
                return None
            return self._module
