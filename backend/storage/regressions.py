"""Regressions: workflows and node classes whose latest successful runs are markedly slower or
hungrier than their own history.

SQL picks each one's last runs off covering indexes (never a record, never all of history in
Python); the rule is judged here on those few numbers. Only a flagged workflow's records are read,
to name the nodes that moved most.

The rule (``RegressionRule``, profiler settings): the median of the latest ``recent_runs`` is
above the median of the ``window_runs`` successful runs before them by more than ``percent`` and by
more than ``sigma`` standard deviations of those runs. The median of a few latest runs, not the
latest alone: one slow run (a first load, a busy disk) is noise.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..schemas.regressions import (
    MIN_REGRESSION_WINDOW_RUNS,
    MetricShift,
    NodeClassRegression,
    NodeMove,
    RegressionMetric,
    RegressionReport,
    RegressionRule,
    WorkflowRegression,
)
from .repository import record_json

MAX_MOVED_NODES = 5


def judge(
    metric: RegressionMetric, newest_first: Sequence[float], rule: RegressionRule
) -> MetricShift | None:
    """The shift of ``metric`` when the rule flags it; None when it does not, or when there are
    fewer than ``recent_runs`` latest values and ``MIN_REGRESSION_WINDOW_RUNS`` before them."""
    recent = newest_first[: rule.recent_runs]
    history = newest_first[rule.recent_runs : rule.recent_runs + rule.window_runs]
    if len(recent) < rule.recent_runs or len(history) < MIN_REGRESSION_WINDOW_RUNS:
        return None
    median = statistics.median(history)
    if median <= 0:
        return None
    now = statistics.median(recent)
    stdev = statistics.stdev(history)
    change_percent = (now - median) / median * 100.0
    if change_percent <= rule.percent or now - median <= rule.sigma * stdev:
        return None
    return MetricShift(
        metric=metric,
        recent=now,
        median=median,
        stdev=stdev,
        change_percent=change_percent,
        sigmas=(now - median) / stdev if stdev > 0 else None,
    )


@dataclass(frozen=True)
class _Run:
    prompt_id: str
    started_at: float
    duration_ms: float
    peak_vram_bytes: int | None
    peak_rss_bytes: int | None
    environment_id: int | None


_RUN_COLUMNS = (
    "workflow_hash, prompt_id, started_at, timed_duration_ms, peak_vram_bytes, peak_rss_bytes, environment_id"
)


def _runs_by_workflow(
    conn: sqlite3.Connection, per_workflow: int, workflow_hash: str | None
) -> Iterator[tuple[str, list[_Run]]]:
    """Each workflow's last ``per_workflow`` successful runs, newest first (off the partial index)."""
    if workflow_hash is not None:
        rows = conn.execute(
            f"SELECT {_RUN_COLUMNS} FROM workflows INDEXED BY workflows_timed_hash_started "
            "WHERE workflow_hash = ? AND timed_duration_ms IS NOT NULL ORDER BY started_at DESC LIMIT ?",
            (workflow_hash, per_workflow),
        ).fetchall()
    else:
        rows = conn.execute(
            f"SELECT {_RUN_COLUMNS} FROM (SELECT {_RUN_COLUMNS}, ROW_NUMBER() OVER "
            "(PARTITION BY workflow_hash ORDER BY started_at DESC) AS rank FROM workflows "
            "WHERE timed_duration_ms IS NOT NULL) WHERE rank <= ? ORDER BY workflow_hash, started_at DESC",
            (per_workflow,),
        ).fetchall()
    current: str | None = None
    runs: list[_Run] = []
    for row in rows:
        if row[0] != current:
            if current is not None:
                yield current, runs
            current, runs = row[0], []
        runs.append(_Run(row[1], row[2], row[3], row[4], row[5], row[6]))
    if current is not None:
        yield current, runs


def _shifts(runs: Sequence[_Run], rule: RegressionRule) -> list[MetricShift]:
    found = [
        judge("duration", [r.duration_ms for r in runs], rule),
        judge("peak_vram", [float(r.peak_vram_bytes) for r in runs if r.peak_vram_bytes is not None], rule),
        judge("peak_ram", [float(r.peak_rss_bytes) for r in runs if r.peak_rss_bytes is not None], rule),
    ]
    return sorted((s for s in found if s is not None), key=lambda s: -s.change_percent)


def _node_times(conn: sqlite3.Connection, prompt_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Each run's executed nodes (id, class, title, time), read from the records, in the order given."""
    if not prompt_ids:
        return []
    marks = ",".join("?" * len(prompt_ids))
    blobs = dict(
        conn.execute(f"SELECT prompt_id, record_zlib FROM workflows WHERE prompt_id IN ({marks})", prompt_ids)
    )
    out: list[dict[str, Any]] = []
    for prompt_id in prompt_ids:
        blob = blobs.get(prompt_id)
        # Plain JSON, not the model: only four fields of each node are needed.
        nodes = json.loads(record_json(blob)).get("nodes", []) if blob is not None else []
        out.append(
            {
                n["node_id"]: n
                for n in nodes
                if n.get("status") == "success"
                and not n.get("cache_hit")
                and n.get("duration_ms") is not None
            }
        )
    return out


def moved_nodes(conn: sqlite3.Connection, runs: Sequence[_Run], rule: RegressionRule) -> list[NodeMove]:
    """The nodes whose median time grew most from the history to the latest runs."""
    recent = _node_times(conn, [r.prompt_id for r in runs[: rule.recent_runs]])
    history = _node_times(
        conn, [r.prompt_id for r in runs[rule.recent_runs : rule.recent_runs + rule.window_runs]]
    )
    moves: list[NodeMove] = []
    for node_id in set().union(*recent) if recent else set():
        now = [run[node_id]["duration_ms"] for run in recent if node_id in run]
        before = [run[node_id]["duration_ms"] for run in history if node_id in run]
        if not now or not before:
            continue
        latest = next(run[node_id] for run in recent if node_id in run)
        recent_ms, usual_ms = statistics.median(now), statistics.median(before)
        if recent_ms > usual_ms:
            moves.append(
                NodeMove(
                    node_id=node_id,
                    class_type=latest["class_type"],
                    title=latest.get("title"),
                    recent_ms=recent_ms,
                    usual_ms=usual_ms,
                    change_ms=recent_ms - usual_ms,
                )
            )
    moves.sort(key=lambda m: (-m.change_ms, m.node_id))
    return moves[:MAX_MOVED_NODES]


def _usual_environment(runs: Sequence[_Run]) -> int | None:
    counted = Counter(r.environment_id for r in runs if r.environment_id is not None)
    return counted.most_common(1)[0][0] if counted else None


def workflow_regressions(
    conn: sqlite3.Connection, rule: RegressionRule, *, workflow_hash: str | None = None, limit: int = 50
) -> tuple[list[WorkflowRegression], int]:
    """Flagged workflows (largest change first, ``limit`` at most) and how many could be judged."""
    flagged: list[tuple[str, list[_Run], list[MetricShift]]] = []
    checked = 0
    needed = rule.recent_runs + MIN_REGRESSION_WINDOW_RUNS
    for hash_, runs in _runs_by_workflow(conn, rule.recent_runs + rule.window_runs, workflow_hash):
        if len(runs) < needed:
            continue
        checked += 1
        shifts = _shifts(runs, rule)
        if shifts:
            flagged.append((hash_, runs, shifts))
    flagged.sort(key=lambda f: -f[2][0].change_percent)
    flagged = flagged[:limit]
    if not flagged:
        return [], checked
    marks = ",".join("?" * len(flagged))
    hashes = [f[0] for f in flagged]
    names = dict(
        conn.execute(
            f"SELECT workflow_hash, last_name FROM workflow_rollup WHERE workflow_hash IN ({marks})", hashes
        )
    )
    pins = dict(
        conn.execute(
            f"SELECT workflow_hash, prompt_id FROM baselines WHERE workflow_hash IN ({marks})", hashes
        )
    )
    items = [
        WorkflowRegression(
            workflow_hash=hash_,
            workflow_name=names.get(hash_),
            latest_prompt_id=runs[0].prompt_id,
            latest_started_at=runs[0].started_at,
            shifts=shifts,
            moved_nodes=moved_nodes(conn, runs, rule),
            recent_runs=min(len(runs), rule.recent_runs),
            history_runs=len(runs) - min(len(runs), rule.recent_runs),
            recent_environment_id=runs[0].environment_id,
            usual_environment_id=_usual_environment(runs[rule.recent_runs :]),
            baseline_prompt_id=pins.get(hash_),
        )
        for hash_, runs, shifts in flagged
    ]
    return items, checked


def node_class_regressions(
    conn: sqlite3.Connection, rule: RegressionRule, *, limit: int = 50
) -> tuple[list[NodeClassRegression], int]:
    """Flagged node classes by their executions in any workflow (largest first), and how many
    classes could be judged: one indexed read of a few rows per class."""
    per_class = rule.recent_runs + rule.window_runs
    classes = [
        str(r[0])
        for r in conn.execute(
            "SELECT class_type FROM node_rollup WHERE timed_runs >= ?",
            (rule.recent_runs + MIN_REGRESSION_WINDOW_RUNS,),
        )
    ]
    flagged: list[NodeClassRegression] = []
    for class_type in classes:
        durations = [
            float(r[0])
            for r in conn.execute(
                "SELECT duration_ms FROM node_runs INDEXED BY node_runs_class_started "
                "WHERE class_type = ? AND duration_ms IS NOT NULL ORDER BY started_at DESC LIMIT ?",
                (class_type, per_class),
            )
        ]
        shift = judge("duration", durations, rule)
        if shift is not None:
            recent = min(len(durations), rule.recent_runs)
            flagged.append(
                NodeClassRegression(
                    class_type=class_type,
                    shift=shift,
                    recent_runs=recent,
                    history_runs=len(durations) - recent,
                )
            )
    flagged.sort(key=lambda f: (-f.shift.change_percent, f.class_type))
    return flagged[:limit], len(classes)


def report(
    conn: sqlite3.Connection, rule: RegressionRule, *, workflow_hash: str | None = None, limit: int = 50
) -> RegressionReport:
    """Both lists from one snapshot; one workflow's report has no node classes (they span workflows)."""
    workflows, checked = workflow_regressions(conn, rule, workflow_hash=workflow_hash, limit=limit)
    classes, checked_classes = (
        ([], 0) if workflow_hash is not None else node_class_regressions(conn, rule, limit=limit)
    )
    return RegressionReport(
        rule=rule,
        workflows=workflows,
        node_classes=classes,
        checked_workflows=checked,
        checked_node_classes=checked_classes,
    )
