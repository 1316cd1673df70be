"""OOM captures in history: stored with their models, the newest 1,000 kept, ranked by node class
against its runs, correlated with the models loaded, counted, cleared with history."""

from __future__ import annotations

from pathlib import Path

from backend.schemas.oom import MAX_OOM_EVENTS, OomEvent
from backend.schemas.profiler import ModelResidency, WorkflowRecord
from backend.storage import HistoryStore, oom_events, repository
from backend.storage.db import connect_writer
from backend.storage.migrations import migrate
from tests.support.oom import GIB, loaded_info, make_oom_event
from tests.support.records import Built, make_record


def _submit(store: HistoryStore, *events: OomEvent) -> None:
    for event in events:
        store.submit_oom(event)
    assert store.flush()


def test_a_capture_is_stored_whole_and_read_back_newest_first(store: HistoryStore) -> None:
    first = make_oom_event(prompt_id="p1", loaded_models=[loaded_info("base.safetensors", 6.5, True)])
    second = make_oom_event(prompt_id="p2", captured_at=200.0, memory_summary="|  Allocated memory  |")
    _submit(store, first, second)
    assert store.oom_events(10) == [second, first]
    assert store.oom_events(1) == [second]


def test_the_newest_are_kept_with_their_models(tmp_path: Path) -> None:
    conn = connect_writer(tmp_path / "h.sqlite")
    migrate(conn)
    for i in range(5):
        event = make_oom_event(prompt_id=f"p{i}", loaded_models=[loaded_info(f"m{i}.safetensors", 1, False)])
        oom_events.insert_oom_event(conn, event, keep=3)
    assert [e.prompt_id for e in oom_events.recent_oom_events(conn, 10)] == ["p4", "p3", "p2"]
    names = {r[0] for r in conn.execute("SELECT name FROM oom_event_models")}
    assert names == {"m2.safetensors", "m3.safetensors", "m4.safetensors"}, (
        "the dropped events' models go too"
    )
    assert MAX_OOM_EVENTS == 1000


def test_node_classes_rank_by_ooms_with_their_rate_against_their_runs(store: HistoryStore) -> None:
    for i in range(3):  # KSampler runs in each of these (tests/support/records.py)
        store.submit(Built(make_record(i)))
    _submit(
        store,
        make_oom_event(node_type="KSampler"),
        make_oom_event(node_type="KSampler", captured_at=101.0),
        make_oom_event(node_type="VAEDecode", captured_at=102.0),
        make_oom_event(node_type=None, node_id=None, captured_at=103.0),
    )
    ranking = store.oom_history().node_type_ranking
    assert [(r.node_type, r.count) for r in ranking] == [("KSampler", 2), ("VAEDecode", 1)]
    sampler = ranking[0]
    timed = store.node_class_stats().items  # the runs the rate is measured against
    runs = next(c.timed_runs for c in timed if c.class_type == "KSampler")
    assert sampler.rate == 2 / (2 + runs)
    assert sampler.mean_requested_bytes == 2 * GIB and sampler.mean_allocated_bytes == 20 * GIB


def test_models_correlate_by_the_share_of_events_they_were_loaded_in(store: HistoryStore) -> None:
    base, refiner = loaded_info("base.safetensors", 6, True), loaded_info("refiner.safetensors", 4, False)
    twice = [base, base.model_copy(update={"device": "cuda:1", "loaded_bytes": 2 * GIB})]
    _submit(
        store,
        make_oom_event(loaded_models=[base, refiner]),
        make_oom_event(loaded_models=twice, captured_at=101.0),
        make_oom_event(loaded_models=[], captured_at=102.0),
    )
    correlation = store.oom_history().model_correlation
    assert [(c.name, c.oom_events) for c in correlation] == [
        ("base.safetensors", 2),
        ("refiner.safetensors", 1),
    ]
    assert correlation[0].oom_share == 2 / 3 and correlation[1].oom_share == 1 / 3
    # Loaded on two devices in one event: one event, its bytes summed (6 + 2 GiB), then averaged with 6.
    assert correlation[0].mean_loaded_bytes == (8 * GIB + 6 * GIB) / 2


def test_counts_come_from_the_stored_runs_and_an_empty_history_has_none(store: HistoryStore) -> None:
    empty = store.oom_history()
    assert (empty.oom_runs, empty.runs, empty.latest, empty.model_correlation) == (0, 0, [], [])
    for i, status in enumerate(["success", "oom", "oom", "error"]):
        store.submit(Built(make_record(i, status=status)))  # type: ignore[arg-type]
    _submit(store, make_oom_event())
    stored = store.oom_history()
    assert (stored.oom_runs, stored.runs) == (2, 4)
    assert [e.prompt_id for e in stored.latest] == ["p"]


def test_stored_captures_reach_the_subscribers_and_clearing_history_forgets_them(store: HistoryStore) -> None:
    seen: list[OomEvent] = []
    unsubscribe = store.subscribe_oom(seen.append)
    event = make_oom_event()
    _submit(store, event)
    assert seen == [event]
    unsubscribe()
    _submit(store, make_oom_event(captured_at=300.0))
    assert len(seen) == 1
    store.clear()
    assert store.oom_events(10) == [] and store.oom_history().model_correlation == []


def _with_models(i: int, *names: str) -> WorkflowRecord:
    stays = [
        ModelResidency(
            name=name,
            device="cuda:0",
            loaded_bytes=GIB,
            from_ms=0.0,
            until_ms=None,
            loaded_by_node_id=None,
            used_by_node_ids=[],
        )
        for name in names
    ]
    return make_record(i).model_copy(update={"model_residency": stays})


def test_a_models_share_of_ooms_is_set_beside_its_share_of_all_runs(store: HistoryStore) -> None:
    for i, names in enumerate([("base.safetensors",), ("base.safetensors", "refiner.safetensors"), (), ()]):
        store.submit(Built(_with_models(i, *names)))
    _submit(store, make_oom_event(loaded_models=[loaded_info("refiner.safetensors", 4, False)]))
    (refiner,) = store.oom_history().model_correlation
    assert (refiner.name, refiner.oom_share, refiner.runs, refiner.run_share) == (
        "refiner.safetensors",
        1.0,
        1,
        0.25,
    )


def test_the_runs_models_leave_with_the_runs(tmp_path: Path) -> None:
    conn = connect_writer(tmp_path / "h.sqlite")
    migrate(conn)
    for i in range(3):
        repository.insert_workflow(conn, _with_models(i, "base.safetensors"))
    repository.delete_through(conn, 1)
    assert conn.execute("SELECT workflow_seq FROM run_models").fetchall() == [(2,), (3,)]
    repository.delete_all(conn)
    assert conn.execute("SELECT COUNT(*) FROM run_models").fetchone() == (0,)
