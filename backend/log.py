"""The pack's logger: one ``[SwissArmyKnife]`` prefix, warn-once and rate-limited helpers."""

from __future__ import annotations

import logging
import threading
import time

PREFIX = "[SwissArmyKnife]"

logger = logging.getLogger("swissarmyknife")

_lock = threading.Lock()
_once_keys: set[str] = set()
_last_logged_at: dict[str, float] = {}


def _emit(level: int, message: str, exc_info: bool) -> None:
    logger.log(level, "%s %s", PREFIX, message, exc_info=exc_info)


def info(message: str) -> None:
    _emit(logging.INFO, message, False)


def warning(message: str, *, exc_info: bool = False) -> None:
    _emit(logging.WARNING, message, exc_info)


def warn_once(key: str, message: str, *, level: int = logging.WARNING, exc_info: bool = False) -> bool:
    """Log ``message`` the first time ``key`` is seen in this process; return whether it was logged."""
    with _lock:
        if key in _once_keys:
            return False
        _once_keys.add(key)
    _emit(level, message, exc_info)
    return True


def at_most_every(key: str, interval_s: float, message: str, *, level: int = logging.WARNING) -> bool:
    """Log ``message`` unless the same ``key`` was logged less than ``interval_s`` ago."""
    now = time.monotonic()
    with _lock:
        last = _last_logged_at.get(key)
        if last is not None and now - last < interval_s:
            return False
        _last_logged_at[key] = now
    _emit(level, message, False)
    return True


def reset_for_tests() -> None:
    """Forget which keys were logged, so each test sees its own first warning."""
    with _lock:
        _once_keys.clear()
        _last_logged_at.clear()
