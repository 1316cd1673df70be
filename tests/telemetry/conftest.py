"""Shared fixtures for the telemetry tests: import path, fresh warn-once state, a manual clock."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The backend package lives at the checkout's root and the doubles beside this file; neither is
# on sys.path under every pytest import mode.
for _path in (Path(__file__).resolve().parents[2], Path(__file__).resolve().parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from telemetry_doubles import ManualClock  # noqa: E402

from backend import log  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_log_state(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    log.reset_for_tests()
    caplog.set_level(logging.DEBUG, logger="swissarmyknife")
    yield
    log.reset_for_tests()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()
