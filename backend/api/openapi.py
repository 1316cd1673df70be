"""Builds the OpenAPI 3.1 document from the declared endpoints and pydantic models."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ..schemas import ErrorBody, RequestModel
from .endpoints import Endpoint, Guard, NoPath, NoQuery

REF_TEMPLATE = "#/components/schemas/{model}"
# The websocket events, by name: no route carries them, but the frontend's generated types need them.
EVENTS_EXTENSION = "x-websocket-events"
SERVER_EVENT_SCHEMA = "ServerEvent"


def _parameters(
    model: type[RequestModel], skip: type[RequestModel], where: str, defs: dict[str, Any]
) -> list[dict[str, Any]]:
    """One parameter per field of a path or query model (their patterns and limits included)."""
    if model is skip:
        return []
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, mode="validation")
    defs.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        param: dict[str, Any] = {"name": name, "in": where, "required": name in required, "schema": prop}
        if "description" in prop:
            param["description"] = prop["description"]
        params.append(param)
    return params


def _token_parameter(guard: Guard) -> dict[str, Any]:
    # Guarded endpoints (backend/api/guards.py): the generated client must send the token.
    return {
        "name": guard.token_header,
        "in": "header",
        "required": True,
        "description": f"This server process's token, from {guard.token_source}.",
        "schema": {"type": "string"},
    }


def _events_schema(events: Mapping[str, type[BaseModel]]) -> dict[str, Any]:
    """The union of every event payload, told apart by ``type`` (each model's one literal)."""
    mapping = {}
    for model in events.values():
        literal = model.model_fields["type"].default
        mapping[str(literal)] = REF_TEMPLATE.format(model=model.__name__)
    return {
        "oneOf": [_ref(model) for model in events.values()],
        "discriminator": {"propertyName": "type", "mapping": mapping},
    }


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def build_openapi(
    endpoints: Sequence[Endpoint],
    *,
    title: str,
    version: str,
    events: Mapping[str, type[BaseModel]] = {},
) -> dict[str, Any]:
    """Return the OpenAPI 3.1 document; ``events`` (name -> payload model) adds the websocket events.

    Response models are rendered in serialization mode (defaults required, as the server always
    sends them) and request models in validation mode (defaults optional). The events appear as
    components, a ``ServerEvent`` union of them, and the ``x-websocket-events`` name table.
    """
    responses = {e.response_model for e in endpoints if e.response_model is not None} | {ErrorBody}
    responses |= set(events.values())
    bodies = {e.documented_body for e in endpoints} - {None}
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
        params = _parameters(endpoint.path_model, NoPath, "path", schemas)
        params += _parameters(endpoint.query_model, NoQuery, "query", schemas)
        if endpoint.guard is not None:
            params.append(_token_parameter(endpoint.guard))
        if params:
            operation["parameters"] = params
        body_model = endpoint.documented_body
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
        if endpoint.guarded:
            statuses |= {403, 413, 415}
        for status in sorted(statuses):
            op_responses[str(status)] = {
                "description": HTTPStatus(status).phrase,
                "content": {"application/json": {"schema": _ref(ErrorBody)}},
            }
        operation["responses"] = op_responses
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = operation

    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
    }
    if events:
        schemas[SERVER_EVENT_SCHEMA] = _events_schema(events)
        document[EVENTS_EXTENSION] = {name: _ref(model) for name, model in events.items()}
    document["components"] = {"schemas": dict(sorted(schemas.items()))}
    return document


def _name(model: type[BaseModel] | None) -> str:
    return "" if model is None else model.__name__
