"""Baselines outlive the run's stay in history; environments stamp runs, travel with archives and
come back under the loading history's own ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.storage import BaselineConflictError, HistoryStore, RunNotFoundError
from tests.support.records import Built, make_fingerprint, make_record

HASH = "0123456789abcdef"


def _run(store: HistoryStore, i: int, **kwargs: object) -> None:
    store.submit(Built(make_record(i, workflow_hash=HASH, prompt_id=f"run-{i}", **kwargs)))  # type: ignore[arg-type]
    assert store.flush()


def test_a_baseline_survives_retention_and_clear_history_until_unpinned(tmp_path: Path) -> None:
    with HistoryStore(tmp_path, max_workflows=3, archive_batch=1) as store:
        _run(store, 0)
        pinned = store.pin_baseline(HASH, "run-0")
        for i in range(1, 6):
            _run(store, i)
        assert store.get_workflow("run-0") is None, "retention archived the run"
        assert store.baseline(HASH) == pinned
        store.clear()
        kept = store.baseline(HASH)
        assert kept is not None and kept.record.prompt_id == "run-0" and kept.record == pinned.record
        assert [b.prompt_id for b in store.baselines()] == ["run-0"]
        assert store.unpin_baseline(HASH) == "run-0"
        assert store.baseline(HASH) is None and store.unpin_baseline(HASH) is None


def test_pinning_refuses_what_cannot_be_a_baseline(store: HistoryStore) -> None:
    _run(store, 0, status="oom")
    store.submit(Built(make_record(1, workflow_hash="fedcba9876543210", prompt_id="other")))
    assert store.flush()
    with pytest.raises(RunNotFoundError, match="no run nowhere in history"):
        store.pin_baseline(HASH, "nowhere")
    with pytest.raises(BaselineConflictError, match="ended as oom"):
        store.pin_baseline(HASH, "run-0")
    with pytest.raises(BaselineConflictError, match="is a run of workflow fedcba9876543210"):
        store.pin_baseline(HASH, "other")
    assert store.baselines() == []


def test_runs_are_stamped_with_the_environment_in_force_and_equal_fingerprints_share_a_row(
    store: HistoryStore,
) -> None:
    _run(store, 0)
    store.set_environment(make_fingerprint())
    _run(store, 1)
    first = store.environment_id
    store.set_environment(make_fingerprint(torch="2.14.0"))
    _run(store, 2)
    store.set_environment(make_fingerprint())
    _run(store, 3)
    ids = [store.get_workflow(f"run-{i}").environment_id for i in range(4)]  # type: ignore[union-attr]
    assert ids[0] is None and ids[1] == first == ids[3] and ids[2] not in (None, first)
    got = store.environment(ids[2])  # type: ignore[arg-type]
    assert got is not None and got.fingerprint.torch_version == "2.14.0"
    assert store.environment(999) is None
    # History lists carry the id too (what Compare reads).
    assert [s.environment_id for s in store.history().items] == list(reversed(ids))


def test_an_archive_carries_its_environments_and_a_load_maps_them_to_the_loading_history(
    tmp_path: Path,
) -> None:
    with HistoryStore(tmp_path / "a") as source:
        source.set_environment(make_fingerprint(torch="2.12.0"))  # id 1 there
        source.set_environment(make_fingerprint(torch="2.13.0"))  # id 2 there
        _run(source, 0)
        info = source.archive_now()
        archive = source.archives.directory / f"{info.id}.json"
    with HistoryStore(tmp_path / "b") as target:
        target.set_environment(make_fingerprint(torch="2.13.0"))  # id 1 here
        target.set_environment(make_fingerprint(torch="2.14.0"))  # id 2 here
        target.archives.ensure()
        archive.rename(target.archives.directory / archive.name)
        target.load_archive(info.id)
        loaded = target.get_workflow("run-0")
        assert loaded is not None and loaded.environment_id is not None
        environment = target.environment(loaded.environment_id)
        assert environment is not None and environment.fingerprint.torch_version == "2.13.0"
        assert loaded.environment_id == 1, "the equal fingerprint's row, not the archive's id 2"
