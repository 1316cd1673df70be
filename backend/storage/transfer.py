"""Moving runs between the database and archive files: export (then delete), and import back.

Writer thread only: each function runs as one of the writer's commands, so no workflow is written
in between. Export writes the archive file before any row goes; import skips runs already stored.
"""

from __future__ import annotations

from .. import log
from ..schemas.oom import MAX_OOM_EVENTS
from ..schemas.profiler import ArchiveInfo, ArchiveLoadResult, ArchiveReason, WorkflowRecord
from . import environments, oom_events, repository
from .archives import ArchiveDirectory
from .database import WriterDatabase
from .errors import NothingToArchiveError

# Runs imported per transaction: a big archive neither holds the write lock long nor all in memory.
IMPORT_CHUNK = 250


def archive_through(
    db: WriterDatabase, archives: ArchiveDirectory, last_seq: int, reason: ArchiveReason
) -> ArchiveInfo:
    """Write the runs stored as ``seq <= last_seq`` to a new archive, then delete them.

    Raises:
        OSError: The archive could not be written; the runs stay stored.
    """
    conn = db.require()
    summary = repository.summarize_through(conn, last_seq).model_copy(
        update={"oom_summary": oom_events.archived_summary(conn, last_seq)}
    )
    # The captures are copied, not moved: the OOM analysis keeps its last 1,000 whatever is archived.
    info = archives.write(
        reason=reason,
        summary=summary,
        history=repository.iter_record_json(conn, last_seq),
        oom_history=repository.iter_record_json(conn, last_seq, oom_only=True),
        oom_events=oom_events.iter_archived_event_json(conn, last_seq),
        environments=environments.many(conn, environments.ids_through(conn, last_seq)),
    )
    # A crash here leaves the runs both archived and stored; loading is idempotent, so no harm.
    with db.transaction() as tx:
        removed = repository.delete_through(tx, last_seq)
    db.count -= removed
    return info


def archive_all(db: WriterDatabase, archives: ArchiveDirectory) -> ArchiveInfo:
    """Move the whole history into a new archive (``reason="manual"``).

    Raises:
        NothingToArchiveError: History is empty.
        OSError: The archive could not be written (history is left as it was).
    """
    last = repository.max_seq(db.require())
    if last is None:
        raise NothingToArchiveError("history is empty; there is nothing to archive")
    return archive_through(db, archives, last, "manual")


def import_archive(db: WriterDatabase, archives: ArchiveDirectory, archive_id: str) -> ArchiveLoadResult:
    """Import an archive's runs back into history, ``IMPORT_CHUNK`` per transaction.

    Raises:
        ArchiveIdError, ArchiveNotFoundError, InvalidArchiveError: From the archive folder.
    """
    imported = present = invalid = oom_imported = 0
    with archives.open(archive_id) as reader:
        chunk: list[WorkflowRecord] = []
        # The archive's environment ids are its history's numbering: map them to ours (equal
        # fingerprints share a row); a run whose environment the archive lacks gets None.
        with db.transaction() as tx:
            ours = {
                e.id: environments.register(tx, e.fingerprint, e.first_seen_at) for e in reader.environments
            }

        def commit() -> None:
            nonlocal imported, present
            with db.transaction() as tx:
                added, skipped = repository.insert_many(tx, chunk)
            imported += added
            present += skipped
            db.count += added
            chunk.clear()

        for read in reader.records():
            if read is None:
                invalid += 1
                continue
            if read.environment_id is not None:
                read = read.model_copy(update={"environment_id": ours.get(read.environment_id)})  # noqa: PLW2901
            chunk.append(read)
            if len(chunk) >= IMPORT_CHUNK:
                commit()
        if chunk:
            commit()
        captures = [event for event in reader.oom_events() if event is not None]
        if captures:
            with db.transaction() as tx:
                oom_imported = oom_events.import_oom_events(tx, captures, keep=MAX_OOM_EVENTS)
        info = reader.info
    log.info(f"loaded archive {archive_id}: {imported} imported, {present} already in history")
    return ArchiveLoadResult(
        archive=info,
        imported_count=imported,
        already_present_count=present,
        invalid_count=invalid,
        imported_oom_event_count=oom_imported,
    )


def clear_history(db: WriterDatabase) -> int:
    """Forget every stored run and OOM capture (archives are kept); how many runs were removed."""
    with db.transaction() as tx:
        removed = repository.delete_all(tx)
        oom_events.delete_all_oom_events(tx)
    db.count = 0
    return removed
