"""What the history store raises; the API turns each into a JSON 4xx/503."""

from __future__ import annotations


class HistoryError(Exception):
    """Base of the store's refusals; the message is a sentence for the operator."""


class HistoryUnavailableError(HistoryError):
    """The database is still opening, could not be opened, or the store is closed or busy."""


class ArchiveIdError(HistoryError, ValueError):
    """An archive id that does not match ARCHIVE_ID_PATTERN (nothing was looked up)."""


class ArchiveNotFoundError(HistoryError):
    """No archive file with that id (or the file is not a plain file inside the archive folder)."""


class InvalidArchiveError(HistoryError):
    """The file exists but is not a history archive this version can read."""


class NothingToArchiveError(HistoryError):
    """History is empty."""


class RunNotFoundError(HistoryError):
    """No stored run with that prompt id (running, archived, or never recorded)."""


class BaselineConflictError(HistoryError):
    """The run cannot be this workflow's baseline: it is another workflow's, or did not succeed."""
