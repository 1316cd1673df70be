"""Retention: at most ``max_workflows`` stored; past that the oldest-stored batch goes to an archive.

Writer thread only, after each write or import.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import log
from ..schemas.profiler import DEFAULT_MAX_WORKFLOWS
from . import repository
from .archives import ArchiveDirectory
from .database import WriterDatabase
from .transfer import archive_through

DEFAULT_ARCHIVE_BATCH = 1_000


class Retention:
    """Keeps history bounded; remembers when a failed archive is worth retrying."""

    def __init__(
        self, max_workflows: int = DEFAULT_MAX_WORKFLOWS, archive_batch: int = DEFAULT_ARCHIVE_BATCH
    ) -> None:
        """Create the policy.

        Raises:
            ValueError: Either limit is below 1.
        """
        if max_workflows < 1 or archive_batch < 1:
            raise ValueError("max_workflows and archive_batch must be at least 1")
        self.max_workflows = max_workflows
        self.archive_batch = archive_batch
        self._configured_batch = archive_batch
        self._retry_at = 0
        # Told on the writer thread after runs went to an archive (the store tells open pages).
        self.on_archived: Callable[[], None] = lambda: None

    def resize(self, max_workflows: int) -> None:
        """A new limit (a user's setting); a batch is at most a tenth of it, so a small history
        is not archived whole when it first overflows.

        Raises:
            ValueError: Below 1.
        """
        if max_workflows < 1:
            raise ValueError("max_workflows must be at least 1")
        self.max_workflows = max_workflows
        self.archive_batch = max(1, min(self._configured_batch, max_workflows // 10))
        self._retry_at = 0

    def enforce(self, db: WriterDatabase, archives: ArchiveDirectory) -> None:
        """Archive the oldest-stored batch, then delete it, until history fits.

        If the archive cannot be written, retry after a tenth of a batch more; past one whole batch
        over the limit, delete without an archive (bounded beats complete) and say so.
        """
        while db.conn is not None and db.count > self.max_workflows:
            if db.count < self._retry_at:
                return
            batch = min(db.count, max(db.count - self.max_workflows, self.archive_batch))
            last_seq = repository.seq_of_nth_oldest(db.conn, batch)
            if last_seq is None:
                return
            try:
                info = archive_through(db, archives, last_seq, "retention")
            except OSError as exc:
                if db.count <= self.max_workflows + self.archive_batch:
                    self._retry_at = db.count + max(1, self.archive_batch // 10)
                    log.at_most_every(
                        "history-retention", 300.0, f"could not archive old history ({exc}); will retry"
                    )
                    return
                log.warning(
                    f"could not archive old history ({exc}); deleting the oldest {batch} workflows "
                    f"without an archive to keep history under {self.max_workflows}"
                )
                with db.transaction() as tx:
                    db.count -= repository.delete_through(tx, last_seq)
                continue
            self._retry_at = 0
            log.info(f"archived the {info.workflow_count} oldest workflows to {info.id}.json")
            self.on_archived()
