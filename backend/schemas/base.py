"""Base classes every schema derives from: strict inputs, fully-required outputs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ApiModel(BaseModel):
    """A response, event or stored record.

    ``json_schema_serialization_defaults_required`` makes fields with defaults required in the
    serialization schema, so generated TypeScript types do not mark always-present fields optional.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_serialization_defaults_required=True,
        # NaN/inf are not JSON; sources already clean them, this is the backstop.
        allow_inf_nan=False,
    )


class RequestModel(BaseModel):
    """A request body or query: unknown keys are refused with a 400, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
