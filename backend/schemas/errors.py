"""The one error body every 4xx/5xx answer of the plugin carries."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import ApiModel

ErrorCode = Literal[
    "bad_request",
    "validation_error",
    "not_found",
    "method_not_allowed",
    "unsupported_media_type",
    "forbidden",
    "conflict",
    "payload_too_large",
    "internal_error",
    "unavailable",
]


class ErrorDetail(ApiModel):
    """One invalid field: where it is and what is wrong with it."""

    location: str
    message: str


class ErrorBody(ApiModel):
    """A machine-readable code, a sentence for people, and per-field details when there are some."""

    error: ErrorCode
    message: str
    details: list[ErrorDetail] = Field(default_factory=list)
