"""Baselines: one pinned run per workflow, kept with a copy of its record.

The copy is what makes a pin durable: retention may archive the run and Clear History may remove
it, the baseline stays until it is cleared or moved to another run.
"""

from __future__ import annotations

import sqlite3
import time

from ..schemas.baselines import Baseline, BaselineSummary
from ..schemas.profiler import WorkflowRecord
from .errors import BaselineConflictError, RunNotFoundError
from .repository import record_json

_SUMMARY = (
    "workflow_hash, prompt_id, pinned_at, workflow_name, status, started_at, duration_ms, peak_vram_bytes"
)


def _summary(row: tuple[object, ...]) -> BaselineSummary:
    return BaselineSummary.model_validate(dict(zip(_SUMMARY.split(", "), row, strict=False)))


def pin(conn: sqlite3.Connection, workflow_hash: str, prompt_id: str, now: float | None = None) -> Baseline:
    """Pin the stored run ``prompt_id`` as ``workflow_hash``'s baseline (replacing any). In the
    caller's transaction.

    Raises:
        RunNotFoundError: No such run in history.
        BaselineConflictError: The run is of another workflow, or did not succeed.
    """
    row = conn.execute(
        "SELECT workflow_hash, status, record_zlib FROM workflows WHERE prompt_id = ?", (prompt_id,)
    ).fetchone()
    if row is None:
        raise RunNotFoundError(f"no run {prompt_id} in history (a running or archived run cannot be pinned)")
    if row[0] != workflow_hash:
        raise BaselineConflictError(f"run {prompt_id} is a run of workflow {row[0]}, not of {workflow_hash}")
    if row[1] != "success":
        raise BaselineConflictError(
            f"run {prompt_id} ended as {row[1]}: only a successful run can be a baseline"
        )
    record = WorkflowRecord.model_validate_json(record_json(row[2]))
    pinned_at = time.time() if now is None else now
    conn.execute(
        "INSERT INTO baselines (workflow_hash, prompt_id, pinned_at, workflow_name, status, started_at, "
        "duration_ms, peak_vram_bytes, record_zlib) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (workflow_hash) DO UPDATE SET prompt_id = excluded.prompt_id, "
        "pinned_at = excluded.pinned_at, workflow_name = excluded.workflow_name, status = excluded.status, "
        "started_at = excluded.started_at, duration_ms = excluded.duration_ms, "
        "peak_vram_bytes = excluded.peak_vram_bytes, record_zlib = excluded.record_zlib",
        (
            workflow_hash,
            prompt_id,
            pinned_at,
            record.workflow_name,
            record.status,
            record.started_at,
            record.duration_ms,
            record.peak_vram_bytes,
            row[2],
        ),
    )
    return Baseline(
        workflow_hash=workflow_hash,
        prompt_id=prompt_id,
        pinned_at=pinned_at,
        workflow_name=record.workflow_name,
        status=record.status,
        started_at=record.started_at,
        duration_ms=record.duration_ms,
        peak_vram_bytes=record.peak_vram_bytes,
        record=record,
    )


def unpin(conn: sqlite3.Connection, workflow_hash: str) -> str | None:
    """Clear ``workflow_hash``'s baseline; the run that was pinned, None when there was none."""
    row = conn.execute("SELECT prompt_id FROM baselines WHERE workflow_hash = ?", (workflow_hash,)).fetchone()
    if row is None:
        return None
    conn.execute("DELETE FROM baselines WHERE workflow_hash = ?", (workflow_hash,))
    return str(row[0])


def get(conn: sqlite3.Connection, workflow_hash: str) -> Baseline | None:
    row = conn.execute(
        f"SELECT {_SUMMARY}, record_zlib FROM baselines WHERE workflow_hash = ?", (workflow_hash,)
    ).fetchone()
    if row is None:
        return None
    summary = _summary(tuple(row[:-1]))
    record = WorkflowRecord.model_validate_json(record_json(row[-1]))
    return Baseline(**summary.model_dump(), record=record)


def list_all(conn: sqlite3.Connection, limit: int) -> list[BaselineSummary]:
    """The pins, the newest first."""
    rows = conn.execute(f"SELECT {_SUMMARY} FROM baselines ORDER BY pinned_at DESC LIMIT ?", (limit,))
    return [_summary(tuple(r)) for r in rows]
