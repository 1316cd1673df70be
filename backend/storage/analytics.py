"""History read for charts and tables: runs bucketed in time and per node class, aggregated in SQL.

On a connection the caller owns (a reader's snapshot); nothing here writes.
"""

from __future__ import annotations

import sqlite3

from ..schemas.profiler import NodeClassPage, NodeClassStats, ProfilerSeries, SeriesPoint
from .repository import MAX_NODE_AVERAGES, filters, mean


def series(
    conn: sqlite3.Connection,
    points: int,
    *,
    workflow_hash: str | None = None,
    since: float | None = None,
    until: float | None = None,
) -> ProfilerSeries:
    """History in at most ``points`` equal buckets of start time, aggregated by SQL (one scan of
    the rows in range, never shipped whole)."""
    where, params = filters(workflow_hash, None, since, until)
    first, last = conn.execute(
        f"SELECT MIN(started_at), MAX(started_at) FROM workflows{where}", params
    ).fetchone()
    if first is None:
        return ProfilerSeries(bucket_s=0.0, since=since, until=until, items=[])
    start = since if since is not None else float(first)
    end = until if until is not None else float(last)
    # Whole seconds at the least: the range's end falls in the last bucket, never one past it.
    bucket_s = max(1.0, float(int((end - start) / points) + 1))
    rows = conn.execute(
        "SELECT CAST((started_at - ?) / ? AS INTEGER) AS bucket, COUNT(*), SUM(status = 'success'), "
        "SUM(status = 'error'), SUM(status = 'interrupted'), SUM(status = 'oom'), "
        "AVG(timed_duration_ms), MAX(timed_duration_ms), AVG(peak_vram_bytes), MAX(peak_vram_bytes), "
        f"SUM(cache_hits), SUM(cache_hits + cache_misses) FROM workflows{where} "
        "GROUP BY bucket ORDER BY bucket",
        [start, bucket_s, *params],
    ).fetchall()
    items = [
        SeriesPoint(
            start=start + int(r[0]) * bucket_s,
            runs=int(r[1]),
            successes=int(r[2]),
            errors=int(r[3]),
            interrupted=int(r[4]),
            ooms=int(r[5]),
            mean_duration_ms=r[6],
            max_duration_ms=r[7],
            mean_peak_vram_bytes=r[8],
            max_peak_vram_bytes=None if r[9] is None else int(r[9]),
            cache_hits=int(r[10] or 0),
            cache_lookups=int(r[11] or 0),
        )
        for r in rows
    ]
    return ProfilerSeries(bucket_s=bucket_s, since=since, until=until, items=items)


def _p95_rank(timed: int) -> int:
    """The 0-based rank of the nearest-rank 95th percentile among ``timed`` sorted values."""
    return -(-95 * timed // 100) - 1  # ceil(0.95 n) - 1


def _p95(conn: sqlite3.Connection, class_type: str, timed: int) -> float | None:
    """The 95th percentile of a class's timed durations in all of history, read off an index."""
    if timed == 0:
        return None
    row = conn.execute(
        "SELECT duration_ms FROM node_runs WHERE class_type = ? AND duration_ms IS NOT NULL "
        "ORDER BY duration_ms LIMIT 1 OFFSET ?",
        (class_type, _p95_rank(timed)),
    ).fetchone()
    return None if row is None else float(row[0])


def _p95_of_workflow(conn: sqlite3.Connection, workflow_hash: str) -> tuple[dict[str, float], float]:
    """Each class's 95th percentile within one workflow's runs, and their total time, from one
    pass over them (the class index cannot help: the runs are picked by the workflow)."""
    durations: dict[str, list[float]] = {}
    for class_type, duration in conn.execute(
        "SELECT n.class_type, n.duration_ms FROM node_runs n JOIN workflows w ON w.seq = n.workflow_seq "
        "WHERE w.workflow_hash = ? AND n.duration_ms IS NOT NULL",
        (workflow_hash,),
    ):
        durations.setdefault(class_type, []).append(duration)
    p95s = {class_type: sorted(values)[_p95_rank(len(values))] for class_type, values in durations.items()}
    return p95s, sum(sum(values) for values in durations.values())


def node_class_stats(
    conn: sqlite3.Connection, *, workflow_hash: str | None = None, limit: int = MAX_NODE_AVERAGES
) -> NodeClassPage:
    """Per node class: counts, time (with p95), VRAM and share, by total time, most first.

    All of history comes from the rollup and one index read per class; one workflow's runs are
    aggregated from ``node_runs`` (its runs only).
    """
    if workflow_hash is None:
        rows = conn.execute(
            "SELECT class_type, runs, cached_runs, timed_runs, duration_sum_ms, duration_min_ms, "
            "duration_max_ms, vram_runs, vram_delta_sum_bytes, vram_delta_max_bytes "
            "FROM node_rollup ORDER BY duration_sum_ms DESC, class_type LIMIT ?",
            (limit,),
        ).fetchall()
        total = conn.execute("SELECT TOTAL(duration_sum_ms) FROM node_rollup").fetchone()[0]
        p95s = None
    else:
        rows = conn.execute(
            "SELECT n.class_type, COUNT(*), SUM(n.cache_hit), COUNT(n.duration_ms), TOTAL(n.duration_ms), "
            "MIN(n.duration_ms), MAX(n.duration_ms), COUNT(n.vram_peak_delta_bytes), "
            "TOTAL(n.vram_peak_delta_bytes), MAX(n.vram_peak_delta_bytes) "
            "FROM node_runs n JOIN workflows w ON w.seq = n.workflow_seq WHERE w.workflow_hash = ? "
            "GROUP BY n.class_type ORDER BY TOTAL(n.duration_ms) DESC, n.class_type LIMIT ?",
            (workflow_hash, limit),
        ).fetchall()
        p95s, total = _p95_of_workflow(conn, workflow_hash)
    total_ms = float(total or 0.0)
    items = [
        NodeClassStats(
            class_type=r[0],
            runs=int(r[1]),
            cached_runs=int(r[2] or 0),
            timed_runs=int(r[3]),
            mean_duration_ms=mean(float(r[4]), int(r[3])),
            min_duration_ms=r[5],
            max_duration_ms=r[6],
            p95_duration_ms=_p95(conn, r[0], int(r[3])) if p95s is None else p95s.get(r[0]),
            total_duration_ms=float(r[4]),
            time_share=float(r[4]) / total_ms if total_ms > 0 else None,
            mean_vram_peak_delta_bytes=mean(float(r[8]), int(r[7])),
            max_vram_peak_delta_bytes=None if r[9] is None else int(r[9]),
        )
        for r in rows
    ]
    return NodeClassPage(items=items, total_duration_ms=total_ms)
