"""Numbered schema migrations, tracked by ``PRAGMA user_version``; each runs in its own transaction.

Append a new script to ``MIGRATIONS`` to change the schema; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3

# MIGRATIONS[n] takes the schema from version n to n + 1.
MIGRATIONS: tuple[str, ...] = (
    # 1: workflows (summary columns + the full record), per-node facts for the rollups, rollups.
    """
    CREATE TABLE workflows (
        seq INTEGER PRIMARY KEY,              -- insertion order: retention drops the lowest first
        prompt_id TEXT NOT NULL UNIQUE,
        workflow_hash TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at REAL NOT NULL,
        ended_at REAL,
        duration_ms REAL,
        timed_duration_ms REAL,               -- duration_ms of successful runs, else NULL
        node_count INTEGER NOT NULL,
        executed_count INTEGER NOT NULL,
        cache_hits INTEGER NOT NULL,
        cache_misses INTEGER NOT NULL,
        peak_vram_bytes INTEGER,
        peak_rss_bytes INTEGER,
        error_json TEXT,
        record_zlib BLOB NOT NULL             -- the full WorkflowRecord: zlib-compressed JSON (~7x smaller)
    );
    CREATE INDEX workflows_started_at ON workflows (started_at);
    CREATE INDEX workflows_hash_duration ON workflows (workflow_hash, timed_duration_ms);
    CREATE INDEX workflows_hash_started_at ON workflows (workflow_hash, started_at);

    CREATE TABLE node_runs (
        workflow_seq INTEGER NOT NULL REFERENCES workflows (seq) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        class_type TEXT NOT NULL,
        cache_hit INTEGER NOT NULL,
        duration_ms REAL,                     -- executed successful runs only
        vram_peak_delta_bytes INTEGER,        -- executed successful runs only
        PRIMARY KEY (workflow_seq, position)
    ) WITHOUT ROWID;
    CREATE INDEX node_runs_class_duration ON node_runs (class_type, duration_ms);

    CREATE TABLE node_rollup (
        class_type TEXT PRIMARY KEY,
        runs INTEGER NOT NULL,
        cached_runs INTEGER NOT NULL,
        timed_runs INTEGER NOT NULL,
        duration_sum_ms REAL NOT NULL,
        duration_min_ms REAL,
        duration_max_ms REAL,
        vram_runs INTEGER NOT NULL,
        vram_delta_sum_bytes INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE workflow_rollup (
        workflow_hash TEXT PRIMARY KEY,
        runs INTEGER NOT NULL,
        successes INTEGER NOT NULL,
        timed_runs INTEGER NOT NULL,
        duration_sum_ms REAL NOT NULL,
        duration_min_ms REAL,
        duration_max_ms REAL,
        last_run_at REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX workflow_rollup_last_run_at ON workflow_rollup (last_run_at);
    """,
    # 2: the workflow's name as its tab showed it; the newest name per graph; history by status.
    """
    ALTER TABLE workflows ADD COLUMN workflow_name TEXT;
    ALTER TABLE workflow_rollup ADD COLUMN last_name TEXT;
    CREATE INDEX workflows_status_started_at ON workflows (status, started_at);
    ALTER TABLE node_rollup ADD COLUMN vram_delta_max_bytes INTEGER;
    UPDATE node_rollup SET vram_delta_max_bytes = (
        SELECT MAX(vram_peak_delta_bytes) FROM node_runs n WHERE n.class_type = node_rollup.class_type
    );
    """,
    # 3: out-of-memory captures (the last 1,000), kept apart from the runs: an archived run's
    # capture still counts in the OOM analysis until newer ones push it out.
    """
    CREATE TABLE oom_events (
        seq INTEGER PRIMARY KEY,
        prompt_id TEXT NOT NULL,
        workflow_hash TEXT NOT NULL,
        node_type TEXT,
        captured_at REAL NOT NULL,
        requested_bytes INTEGER,
        allocated_bytes INTEGER,
        free_before_bytes INTEGER,
        event_zlib BLOB NOT NULL              -- the whole OomEvent: zlib-compressed JSON
    );
    CREATE INDEX oom_events_node_type ON oom_events (node_type);
    CREATE INDEX oom_events_captured_at ON oom_events (captured_at);
    CREATE TABLE oom_event_models (
        event_seq INTEGER NOT NULL REFERENCES oom_events (seq) ON DELETE CASCADE,
        name TEXT NOT NULL,
        loaded_bytes INTEGER,
        PRIMARY KEY (event_seq, name)
    ) WITHOUT ROWID;
    CREATE INDEX oom_event_models_name ON oom_event_models (name);
    """,
    # 4: the models each run had on the device (its residency timeline's names): the OOM analysis
    # compares a model's share of OOMs with its share of all runs.
    """
    CREATE TABLE run_models (
        workflow_seq INTEGER NOT NULL REFERENCES workflows (seq) ON DELETE CASCADE,
        name TEXT NOT NULL,
        PRIMARY KEY (workflow_seq, name)
    ) WITHOUT ROWID;
    CREATE INDEX run_models_name ON run_models (name);
    """,
    # 5: what regressions read. The environment each run ran in (one row per distinct fingerprint);
    # each node fact's run start, so a node class's latest executions are found by time (an
    # imported archive's old runs are not its latest); a covering index of successful runs per
    # workflow; and each workflow's pinned baseline, with a copy of its record (it outlives the
    # run's stay in history).
    """
    CREATE TABLE environments (
        id INTEGER PRIMARY KEY,
        fingerprint_sha TEXT NOT NULL UNIQUE,     -- sha256 of the fingerprint's canonical JSON
        fingerprint_json TEXT NOT NULL,
        first_seen_at REAL NOT NULL
    );
    ALTER TABLE workflows ADD COLUMN environment_id INTEGER;
    ALTER TABLE node_runs ADD COLUMN started_at REAL;
    UPDATE node_runs SET started_at = (SELECT started_at FROM workflows WHERE seq = node_runs.workflow_seq);
    CREATE INDEX node_runs_class_started ON node_runs (class_type, started_at, duration_ms)
        WHERE duration_ms IS NOT NULL;
    CREATE INDEX workflows_timed_hash_started ON workflows (
        workflow_hash, started_at, timed_duration_ms, peak_vram_bytes, peak_rss_bytes, environment_id,
        prompt_id
    ) WHERE timed_duration_ms IS NOT NULL;
    CREATE TABLE baselines (
        workflow_hash TEXT PRIMARY KEY,
        prompt_id TEXT NOT NULL,
        pinned_at REAL NOT NULL,
        status TEXT NOT NULL,
        started_at REAL NOT NULL,
        duration_ms REAL,
        peak_vram_bytes INTEGER,
        workflow_name TEXT,
        record_zlib BLOB NOT NULL
    ) WITHOUT ROWID;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNewError(Exception):
    """The file was written by a newer version of the pack, whose schema this one cannot read."""


def schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every pending migration to ``conn`` (autocommit mode); return the resulting version.

    Raises:
        SchemaTooNewError: the database is newer than this code; it is left untouched.
        sqlite3.DatabaseError: a migration failed; its transaction is rolled back.
    """
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise SchemaTooNewError(f"schema version {version} is newer than {SCHEMA_VERSION}")
    for target in range(version + 1, SCHEMA_VERSION + 1):
        script = MIGRATIONS[target - 1]
        try:
            # executescript commits any open transaction first, then runs ours as written.
            conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {target};\nCOMMIT;")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return SCHEMA_VERSION
