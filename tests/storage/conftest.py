"""Fixtures for the history store: a started store in a temp folder, fresh warn-once state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend import log
from backend.storage import HistoryStore


@pytest.fixture(autouse=True)
def _fresh_log_keys() -> None:
    log.reset_for_tests()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore(tmp_path / "data", max_workflows=50, archive_batch=10) as opened:
        assert opened.wait_until_open()
        yield opened
