"""Durable, bounded history of finished workflows: SQLite (WAL), migrations, rollups, JSON archives."""

from ..schemas.profiler import DEFAULT_MAX_WORKFLOWS
from .archives import ArchiveDirectory, is_archive_id, mint_archive_id
from .errors import (
    ArchiveIdError,
    ArchiveNotFoundError,
    BaselineConflictError,
    HistoryError,
    HistoryUnavailableError,
    InvalidArchiveError,
    NothingToArchiveError,
    RunNotFoundError,
)
from .store import DB_FILE_NAME, HistoryStats, HistoryStore, OomHistory, StoreCounters
from .writer import WRITER_THREAD_NAME, CommitListener, PendingRecord

__all__ = [
    "DB_FILE_NAME",
    "DEFAULT_MAX_WORKFLOWS",
    "WRITER_THREAD_NAME",
    "ArchiveDirectory",
    "ArchiveIdError",
    "ArchiveNotFoundError",
    "BaselineConflictError",
    "CommitListener",
    "HistoryError",
    "HistoryStats",
    "HistoryStore",
    "HistoryUnavailableError",
    "InvalidArchiveError",
    "NothingToArchiveError",
    "OomHistory",
    "PendingRecord",
    "RunNotFoundError",
    "StoreCounters",
    "is_archive_id",
    "mint_archive_id",
]
