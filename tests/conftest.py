"""Shared fixtures."""

from __future__ import annotations

import pytest

from tests.support.telemetry import FakeSampler


@pytest.fixture
def fake_sampler() -> FakeSampler:
    return FakeSampler()
