"""Shared fixtures for the telemetry tests: fresh warn-once state, a manual clock."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from backend import log
from tests.support.hardware import ManualClock


@pytest.fixture(autouse=True)
def _fresh_log_state(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    log.reset_for_tests()
    caplog.set_level(logging.DEBUG, logger="swissarmyknife")
    yield
    log.reset_for_tests()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()
