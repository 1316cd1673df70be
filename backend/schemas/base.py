"""Base classes every schema derives from: strict inputs, fully-required outputs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema


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


@dataclass(frozen=True)
class Matching:
    """``Annotated[str, Matching(...)]``: a string that must fully match ``pattern``.

    For ids taken from URLs, where pydantic's own pattern error would echo the regular expression:
    a mismatch says what a good value looks like. The JSON schema still carries the pattern, so
    clients can check before they send.
    """

    pattern: str
    example: str
    description: str

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        compiled = re.compile(self.pattern)
        example = self.example

        def check(value: str) -> str:
            # fullmatch: a pattern's "$" alone would accept a trailing newline.
            if compiled.fullmatch(value) is None:
                raise PydanticCustomError(
                    "string_pattern_mismatch", "must look like {example}", {"example": example}
                )
            return value

        return core_schema.no_info_after_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(pattern=self.pattern, description=self.description, examples=[self.example])
        return json_schema


@dataclass(frozen=True)
class Truncated:
    """``Annotated[str, Truncated(n)]``: cut to ``n`` characters, so a long message never loses its record."""

    max_length: int

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        limit = self.max_length

        def cut(value: str) -> str:
            return value if len(value) <= limit else value[:limit]

        return core_schema.no_info_after_validator_function(cut, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["maxLength"] = self.max_length
        return json_schema
