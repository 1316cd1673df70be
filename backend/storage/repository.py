"""The history repository: SQL for workflows, their node facts and the rollups, on a given connection.

Rollups (``node_rollup``, ``workflow_rollup``) hold counts, sums, minima and maxima, updated in the
same transaction as each insert and delete, so reading averages never scans history. They describe
exactly the workflows stored in ``workflows``: archived runs leave them, loaded ones come back.
Callers own transactions; every function here runs inside one.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..schemas.profiler import (
    ArchiveSummary,
    ErrorSummary,
    HistoryPage,
    NodeAverage,
    NodeRecord,
    WorkflowAverage,
    WorkflowRecord,
    WorkflowSummary,
)

MAX_NODE_AVERAGES = 200
# Fast and ~7x smaller on record JSON; level 9 saves little more for twice the time.
ZLIB_LEVEL = 3
MAX_WORKFLOW_AVERAGES = 50

_SUMMARY_COLUMNS = (
    "prompt_id, workflow_hash, status, started_at, ended_at, duration_ms, node_count, executed_count, "
    "cache_hits, cache_misses, peak_vram_bytes, peak_rss_bytes, error_json, workflow_name, environment_id"
)


def _timed(node: NodeRecord) -> bool:
    """Durations and VRAM of a node count only when it executed and succeeded."""
    return not node.cache_hit and node.status == "success" and node.duration_ms is not None


@dataclass
class _NodeDelta:
    runs: int = 0
    cached_runs: int = 0
    timed_runs: int = 0
    duration_sum_ms: float = 0.0
    duration_min_ms: float | None = None
    duration_max_ms: float | None = None
    vram_runs: int = 0
    vram_delta_sum_bytes: int = 0
    vram_delta_max_bytes: int | None = None


def insert_workflow(conn: sqlite3.Connection, record: WorkflowRecord) -> bool:
    """Insert one finished workflow and fold it into the rollups; False when its prompt id is stored."""
    timed_duration = record.duration_ms if record.status == "success" else None
    cur = conn.execute(
        "INSERT INTO workflows (prompt_id, workflow_hash, status, started_at, ended_at, duration_ms, "
        "timed_duration_ms, node_count, executed_count, cache_hits, cache_misses, peak_vram_bytes, "
        "peak_rss_bytes, error_json, record_zlib, workflow_name, environment_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (prompt_id) DO NOTHING",
        (
            record.prompt_id,
            record.workflow_hash,
            record.status,
            record.started_at,
            record.ended_at,
            record.duration_ms,
            timed_duration,
            record.node_count,
            record.executed_count,
            record.cache_hits,
            record.cache_misses,
            record.peak_vram_bytes,
            record.peak_rss_bytes,
            record.error.model_dump_json() if record.error is not None else None,
            zlib.compress(record.model_dump_json().encode(), ZLIB_LEVEL),
            record.workflow_name,
            record.environment_id,
        ),
    )
    if cur.rowcount != 1:
        return False
    seq = cur.lastrowid

    deltas: dict[str, _NodeDelta] = {}
    rows = []
    for position, node in enumerate(record.nodes):
        delta = deltas.setdefault(node.class_type, _NodeDelta())
        delta.runs += 1
        duration: float | None = None
        vram: int | None = None
        if node.cache_hit:
            delta.cached_runs += 1
        if _timed(node):
            duration = node.duration_ms
            assert duration is not None
            delta.timed_runs += 1
            delta.duration_sum_ms += duration
            delta.duration_min_ms = (
                duration if delta.duration_min_ms is None else min(delta.duration_min_ms, duration)
            )
            delta.duration_max_ms = (
                duration if delta.duration_max_ms is None else max(delta.duration_max_ms, duration)
            )
            vram = node.vram_peak_delta_bytes
            if vram is not None:
                delta.vram_runs += 1
                delta.vram_delta_sum_bytes += vram
                delta.vram_delta_max_bytes = (
                    vram if delta.vram_delta_max_bytes is None else max(delta.vram_delta_max_bytes, vram)
                )
        rows.append((seq, position, node.class_type, int(node.cache_hit), duration, vram, record.started_at))
    conn.executemany(
        "INSERT INTO node_runs (workflow_seq, position, class_type, cache_hit, duration_ms, "
        "vram_peak_delta_bytes, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    models = {stay.name for stay in record.model_residency}
    if models:
        conn.executemany(
            "INSERT INTO run_models (workflow_seq, name) VALUES (?, ?)", [(seq, m) for m in models]
        )
    # min(x, NULL) is NULL in SQL: coalesce keeps whichever side has a value.
    conn.executemany(
        "INSERT INTO node_rollup (class_type, runs, cached_runs, timed_runs, duration_sum_ms, "
        "duration_min_ms, duration_max_ms, vram_runs, vram_delta_sum_bytes, vram_delta_max_bytes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (class_type) DO UPDATE SET runs = runs + excluded.runs, "
        "cached_runs = cached_runs + excluded.cached_runs, timed_runs = timed_runs + excluded.timed_runs, "
        "duration_sum_ms = duration_sum_ms + excluded.duration_sum_ms, "
        "duration_min_ms = coalesce(min(duration_min_ms, excluded.duration_min_ms), duration_min_ms, "
        "excluded.duration_min_ms), "
        "duration_max_ms = coalesce(max(duration_max_ms, excluded.duration_max_ms), duration_max_ms, "
        "excluded.duration_max_ms), "
        "vram_runs = vram_runs + excluded.vram_runs, "
        "vram_delta_sum_bytes = vram_delta_sum_bytes + excluded.vram_delta_sum_bytes, "
        "vram_delta_max_bytes = coalesce(max(vram_delta_max_bytes, excluded.vram_delta_max_bytes), "
        "vram_delta_max_bytes, excluded.vram_delta_max_bytes)",
        [
            (
                class_type,
                d.runs,
                d.cached_runs,
                d.timed_runs,
                d.duration_sum_ms,
                d.duration_min_ms,
                d.duration_max_ms,
                d.vram_runs,
                d.vram_delta_sum_bytes,
                d.vram_delta_max_bytes,
            )
            for class_type, d in deltas.items()
        ],
    )
    conn.execute(
        "INSERT INTO workflow_rollup (workflow_hash, runs, successes, timed_runs, duration_sum_ms, "
        "duration_min_ms, duration_max_ms, last_run_at, last_name) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (workflow_hash) DO UPDATE SET runs = runs + 1, "
        "successes = successes + excluded.successes, "
        "timed_runs = timed_runs + excluded.timed_runs, "
        "duration_sum_ms = duration_sum_ms + excluded.duration_sum_ms, "
        "duration_min_ms = coalesce(min(duration_min_ms, excluded.duration_min_ms), duration_min_ms, "
        "excluded.duration_min_ms), "
        "duration_max_ms = coalesce(max(duration_max_ms, excluded.duration_max_ms), duration_max_ms, "
        "excluded.duration_max_ms), "
        # The newest run's name, or the one before when the newest had none (an unsaved copy).
        "last_name = CASE WHEN excluded.last_run_at >= last_run_at "
        "THEN coalesce(excluded.last_name, last_name) ELSE coalesce(last_name, excluded.last_name) END, "
        "last_run_at = max(last_run_at, excluded.last_run_at)",
        (
            record.workflow_hash,
            int(record.status == "success"),
            int(timed_duration is not None),
            timed_duration or 0.0,
            timed_duration,
            timed_duration,
            record.started_at,
            record.workflow_name,
        ),
    )
    return True


def rename(conn: sqlite3.Connection, prompt_id: str, name: str | None) -> bool:
    """Give a stored run the name its tab showed (the record keeps it too); False when not stored."""
    row = conn.execute(
        "SELECT workflow_hash, record_zlib FROM workflows WHERE prompt_id = ?", (prompt_id,)
    ).fetchone()
    if row is None:
        return False
    record = WorkflowRecord.model_validate_json(record_json(row[1]))
    renamed = record.model_copy(update={"workflow_name": name})
    conn.execute(
        "UPDATE workflows SET workflow_name = ?, record_zlib = ? WHERE prompt_id = ?",
        (name, zlib.compress(renamed.model_dump_json().encode(), ZLIB_LEVEL), prompt_id),
    )
    _refresh_last_name(conn, [row[0]])
    return True


def _refresh_last_name(conn: sqlite3.Connection, hashes: Iterable[str]) -> None:
    conn.executemany(
        "UPDATE workflow_rollup SET last_name = (SELECT workflow_name FROM workflows "
        "WHERE workflow_hash = ?1 AND workflow_name IS NOT NULL ORDER BY started_at DESC LIMIT 1) "
        "WHERE workflow_hash = ?1",
        [(h,) for h in hashes],
    )


def count(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT COUNT(*) FROM workflows").fetchone()
    return int(row[0])


def max_seq(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT MAX(seq) FROM workflows").fetchone()
    return None if row[0] is None else int(row[0])


def seq_of_nth_oldest(conn: sqlite3.Connection, n: int) -> int | None:
    """The insertion sequence of the ``n``-th oldest stored workflow (1-based)."""
    row = conn.execute("SELECT seq FROM workflows ORDER BY seq LIMIT 1 OFFSET ?", (n - 1,)).fetchone()
    return None if row is None else int(row[0])


def delete_through(conn: sqlite3.Connection, last_seq: int) -> int:
    """Delete every workflow with ``seq <= last_seq`` and take it out of the rollups; return how many."""
    if last_seq >= (max_seq(conn) or 0):
        return delete_all(conn)
    node_gone = conn.execute(
        "SELECT class_type, COUNT(*), SUM(cache_hit), COUNT(duration_ms), TOTAL(duration_ms), "
        "COUNT(vram_peak_delta_bytes), COALESCE(SUM(vram_peak_delta_bytes), 0) FROM node_runs "
        "WHERE workflow_seq <= ? GROUP BY class_type",
        (last_seq,),
    ).fetchall()
    flow_gone = conn.execute(
        "SELECT workflow_hash, COUNT(*), SUM(status = 'success'), COUNT(timed_duration_ms), "
        "TOTAL(timed_duration_ms) FROM workflows WHERE seq <= ? GROUP BY workflow_hash",
        (last_seq,),
    ).fetchall()
    conn.execute("DELETE FROM node_runs WHERE workflow_seq <= ?", (last_seq,))
    conn.execute("DELETE FROM run_models WHERE workflow_seq <= ?", (last_seq,))
    removed = conn.execute("DELETE FROM workflows WHERE seq <= ?", (last_seq,)).rowcount

    conn.executemany(
        "UPDATE node_rollup SET runs = runs - ?, cached_runs = cached_runs - ?, timed_runs = timed_runs - ?, "
        "duration_sum_ms = duration_sum_ms - ?, vram_runs = vram_runs - ?, "
        "vram_delta_sum_bytes = vram_delta_sum_bytes - ? WHERE class_type = ?",
        [(r[1], r[2], r[3], r[4], r[5], int(r[6]), r[0]) for r in node_gone],
    )
    # Minima and maxima cannot be subtracted: read them back from the (class_type, duration_ms) index.
    conn.executemany(
        "UPDATE node_rollup SET "
        "duration_min_ms = (SELECT MIN(duration_ms) FROM node_runs WHERE class_type = ?1), "
        "duration_max_ms = (SELECT MAX(duration_ms) FROM node_runs WHERE class_type = ?1), "
        "vram_delta_max_bytes = (SELECT MAX(vram_peak_delta_bytes) FROM node_runs WHERE class_type = ?1), "
        "duration_sum_ms = CASE WHEN timed_runs = 0 THEN 0.0 ELSE duration_sum_ms END "
        "WHERE class_type = ?1",
        [(r[0],) for r in node_gone],
    )
    conn.execute("DELETE FROM node_rollup WHERE runs <= 0")

    conn.executemany(
        "UPDATE workflow_rollup SET runs = runs - ?, successes = successes - ?, timed_runs = timed_runs - ?, "
        "duration_sum_ms = duration_sum_ms - ? WHERE workflow_hash = ?",
        [(r[1], r[2], r[3], r[4], r[0]) for r in flow_gone],
    )
    conn.executemany(
        "UPDATE workflow_rollup SET "
        "duration_min_ms = (SELECT MIN(timed_duration_ms) FROM workflows WHERE workflow_hash = ?1), "
        "duration_max_ms = (SELECT MAX(timed_duration_ms) FROM workflows WHERE workflow_hash = ?1), "
        "last_run_at = coalesce("
        "(SELECT MAX(started_at) FROM workflows WHERE workflow_hash = ?1), last_run_at), "
        "duration_sum_ms = CASE WHEN timed_runs = 0 THEN 0.0 ELSE duration_sum_ms END "
        "WHERE workflow_hash = ?1",
        [(r[0],) for r in flow_gone],
    )
    conn.execute("DELETE FROM workflow_rollup WHERE runs <= 0")
    _refresh_last_name(conn, [r[0] for r in flow_gone])
    return int(removed)


def delete_all(conn: sqlite3.Connection) -> int:
    conn.execute("DELETE FROM node_runs")
    conn.execute("DELETE FROM run_models")
    removed = conn.execute("DELETE FROM workflows").rowcount
    conn.execute("DELETE FROM node_rollup")
    conn.execute("DELETE FROM workflow_rollup")
    return int(removed)


# Reads ---------------------------------------------------------------------------------------------


def _summary(row: sqlite3.Row | tuple[object, ...]) -> WorkflowSummary:
    error_json = row[12]
    return WorkflowSummary(
        prompt_id=row[0],
        workflow_hash=row[1],
        status=row[2],
        started_at=row[3],
        ended_at=row[4],
        duration_ms=row[5],
        node_count=row[6],
        executed_count=row[7],
        cache_hits=row[8],
        cache_misses=row[9],
        peak_vram_bytes=row[10],
        peak_rss_bytes=row[11],
        error=ErrorSummary.model_validate_json(error_json) if isinstance(error_json, str) else None,
        workflow_name=row[13],
        environment_id=row[14],
    )


def filters(
    workflow_hash: str | None, status: str | None, since: float | None = None, until: float | None = None
) -> tuple[str, list[object]]:
    """A WHERE clause (or "") over the indexed columns, and its parameters."""
    clauses: list[str] = []
    params: list[object] = []
    for column, op, value in (
        ("workflow_hash", "=", workflow_hash),
        ("status", "=", status),
        ("started_at", ">=", since),
        ("started_at", "<=", until),
    ):
        if value is not None:
            clauses.append(f"{column} {op} ?")
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def history_page(
    conn: sqlite3.Connection,
    limit: int,
    before: float | None,
    *,
    workflow_hash: str | None = None,
    status: str | None = None,
) -> HistoryPage:
    """Newest first by start time; ``next_before`` is set only when more runs exist; ``total``
    counts the runs the filters match."""
    where, params = filters(workflow_hash, status)
    total = conn.execute(f"SELECT COUNT(*) FROM workflows{where}", params).fetchone()[0]
    if before is not None:
        where = f"{where} AND started_at < ?" if where else " WHERE started_at < ?"
        params = [*params, before]
    rows = conn.execute(
        f"SELECT {_SUMMARY_COLUMNS} FROM workflows{where} ORDER BY started_at DESC LIMIT ?",
        [*params, limit + 1],
    ).fetchall()
    items = [_summary(r) for r in rows[:limit]]
    next_before = items[-1].started_at if len(rows) > limit else None
    return HistoryPage(items=items, total=int(total), next_before=next_before)


def record_json(blob: bytes) -> bytes:
    return zlib.decompress(blob)


def get_workflow(conn: sqlite3.Connection, prompt_id: str) -> WorkflowRecord | None:
    row = conn.execute("SELECT record_zlib FROM workflows WHERE prompt_id = ?", (prompt_id,)).fetchone()
    return None if row is None else WorkflowRecord.model_validate_json(record_json(row[0]))


def latest(conn: sqlite3.Connection) -> WorkflowRecord | None:
    row = conn.execute("SELECT record_zlib FROM workflows ORDER BY started_at DESC LIMIT 1").fetchone()
    return None if row is None else WorkflowRecord.model_validate_json(record_json(row[0]))


def mean(total: float, n: int) -> float | None:
    return total / n if n else None


def node_averages(conn: sqlite3.Connection, limit: int = MAX_NODE_AVERAGES) -> list[NodeAverage]:
    rows = conn.execute(
        "SELECT class_type, runs, cached_runs, timed_runs, duration_sum_ms, duration_min_ms, "
        "duration_max_ms, vram_runs, vram_delta_sum_bytes FROM node_rollup "
        "ORDER BY duration_sum_ms DESC, class_type LIMIT ?",
        (limit,),
    ).fetchall()
    return [
        NodeAverage(
            class_type=r[0],
            runs=r[1],
            cached_runs=r[2],
            mean_duration_ms=mean(r[4], r[3]),
            min_duration_ms=r[5],
            max_duration_ms=r[6],
            mean_vram_peak_delta_bytes=mean(float(r[8]), r[7]),
        )
        for r in rows
    ]


def workflow_averages(
    conn: sqlite3.Connection, limit: int = MAX_WORKFLOW_AVERAGES, name: str | None = None
) -> list[WorkflowAverage]:
    """Newest run first; ``name``: only those whose newest name contains it."""
    where: str = ""
    params: list[object] = [limit]
    if name is not None:
        # LIKE with its wildcards escaped: the text is matched as typed.
        escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where, params = "WHERE last_name LIKE ? ESCAPE '\\' ", [f"%{escaped}%", limit]
    rows = conn.execute(
        "SELECT workflow_hash, runs, successes, timed_runs, duration_sum_ms, duration_min_ms, "
        f"duration_max_ms, last_run_at, last_name FROM workflow_rollup {where}"
        "ORDER BY last_run_at DESC, workflow_hash LIMIT ?",
        params,
    ).fetchall()
    return [
        WorkflowAverage(
            workflow_hash=r[0],
            runs=r[1],
            successes=r[2],
            mean_duration_ms=mean(r[4], r[3]),
            min_duration_ms=r[5],
            max_duration_ms=r[6],
            last_run_at=r[7],
            workflow_name=r[8],
        )
        for r in rows
    ]


# Archiving -----------------------------------------------------------------------------------------


def summarize_through(conn: sqlite3.Connection, last_seq: int) -> ArchiveSummary:
    """Counts and date range of the workflows with ``seq <= last_seq`` (what an archive will hold)."""
    total, first, last = conn.execute(
        "SELECT COUNT(*), MIN(started_at), MAX(started_at) FROM workflows WHERE seq <= ?", (last_seq,)
    ).fetchone()
    statuses = dict(
        conn.execute(
            "SELECT status, COUNT(*) FROM workflows WHERE seq <= ? GROUP BY status ORDER BY status",
            (last_seq,),
        ).fetchall()
    )
    return ArchiveSummary(
        workflow_count=int(total),
        oom_count=int(statuses.get("oom", 0)),
        status_counts={str(k): int(v) for k, v in statuses.items()},
        first_started_at=first,
        last_started_at=last,
    )


def iter_record_json(
    conn: sqlite3.Connection, last_seq: int, *, oom_only: bool = False, chunk: int = 200
) -> Iterator[str]:
    """Each stored record's JSON for ``seq <= last_seq``, in insertion order, ``chunk`` rows at a time."""
    after = 0
    status_clause = " AND status = 'oom'" if oom_only else ""
    while True:
        rows = conn.execute(
            f"SELECT seq, record_zlib FROM workflows WHERE seq > ? AND seq <= ?{status_clause} "
            "ORDER BY seq LIMIT ?",
            (after, last_seq, chunk),
        ).fetchall()
        if not rows:
            return
        for _seq, blob in rows:
            yield record_json(blob).decode()
        after = int(rows[-1][0])


def insert_many(conn: sqlite3.Connection, records: Iterable[WorkflowRecord]) -> tuple[int, int]:
    """Insert records (inside the caller's transaction); return (imported, already present)."""
    imported = present = 0
    for record in records:
        if insert_workflow(conn, record):
            imported += 1
        else:
            present += 1
    return imported, present
