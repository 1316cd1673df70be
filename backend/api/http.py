"""JSON over HTTP, once: the content type every body must have, and serializing a model as declared."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web
from pydantic import BaseModel

from .errors import ApiError

JSON_CONTENT_TYPE = "application/json"
# The only methods that may change anything; each such endpoint is guarded (backend/api/guards.py).
GUARDED_METHODS = frozenset({"POST", "DELETE"})
# What an HTML form (or a no-cors fetch) may send cross-site without a CORS preflight.
FORM_CONTENT_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})


def require_json(request: web.Request) -> None:
    """Refuse a body that is not JSON (``{}`` when there is nothing to say).

    Refusing the form and text types also stops the CORS-free "simple request" a hostile page can
    send: it cannot set ``application/json`` without a preflight, which this server never approves.

    Raises:
        ApiError: 415 saying what to send instead.
    """
    content_type = request.content_type
    if content_type == JSON_CONTENT_TYPE:
        return
    if content_type in FORM_CONTENT_TYPES:
        message = (
            f"{content_type} is refused: the body must be {JSON_CONTENT_TYPE} "
            "(a form on another web site cannot send that)"
        )
    else:
        message = f"the body must be {JSON_CONTENT_TYPE}, such as {{}}"
    raise ApiError(415, "unsupported_media_type", message)


def json_response(
    model: BaseModel, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Serialize a model exactly as declared (by alias, no extra keys)."""
    return web.Response(
        body=model.model_dump_json().encode(),
        status=status,
        content_type=JSON_CONTENT_TYPE,
        headers=headers,
    )


def error_response(error: ApiError) -> web.Response:
    return json_response(error.body, error.status, error.headers)
