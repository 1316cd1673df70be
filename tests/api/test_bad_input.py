"""Bad input on any route: unknown query parameters, wrong methods, malformed bodies -> JSON 4xx."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from backend.api.endpoints import Call, Endpoint, route_specs
from backend.schemas import ApiModel, ErrorBody, RequestModel
from tests.support.api import build_app
from tests.support.telemetry import FakeSampler

STATUS = "/swissarmyknife/monitor/status"


async def _error(resp: Any, status: int) -> ErrorBody:
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/json"
    return ErrorBody.model_validate(await resp.json())


async def test_unknown_query_parameter_is_refused(aiohttp_client: Any, fake_sampler: FakeSampler) -> None:
    client = await aiohttp_client(build_app(fake_sampler))
    body = await _error(await client.get(STATUS + "?verbose=1"), 400)
    assert body.error == "validation_error"
    assert [d.location for d in body.details] == ["query.verbose"]
    assert body.details[0].message == "unknown parameter"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
async def test_wrong_method_is_a_json_405_with_allow(
    aiohttp_client: Any, fake_sampler: FakeSampler, method: str
) -> None:
    client = await aiohttp_client(build_app(fake_sampler))
    resp = await client.request(method, STATUS, data=b"garbage")
    body = await _error(resp, 405)
    assert body.error == "method_not_allowed"
    assert resp.headers["Allow"] == "GET, HEAD"
    assert method in body.message


async def test_head_is_served_like_get(aiohttp_client: Any, fake_sampler: FakeSampler) -> None:
    client = await aiohttp_client(build_app(fake_sampler))
    resp = await client.head(STATUS)
    assert resp.status == 200


class Echo(ApiModel):
    name: str
    count: int


class EchoCreate(RequestModel):
    name: str
    count: int = 1


class EchoQuery(RequestModel):
    dry_run: bool = False


async def _echo(call: Call[Any, EchoQuery, EchoCreate]) -> Echo:
    return Echo(name=call.body.name, count=call.body.count)


async def _boom(_call: Call[Any, Any, Any]) -> Echo:
    raise RuntimeError("secret internal detail")


def _body_app() -> web.Application:
    endpoints = [
        Endpoint(
            method="PUT",
            path="/t/echo",
            operation_id="echo",
            summary="",
            handler=_echo,
            response_model=Echo,
            tag="t",
            query_model=EchoQuery,
            body_model=EchoCreate,
        ),
        Endpoint(
            method="GET",
            path="/t/boom",
            operation_id="boom",
            summary="",
            handler=_boom,
            response_model=Echo,
            tag="t",
        ),
    ]
    app = web.Application()
    for spec in route_specs(endpoints):
        app.router.add_route("*", spec.path, spec.handler)
    return app


async def test_valid_json_body_is_parsed(aiohttp_client: Any) -> None:
    client = await aiohttp_client(_body_app())
    resp = await client.put("/t/echo?dry_run=true", json={"name": "x", "count": 3})
    assert resp.status == 200
    assert await resp.json() == {"name": "x", "count": 3}


@pytest.mark.parametrize(
    ("payload", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "bad_request"),
        (b'{"name": 5}', "application/json", 400, "validation_error"),
        (b'{"name": "x", "extra": 1}', "application/json", 400, "validation_error"),
        (b"[1, 2]", "application/json", 400, "validation_error"),
        (b"\xff\xfe", "application/json", 400, "bad_request"),
        (b"name=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b"name=x", "text/plain", 415, "unsupported_media_type"),
        (b"--b--", "multipart/form-data; boundary=b", 415, "unsupported_media_type"),
        (b"{" + b" " * 70_000 + b"}", "application/json", 413, "payload_too_large"),
    ],
)
async def test_malformed_bodies_are_4xx_json(
    aiohttp_client: Any, payload: bytes, content_type: str, status: int, code: str
) -> None:
    client = await aiohttp_client(_body_app())
    body = await _error(
        await client.put("/t/echo", data=payload, headers={"Content-Type": content_type}), status
    )
    assert body.error == code
    assert body.message


async def test_bad_query_value_is_reported_by_name(aiohttp_client: Any) -> None:
    client = await aiohttp_client(_body_app())
    body = await _error(await client.put("/t/echo?dry_run=maybe", json={"name": "x"}), 400)
    assert body.details[0].location == "query.dry_run"


async def test_handler_bug_is_json_500_without_traceback(aiohttp_client: Any) -> None:
    client = await aiohttp_client(_body_app())
    resp = await client.get("/t/boom")
    body = await _error(resp, 500)
    assert body.error == "internal_error"
    assert "secret internal detail" not in await resp.text()
    assert "Traceback" not in await resp.text()
