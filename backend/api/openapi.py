"""Builds the OpenAPI 3.1 document from the declared endpoints and pydantic models."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ..schemas import ErrorBody
from .endpoints import Endpoint, NoBody, NoQuery
from .guards import SESSION_PATH, TOKEN_HEADER

REF_TEMPLATE = "#/components/schemas/{model}"


def _query_parameters(endpoint: Endpoint, defs: dict[str, Any]) -> list[dict[str, Any]]:
    if endpoint.query_model is NoQuery:
        return []
    schema = endpoint.query_model.model_json_schema(ref_template=REF_TEMPLATE, mode="validation")
    defs.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            param["description"] = prop["description"]
        params.append(param)
    return params


def _path_parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    params = []
    for part in endpoint.path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            schema: dict[str, Any] = {"type": "string"}
            if name in endpoint.path_param_patterns:
                schema["pattern"] = endpoint.path_param_patterns[name]
            params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


# Destructive endpoints are guarded (backend/api/guards.py); the generated client must send this.
_TOKEN_PARAMETER: dict[str, Any] = {
    "name": TOKEN_HEADER,
    "in": "header",
    "required": True,
    "description": f"This server process's token, from GET {SESSION_PATH}.",
    "schema": {"type": "string"},
}


def _body_model(endpoint: Endpoint) -> type[BaseModel] | None:
    """The documented body: destructive endpoints always take a JSON object, ``{}`` at least."""
    if endpoint.body_model not in (None, NoBody):
        return endpoint.body_model
    return NoBody if endpoint.destructive else None


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def build_openapi(
    endpoints: Sequence[Endpoint],
    *,
    title: str,
    version: str,
    extra_models: Iterable[type[BaseModel]] = (),
) -> dict[str, Any]:
    """Return the OpenAPI 3.1 document; ``extra_models`` adds websocket payloads to components.

    Response models are rendered in serialization mode (defaults required, as the server always
    sends them) and request models in validation mode (defaults optional).
    """
    responses = {e.response_model for e in endpoints if e.response_model is not None} | {ErrorBody}
    responses |= set(extra_models)
    bodies = {_body_model(e) for e in endpoints} - {None}
    keyed: list[tuple[type[BaseModel], Any]] = [(m, "serialization") for m in sorted(responses, key=_name)]
    keyed += [(m, "validation") for m in sorted(bodies, key=_name) if m is not None]
    _, top = models_json_schema(keyed, ref_template=REF_TEMPLATE)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))

    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        operation: dict[str, Any] = {
            "operationId": endpoint.operation_id,
            "summary": endpoint.summary,
            "tags": [endpoint.tag],
        }
        if endpoint.description:
            operation["description"] = endpoint.description
        params = _path_parameters(endpoint) + _query_parameters(endpoint, schemas)
        if endpoint.destructive:
            params.append(_TOKEN_PARAMETER)
        if params:
            operation["parameters"] = params
        body_model = _body_model(endpoint)
        if body_model is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(body_model)}},
            }
        ok: dict[str, Any] = {"description": HTTPStatus(endpoint.success_status).phrase}
        if endpoint.response_model is not None:
            ok["content"] = {endpoint.response_media_type: {"schema": _ref(endpoint.response_model)}}
        elif endpoint.response_media_type != "application/json":
            ok["content"] = {endpoint.response_media_type: {"schema": {"type": "string"}}}
        op_responses: dict[str, Any] = {str(endpoint.success_status): ok}
        statuses = {400, 405, *endpoint.error_statuses}
        if endpoint.body_model is not None:
            statuses |= {413, 415}
        if endpoint.destructive:
            statuses |= {403, 413, 415}
        for status in sorted(statuses):
            op_responses[str(status)] = {
                "description": HTTPStatus(status).phrase,
                "content": {"application/json": {"schema": _ref(ErrorBody)}},
            }
        operation["responses"] = op_responses
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = operation

    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


def _name(model: type[BaseModel] | None) -> str:
    return "" if model is None else model.__name__
