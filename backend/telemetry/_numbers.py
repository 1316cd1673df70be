"""Turn whatever a hardware library hands back into a finite number or ``None``, never NaN/inf."""

from __future__ import annotations

import math
from numbers import Real


def finite_float(value: object) -> float | None:
    """Return ``value`` as a finite float, or ``None`` when it is missing or not a real number.

    Args:
        value: anything a library returned: a number, ``None``, a string such as ``"N/A"``
            (amdsmi does that), NaN or infinity.

    Returns:
        The float, or ``None``; a JSON contract has no room for NaN or infinity.
    """
    # bool is an int subclass; a True here is a library bug, not a reading.
    if value is None or isinstance(value, bool) or not isinstance(value, Real):
        return None
    result = float(value)
    return result if math.isfinite(result) else None


def non_negative_float(value: object) -> float | None:
    """Return ``value`` as a finite float >= 0, else ``None`` (watts, MHz and °C-free quantities)."""
    result = finite_float(value)
    return result if result is not None and result >= 0.0 else None


def percent(value: object) -> float | None:
    """Return ``value`` clamped to 0..100, else ``None``; rounding in drivers can report 100.4 %."""
    result = finite_float(value)
    if result is None or result < 0.0:
        return None
    return min(result, 100.0)


def non_negative_int(value: object) -> int | None:
    """Return ``value`` as an int >= 0 (bytes, counts), else ``None``."""
    result = finite_float(value)
    if result is None or result < 0.0:
        return None
    return int(result)


def positive_int(value: object) -> int | None:
    """Return ``value`` as an int > 0 (totals, where 0 means "unknown"), else ``None``."""
    result = non_negative_int(value)
    return result if result else None
