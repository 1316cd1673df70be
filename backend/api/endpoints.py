"""Declarative endpoints: each operation declared once, with every step a request goes through.

A request meets, in order: the method (dispatch), the guard when the endpoint has one (before
anything is read: an unauthenticated request costs nothing), the path parameters, the query and
the body, each validated by its model; then the handler. Every refusal is a JSON 4xx.

Each path gets ONE aiohttp handler registered for method ``*`` so that a wrong method answers a
JSON 405 (aiohttp's own 405 is a text page), on ComfyUI's route table and on the standalone host.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from .. import log
from ..schemas import ApiModel, ErrorBody, RequestModel
from .errors import ApiError, validation_details
from .http import GUARDED_METHODS, JSON_CONTENT_TYPE, error_response, json_response, require_json

PathT = TypeVar("PathT", bound=RequestModel)
QueryT = TypeVar("QueryT", bound=RequestModel)
BodyT = TypeVar("BodyT", bound=RequestModel)
ServiceT = TypeVar("ServiceT")

# Bodies are small JSON documents; anything bigger is a mistake or an attack.
MAX_BODY_BYTES = 64 * 1024
_PATH_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class NoPath(RequestModel):
    """A path without parameters."""


class NoQuery(RequestModel):
    """Endpoints without query parameters still refuse unknown ones."""


class NoBody(RequestModel):
    """An endpoint that takes no body (an empty JSON object is accepted)."""


class Guard(Protocol):
    """What a guarded endpoint's first step asks (``backend.api.guards.RequestGuard``)."""

    @property
    def token_header(self) -> str:
        """The request header that carries the token (documented on every guarded operation)."""
        ...

    @property
    def token_source(self) -> str:
        """Where a page reads the token, for the document (e.g. ``GET /swissarmyknife/session``)."""
        ...

    def check(self, request: web.Request) -> None:
        """Refuse the request unless it may act.

        Raises:
            ApiError: 403 or 415 with a message saying what to change.
        """
        ...


@dataclass(frozen=True)
class Call(Generic[PathT, QueryT, BodyT]):
    """What a handler receives: validated path parameters, query and body, and the raw request."""

    path: PathT
    query: QueryT
    body: BodyT
    request: web.Request


Handler = Callable[[Call[Any, Any, Any]], Awaitable[ApiModel | web.StreamResponse]]


@dataclass(frozen=True)
class Endpoint:
    """One operation: method + path, the steps and models of its requests, and how it is documented.

    Attributes:
        path_model: The path's ``{parameters}``, validated like a query (a 400 names the parameter).
            Its fields must be exactly the parameters in ``path``.
        guard: Restart, clear VRAM, archive load/delete, history clear: the request guards (token,
            origin, exposure, a JSON body) pass before anything else happens. Every POST and DELETE
            must have one (declaring one without fails at startup: fail closed), only they can, and
            such an endpoint always takes a JSON body (``{}`` at least).
        test_only: The standalone host's test-only routes (``backend/api/standalone.py``): POST
            without a guard, never registered inside ComfyUI.
    """

    method: str
    path: str
    operation_id: str
    summary: str
    handler: Handler
    response_model: type[BaseModel] | None
    tag: str
    path_model: type[RequestModel] = NoPath
    query_model: type[RequestModel] = NoQuery
    body_model: type[RequestModel] | None = None
    guard: Guard | None = None
    success_status: int = 200
    error_statuses: tuple[int, ...] = ()
    description: str = ""
    response_media_type: str = JSON_CONTENT_TYPE
    test_only: bool = False

    def __post_init__(self) -> None:
        declared = set(_PATH_PARAM.findall(self.path))
        modelled = set(self.path_model.model_fields)
        if declared != modelled:
            raise ValueError(
                f"{self.operation_id}: path parameters {sorted(declared)} but path_model "
                f"{self.path_model.__name__} has {sorted(modelled)}"
            )
        if self.guard is not None and self.method not in GUARDED_METHODS:
            raise ValueError(f"{self.operation_id}: only POST and DELETE can be guarded, not {self.method}")
        if self.guard is None and self.method in GUARDED_METHODS and not self.test_only:
            raise ValueError(f"{self.operation_id}: a {self.method} endpoint needs a request guard")

    @property
    def guarded(self) -> bool:
        return self.guard is not None

    @property
    def documented_body(self) -> type[RequestModel] | None:
        """The body the document shows: a guarded endpoint always takes a JSON object."""
        if self.body_model is not None and self.body_model is not NoBody:
            return self.body_model
        return NoBody if self.guarded else None


def require(service: ServiceT | None, what: str) -> ServiceT:
    """The one way a handler says a service is missing in this host (tests, the document alone).

    Raises:
        ApiError: 503 "<what> is not available in this host".
    """
    if service is None:
        raise ApiError(503, "unavailable", f"{what} is not available in this host")
    return service


def _validate(model: type[RequestModel], data: object, where: str, message: str) -> RequestModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(400, "validation_error", message, validation_details(exc, where)) from None


def _query_input(request: web.Request) -> dict[str, str | list[str]]:
    merged: dict[str, str | list[str]] = {}
    for key in request.query:
        values = request.query.getall(key)
        merged[key] = values[0] if len(values) == 1 else list(values)
    return merged


async def _read_body(endpoint: Endpoint, request: web.Request) -> RequestModel:
    model = endpoint.documented_body
    if model is None:
        return NoBody()
    require_json(request)
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise ApiError(413, "payload_too_large", f"the body must be at most {MAX_BODY_BYTES} bytes")
    raw = await request.content.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "payload_too_large", f"the body must be at most {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_request", "the body is not valid JSON") from None
    return _validate(model, data, "body", "invalid body")


async def run_endpoint(endpoint: Endpoint, request: web.Request) -> web.StreamResponse:
    """Take one request through the endpoint's steps; every failure becomes a JSON error."""
    try:
        if endpoint.guard is not None:
            endpoint.guard.check(request)
        path = _validate(endpoint.path_model, dict(request.match_info), "path", "invalid path parameters")
        query = _validate(endpoint.query_model, _query_input(request), "query", "invalid query parameters")
        body = await _read_body(endpoint, request)
        result = await endpoint.handler(Call(path=path, query=query, body=body, request=request))
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


class RouteSpec(NamedTuple):
    """What a host registers: ``route("*", path)(handler)`` (``backend.host.base.Route``)."""

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
    "Guard",
    "NoBody",
    "NoPath",
    "NoQuery",
    "RouteSpec",
    "json_response",
    "require",
    "route_specs",
    "run_endpoint",
]
