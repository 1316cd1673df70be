"""Environments: one row per distinct fingerprint, which runs refer to by id.

The id is this database's own numbering: archives carry the fingerprints their runs refer to, and
an import maps them to this database's ids (``register`` finds an equal fingerprint's row).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable

from ..schemas.environment import Environment, EnvironmentFingerprint


def fingerprint_sha(fingerprint: EnvironmentFingerprint) -> str:
    """Equal fingerprints, equal digests: pydantic dumps fields in declaration order, always."""
    return hashlib.sha256(fingerprint.model_dump_json().encode()).hexdigest()


def register(conn: sqlite3.Connection, fingerprint: EnvironmentFingerprint, seen_at: float) -> int:
    """The id of ``fingerprint``'s row, inserted when it is new. In the caller's transaction."""
    sha = fingerprint_sha(fingerprint)
    conn.execute(
        "INSERT INTO environments (fingerprint_sha, fingerprint_json, first_seen_at) VALUES (?, ?, ?) "
        "ON CONFLICT (fingerprint_sha) DO UPDATE SET "
        "first_seen_at = min(first_seen_at, excluded.first_seen_at)",
        (sha, fingerprint.model_dump_json(), seen_at),
    )
    row = conn.execute("SELECT id FROM environments WHERE fingerprint_sha = ?", (sha,)).fetchone()
    return int(row[0])


def get(conn: sqlite3.Connection, environment_id: int) -> Environment | None:
    row = conn.execute(
        "SELECT id, first_seen_at, fingerprint_json FROM environments WHERE id = ?", (environment_id,)
    ).fetchone()
    if row is None:
        return None
    return Environment(
        id=int(row[0]),
        first_seen_at=float(row[1]),
        fingerprint=EnvironmentFingerprint.model_validate_json(row[2]),
    )


def many(conn: sqlite3.Connection, ids: Iterable[int]) -> list[Environment]:
    """The environments of ``ids`` that exist, by id (what an archive carries for its runs)."""
    found = [get(conn, i) for i in sorted(set(ids))]
    return [e for e in found if e is not None]


def ids_through(conn: sqlite3.Connection, last_seq: int) -> list[int]:
    """The environments the runs stored as ``seq <= last_seq`` refer to."""
    rows = conn.execute(
        "SELECT DISTINCT environment_id FROM workflows WHERE seq <= ? AND environment_id IS NOT NULL",
        (last_seq,),
    ).fetchall()
    return [int(r[0]) for r in rows]
