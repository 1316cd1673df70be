"""Declarative endpoints: validation, JSON errors and method dispatch shared by every route.

Each path gets ONE aiohttp handler registered for method ``*`` so that a wrong method answers a
JSON 405 (aiohttp's own 405 is a text page), on ComfyUI's route table and on the standalone host.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from .. import log
from ..schemas import ApiModel, ErrorBody, RequestModel
from .errors import ApiError, validation_details
from .guards import RequestGuard, refuse_unguarded

QueryT = TypeVar("QueryT", bound=RequestModel)
BodyT = TypeVar("BodyT", bound=RequestModel)

JSON_CONTENT_TYPE = "application/json"
# Bodies are small JSON documents; anything bigger is a mistake or an attack.
MAX_BODY_BYTES = 64 * 1024


class NoQuery(RequestModel):
    """Endpoints without query parameters still refuse unknown ones."""


class NoBody(RequestModel):
    """An endpoint that takes no body (an empty JSON object is accepted)."""


@dataclass(frozen=True)
class Call(Generic[QueryT, BodyT]):
    """What a handler receives: validated query and body, path parameters, the raw request."""

    query: QueryT
    body: BodyT
    path_params: Mapping[str, str]
    request: web.Request


Handler = Callable[[Call[Any, Any]], Awaitable[ApiModel | web.StreamResponse]]


@dataclass(frozen=True)
class Endpoint:
    """One operation: method + path, its models, and how it appears in the OpenAPI document."""

    method: str
    path: str
    operation_id: str
    summary: str
    handler: Handler
    response_model: type[BaseModel] | None
    tag: str
    query_model: type[RequestModel] = NoQuery
    body_model: type[RequestModel] | None = None
    success_status: int = 200
    error_statuses: tuple[int, ...] = ()
    description: str = ""
    path_param_patterns: Mapping[str, str] = field(default_factory=dict)
    response_media_type: str = JSON_CONTENT_TYPE
    # Restart, clear-VRAM, archive load/delete, history clear: POST/DELETE with a JSON body, and the
    # request guards (token, origin, exposure) must pass before the handler runs.
    destructive: bool = False
    # Set by build_endpoints (guards.attach_guard); a destructive endpoint without one refuses all.
    guard: RequestGuard | None = None


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


def _query_input(request: web.Request) -> dict[str, str | list[str]]:
    merged: dict[str, str | list[str]] = {}
    for key in request.query:
        values = request.query.getall(key)
        merged[key] = values[0] if len(values) == 1 else list(values)
    return merged


def _parse_query(endpoint: Endpoint, request: web.Request) -> RequestModel:
    try:
        return endpoint.query_model.model_validate(_query_input(request))
    except ValidationError as exc:
        raise ApiError(
            400, "validation_error", "invalid query parameters", validation_details(exc, "query")
        ) from None


async def _parse_body(endpoint: Endpoint, request: web.Request) -> RequestModel:
    model = endpoint.body_model
    if model is None:
        if not endpoint.destructive:
            return NoBody()
        model = NoBody  # destructive endpoints always take a JSON body, `{}` at least
    if request.content_type != JSON_CONTENT_TYPE:
        # Refusing form and text types also stops the CORS-free "simple request" a hostile page can send.
        raise ApiError(415, "unsupported_media_type", f"the body must be {JSON_CONTENT_TYPE}")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise ApiError(413, "payload_too_large", f"the body must be at most {MAX_BODY_BYTES} bytes")
    raw = await request.content.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "payload_too_large", f"the body must be at most {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_request", "the body is not valid JSON") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(400, "validation_error", "invalid body", validation_details(exc, "body")) from None


async def run_endpoint(endpoint: Endpoint, request: web.Request) -> web.StreamResponse:
    """Validate, call and serialize one endpoint; every failure becomes a JSON error."""
    try:
        if endpoint.destructive:
            # Before the body is read: an unauthenticated request costs nothing.
            if endpoint.guard is None:
                raise refuse_unguarded(request)
            endpoint.guard.check_destructive(request)
        query = _parse_query(endpoint, request)
        body = await _parse_body(endpoint, request)
        call: Call[Any, Any] = Call(query=query, body=body, path_params=request.match_info, request=request)
        result = await endpoint.handler(call)
        if isinstance(result, web.StreamResponse):
            return result
        return json_response(result, endpoint.success_status)
    except ApiError as err:
        return error_response(err)
    except web.HTTPException:
        raise
    except Exception:
        # A bug of ours must not turn into a traceback page; say so and log the details once a minute.
        log.at_most_every(f"handler:{endpoint.operation_id}", 60.0, f"{endpoint.operation_id} failed")
        log.logger.debug("handler failure", exc_info=True)
        return json_response(
            ErrorBody(error="internal_error", message=f"{endpoint.operation_id} failed; see the server log"),
            500,
        )


def path_dispatcher(
    path: str, endpoints: Iterable[Endpoint]
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """One handler for every method of ``path``: dispatches, or answers 405 with ``Allow``."""
    by_method = {e.method: e for e in endpoints}
    if "GET" in by_method and "HEAD" not in by_method:
        by_method["HEAD"] = by_method["GET"]
    allow = ", ".join(sorted(by_method))

    async def dispatch(request: web.Request) -> web.StreamResponse:
        endpoint = by_method.get(request.method)
        if endpoint is None:
            if request.method == "OPTIONS":
                return web.Response(status=204, headers={"Allow": allow})
            return error_response(
                ApiError(
                    405,
                    "method_not_allowed",
                    f"{request.method} is not allowed on {path}; use {allow}",
                    headers={"Allow": allow},
                )
            )
        return await run_endpoint(endpoint, request)

    dispatch.__name__ = (
        f"swissarmyknife_{path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}"
    )
    return dispatch


@dataclass(frozen=True)
class RouteSpec:
    """What a host registers: ``route("*", path)(handler)``."""

    path: str
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]]


def route_specs(endpoints: Iterable[Endpoint]) -> list[RouteSpec]:
    grouped: dict[str, list[Endpoint]] = {}
    for endpoint in endpoints:
        grouped.setdefault(endpoint.path, []).append(endpoint)
    return [RouteSpec(path, path_dispatcher(path, group)) for path, group in grouped.items()]


__all__ = [
    "Call",
    "Endpoint",
    "ErrorBody",
    "NoBody",
    "NoQuery",
    "RouteSpec",
    "json_response",
    "route_specs",
    "run_endpoint",
]
