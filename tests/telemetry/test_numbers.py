"""The number sanitisers every reading passes through: no NaN, no infinity, no strings, no negatives."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from backend.telemetry._numbers import (
    finite_float,
    non_negative_float,
    non_negative_int,
    percent,
    positive_int,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1.0),
        (2.5, 2.5),
        (-3.0, -3.0),
        (Fraction(1, 2), 0.5),
        (math.nan, None),
        (math.inf, None),
        (-math.inf, None),
        (None, None),
        ("12", None),
        ("N/A", None),
        (True, None),
        (b"1", None),
    ],
)
def test_finite_float(value: object, expected: float | None) -> None:
    result = finite_float(value)
    assert result == expected
    assert result is None or type(result) is float


def test_percent_clamps_and_rejects_negative() -> None:
    assert percent(100.4) == 100.0
    assert percent(0) == 0.0
    assert percent(-0.1) is None
    assert percent(math.nan) is None


def test_byte_counts() -> None:
    assert non_negative_int(12.9) == 12
    assert non_negative_int(0) == 0
    assert non_negative_int(-1) is None
    assert positive_int(0) is None
    assert positive_int(2**40) == 2**40
    assert non_negative_int(math.inf) is None


def test_non_negative_float() -> None:
    assert non_negative_float(0.0) == 0.0
    assert non_negative_float(-0.5) is None
    assert non_negative_float(math.nan) is None
