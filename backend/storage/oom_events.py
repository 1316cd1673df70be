"""Out-of-memory captures: the newest 1,000 kept with the models each found loaded, and the
aggregates the OOM analysis reads (by node class, by model). On a connection the caller owns."""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..schemas.oom import ModelCorrelation, NodeTypeOoms, OomEvent
from ..schemas.profiler import ArchiveOomSummary
from .repository import ZLIB_LEVEL, record_json


def insert_oom_event(conn: sqlite3.Connection, event: OomEvent, keep: int) -> None:
    """Store one capture with its models, keeping the newest ``keep``."""
    _insert(conn, event)
    _keep_newest(conn, keep)


def _insert(conn: sqlite3.Connection, event: OomEvent) -> None:
    cur = conn.execute(
        "INSERT INTO oom_events (prompt_id, workflow_hash, node_type, captured_at, requested_bytes, "
        "allocated_bytes, free_before_bytes, event_zlib) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            event.prompt_id,
            event.workflow_hash,
            event.node_type,
            event.captured_at,
            event.figures.requested_bytes,
            event.vram_allocated_bytes
            if event.vram_allocated_bytes is not None
            else event.figures.allocated_bytes,
            event.vram_free_before_bytes,
            zlib.compress(event.model_dump_json().encode(), ZLIB_LEVEL),
        ),
    )
    seq = cur.lastrowid
    # One row per distinct name: a model loaded twice (two devices) counts once per event.
    loaded: dict[str, int | None] = {}
    for model in event.loaded_models:
        loaded[model.name] = (loaded.get(model.name) or 0) + (model.loaded_bytes or 0)
    conn.executemany(
        "INSERT INTO oom_event_models (event_seq, name, loaded_bytes) VALUES (?, ?, ?)",
        [(seq, name, size) for name, size in loaded.items()],
    )


def _keep_newest(conn: sqlite3.Connection, keep: int) -> None:
    # By capture time, not insertion: captures loaded back from an archive are old ones.
    oldest = "(SELECT seq FROM oom_events ORDER BY captured_at DESC, seq DESC LIMIT -1 OFFSET ?)"
    conn.execute(f"DELETE FROM oom_event_models WHERE event_seq IN {oldest}", (keep,))
    conn.execute(f"DELETE FROM oom_events WHERE seq IN {oldest}", (keep,))


def recent_oom_events(conn: sqlite3.Connection, limit: int) -> list[OomEvent]:
    rows = conn.execute(
        "SELECT event_zlib FROM oom_events ORDER BY captured_at DESC, seq DESC LIMIT ?", (limit,)
    ).fetchall()
    return [OomEvent.model_validate_json(record_json(r[0])) for r in rows]


def oom_node_ranking(conn: sqlite3.Connection, limit: int = 50) -> list[NodeTypeOoms]:
    """OOMs by node class with their rate against the class's executed runs in history."""
    rows = conn.execute(
        "SELECT e.node_type, COUNT(*), AVG(e.requested_bytes), AVG(e.allocated_bytes), "
        "AVG(e.free_before_bytes), "
        "(SELECT timed_runs FROM node_rollup r WHERE r.class_type = e.node_type) "
        "FROM oom_events e WHERE e.node_type IS NOT NULL GROUP BY e.node_type "
        "ORDER BY COUNT(*) DESC, e.node_type LIMIT ?",
        (limit,),
    ).fetchall()
    return [
        NodeTypeOoms(
            node_type=r[0],
            count=int(r[1]),
            # The failed runs do not count as timed: the rate is OOMs over OOMs plus successes.
            rate=int(r[1]) / (int(r[1]) + int(r[5] or 0)),
            mean_requested_bytes=r[2],
            mean_allocated_bytes=r[3],
            mean_free_before_bytes=r[4],
        )
        for r in rows
    ]


def oom_model_correlation(conn: sqlite3.Connection, limit: int = 50) -> list[ModelCorrelation]:
    """Each model's share of the OOM events it was loaded in, beside its share of all stored runs."""
    total = conn.execute("SELECT COUNT(*) FROM oom_events").fetchone()[0]
    if not total:
        return []
    runs = conn.execute("SELECT COUNT(*) FROM workflows").fetchone()[0]
    rows = conn.execute(
        "SELECT m.name, COUNT(*), AVG(m.loaded_bytes), "
        "(SELECT COUNT(*) FROM run_models r WHERE r.name = m.name) "
        "FROM oom_event_models m GROUP BY m.name ORDER BY COUNT(*) DESC, m.name LIMIT ?",
        (limit,),
    ).fetchall()
    return [
        ModelCorrelation(
            name=r[0],
            oom_events=int(r[1]),
            oom_share=int(r[1]) / int(total),
            mean_loaded_bytes=r[2],
            runs=int(r[3]),
            run_share=int(r[3]) / int(runs) if runs else None,
        )
        for r in rows
    ]


def oom_counts(conn: sqlite3.Connection) -> tuple[int, int]:
    """(runs stored as OOM, all runs stored)."""
    ooms, runs = conn.execute("SELECT SUM(status = 'oom'), COUNT(*) FROM workflows").fetchone()
    return int(ooms or 0), int(runs or 0)


def delete_all_oom_events(conn: sqlite3.Connection) -> int:
    conn.execute("DELETE FROM oom_event_models")
    return int(conn.execute("DELETE FROM oom_events").rowcount)


# The runs a workflow's needs are read from: recent enough to follow its current settings.
NEEDS_RUNS = 10


@dataclass(frozen=True)
class WorkflowPeak:
    """A workflow's last runs, for the check before a queued run (``profiler.prevention``)."""

    workflow_hash: str
    workflow_name: str | None
    runs: int
    ooms: int
    peak_vram_bytes: int | None  # the highest of its successful runs' (of any run's, if none succeeded)
    models: frozenset[str]  # on the device during its last run
    last_was_oom: bool


def workflow_peak(conn: sqlite3.Connection, workflow_hash: str) -> WorkflowPeak | None:
    """None when the workflow has no stored run."""
    rows = conn.execute(
        "SELECT seq, status, peak_vram_bytes FROM workflows WHERE workflow_hash = ? "
        "ORDER BY started_at DESC LIMIT ?",
        (workflow_hash, NEEDS_RUNS),
    ).fetchall()
    if not rows:
        return None
    succeeded = [r[2] for r in rows if r[1] == "success" and r[2] is not None]
    any_peak = [r[2] for r in rows if r[2] is not None]
    models = conn.execute("SELECT name FROM run_models WHERE workflow_seq = ?", (rows[0][0],)).fetchall()
    name = conn.execute(
        "SELECT last_name FROM workflow_rollup WHERE workflow_hash = ?", (workflow_hash,)
    ).fetchone()
    return WorkflowPeak(
        workflow_hash=workflow_hash,
        workflow_name=name[0] if name else None,
        runs=len(rows),
        ooms=sum(1 for r in rows if r[1] == "oom"),
        peak_vram_bytes=max(succeeded or any_peak) if (succeeded or any_peak) else None,
        models=frozenset(m[0] for m in models),
        last_was_oom=rows[0][1] == "oom",
    )


# Archives ------------------------------------------------------------------------------------------

_ARCHIVED = "prompt_id IN (SELECT prompt_id FROM workflows WHERE seq <= ?)"
ARCHIVE_SUMMARY_TOP = 20


def iter_archived_event_json(conn: sqlite3.Connection, last_seq: int) -> Iterator[str]:
    """The captures of the runs with ``seq <= last_seq`` (an archive's ``oom_events``), oldest first."""
    rows = conn.execute(
        f"SELECT event_zlib FROM oom_events WHERE {_ARCHIVED} ORDER BY captured_at, seq", (last_seq,)
    )
    for (blob,) in rows:
        yield record_json(blob).decode()


def archived_summary(conn: sqlite3.Connection, last_seq: int) -> ArchiveOomSummary:
    count = conn.execute(f"SELECT COUNT(*) FROM oom_events WHERE {_ARCHIVED}", (last_seq,)).fetchone()[0]
    node_types = conn.execute(
        f"SELECT node_type, COUNT(*) FROM oom_events WHERE {_ARCHIVED} AND node_type IS NOT NULL "
        "GROUP BY node_type ORDER BY COUNT(*) DESC, node_type LIMIT ?",
        (last_seq, ARCHIVE_SUMMARY_TOP),
    ).fetchall()
    models = conn.execute(
        "SELECT m.name, COUNT(*) FROM oom_event_models m JOIN oom_events e ON e.seq = m.event_seq "
        f"WHERE e.{_ARCHIVED} GROUP BY m.name ORDER BY COUNT(*) DESC, m.name LIMIT ?",
        (last_seq, ARCHIVE_SUMMARY_TOP),
    ).fetchall()
    return ArchiveOomSummary(
        event_count=int(count),
        node_types={str(k): int(v) for k, v in node_types},
        models={str(k): int(v) for k, v in models},
    )


def import_oom_events(conn: sqlite3.Connection, events: Iterable[OomEvent], keep: int) -> int:
    """Store the captures not stored yet (the same prompt and capture time); how many were added."""
    added = 0
    for event in events:
        present = conn.execute(
            "SELECT 1 FROM oom_events WHERE prompt_id = ? AND captured_at = ?",
            (event.prompt_id, event.captured_at),
        ).fetchone()
        if present is None:
            _insert(conn, event)
            added += 1
    if added:
        _keep_newest(conn, keep)
    return added
