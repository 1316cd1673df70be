"""ApiError: the one exception handlers raise to answer a 4xx with a JSON body."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from ..schemas import ErrorBody, ErrorCode, ErrorDetail


class ApiError(Exception):
    """A refusal with an HTTP status, a machine code and a sentence for the operator."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        details: Sequence[ErrorDetail] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorBody(error=code, message=message, details=list(details))
        self.headers = headers or {}


def validation_details(exc: ValidationError, where: str) -> list[ErrorDetail]:
    """Turn pydantic's errors into ``location: message`` pairs without echoing the input back."""
    details: list[ErrorDetail] = []
    for err in exc.errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in err["loc"])
        location = f"{where}.{path}" if path else where
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown parameter" if where == "query" else "unknown field"
        details.append(ErrorDetail(location=location, message=message))
    return details
