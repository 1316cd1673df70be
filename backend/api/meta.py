"""Self-description routes: the OpenAPI document."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .endpoints import Call, Endpoint


def meta_endpoints(document: Callable[[], dict[str, Any]]) -> list[Endpoint]:
    cache: list[bytes] = []

    async def get_openapi(_call: Call[Any, Any, Any]) -> web.Response:
        if not cache:
            cache.append(json.dumps(document(), indent=2, sort_keys=False).encode())
        return web.Response(body=cache[0], content_type="application/json")

    return [
        Endpoint(
            method="GET",
            path="/swissarmyknife/openapi.json",
            operation_id="getOpenApi",
            summary="This API's OpenAPI 3.1 document",
            handler=get_openapi,
            response_model=None,
            tag="meta",
        )
    ]
