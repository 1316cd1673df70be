"""Ids and names the API takes back from clients (URLs, bodies): patterns that say what a good
value looks like, and lengths that keep history small."""

from __future__ import annotations

from typing import Annotated

from .base import Matching, Truncated

# Archive ids are minted by the server; this pattern is all the API ever accepts back.
ARCHIVE_ID_PATTERN = r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$"
# ComfyUI mints uuid4 prompt ids, but a client may choose its own: accept only short, plain ones.
PROMPT_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,128}$"
# Error messages are kept to this many characters (a traceback-sized message would bloat history).
MAX_MESSAGE_CHARS = 2000

ArchiveId = Annotated[
    str,
    Matching(ARCHIVE_ID_PATTERN, "20260101T120000Z-0123abcd", "An archive id, as the server minted it."),
]
PromptId = Annotated[
    str,
    Matching(
        PROMPT_ID_PATTERN,
        "0b6f3c9e-2a7d-4c1b-9e8f-5a4d3c2b1a09",
        "A prompt id: 1-128 letters, digits and . _ : - (ComfyUI mints uuid4s).",
    ),
]
Message = Annotated[str, Truncated(MAX_MESSAGE_CHARS)]
# A saved workflow's name as the frontend's tab shows it (the file name without .json).
MAX_WORKFLOW_NAME_CHARS = 200
WorkflowName = Annotated[str, Truncated(MAX_WORKFLOW_NAME_CHARS)]
WORKFLOW_HASH_PATTERN = r"^[0-9a-f]{16}$"
WorkflowHash = Annotated[
    str, Matching(WORKFLOW_HASH_PATTERN, "3f2a9c0d1e4b5a67", "A workflow's graph hash (16 hex digits).")
]
