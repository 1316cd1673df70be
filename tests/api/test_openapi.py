"""The OpenAPI document: served, complete, 3.1, and identical to the committed generated copy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backend.api import API_TITLE, ApiServices, build_endpoints, openapi_document
from backend.version import __version__
from tests.support.api import build_app
from tests.support.telemetry import FakeSampler

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "frontend" / "src" / "api" / "openapi.gen.json"


def test_document_is_openapi_31_with_every_endpoint() -> None:
    doc = openapi_document(__version__)
    assert doc["openapi"] == "3.1.0"
    assert doc["info"] == {"title": API_TITLE, "version": __version__}
    endpoints = build_endpoints(ApiServices(version=__version__, sampler=FakeSampler()))
    declared = {(e.path, e.method.lower()) for e in endpoints}
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert declared == documented
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)), "operation ids must be unique (they name the client's functions)"
    assert all(path.startswith("/swissarmyknife/") for path in doc["paths"])


def test_every_ref_resolves() -> None:
    doc = openapi_document(__version__)
    schemas = doc["components"]["schemas"]
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/")
        assert ref.removeprefix("#/components/schemas/") in schemas, ref


def test_response_fields_with_defaults_are_required() -> None:
    event = openapi_document(__version__)["components"]["schemas"]["MonitorEvent"]
    assert "type" in event["required"], "defaults must stay required in responses (generated TS types)"


def test_errors_are_documented_as_error_body() -> None:
    op = openapi_document(__version__)["paths"]["/swissarmyknife/monitor/status"]["get"]
    for status in ("400", "405", "503"):
        assert op["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")


def test_committed_generated_document_has_not_drifted() -> None:
    built = json.dumps(openapi_document(__version__), indent=2) + "\n"
    assert COMMITTED.read_text() == built, "run `python scripts/frontend.py gen-api` and commit the result"


async def test_document_is_served(aiohttp_client: Any) -> None:
    client = await aiohttp_client(build_app(FakeSampler()))
    for path in ("/swissarmyknife/openapi.json", "/api/swissarmyknife/openapi.json"):
        resp = await client.get(path)
        assert resp.status == 200
        doc = await resp.json()
        assert "/swissarmyknife/monitor/status" in doc["paths"]
