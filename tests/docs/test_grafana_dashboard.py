"""The Grafana dashboard in docs/grafana/ asks only for metrics and labels the scrape serves."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from backend.metrics import RunMetrics
from tests.support.metrics import exposition_of
from tests.support.records import make_record
from tests.support.telemetry import FakeSampler, make_snapshot

DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "grafana" / "comfyui-fleet.json"
# Added by Prometheus to every scraped series, or by the histogram's own samples.
IMPLICIT_LABELS = {"instance", "job", "le"}


def _served() -> tuple[set[str], set[str]]:
    """Every sample name and label a fully populated scrape carries."""
    sampler = FakeSampler(gpu_count=2)
    sampler._snapshot = make_snapshot(2).model_copy(update={"cpu_temperature_c": 60.0})
    runs = RunMetrics()
    for i in range(3):
        runs.observe(make_record(i, nodes=8, status="oom" if i == 1 else "success"))
    runs.observe_oom("KSampler")
    exposition = exposition_of(sampler, runs, running=0, queued=0, hook_errors=0)
    body, _ = exposition.render(None)
    names: set[str] = set()
    labels: set[str] = set()
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            names.add(sample.name)
            labels.update(sample.labels)
    return names, labels


def _queries(dashboard: dict[str, Any]) -> list[str]:
    found = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    found += [v["definition"] for v in dashboard["templating"]["list"] if "definition" in v]
    return found


def test_every_query_names_a_served_metric_and_groups_by_served_labels() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    served_names, served_labels = _served()
    queries = _queries(dashboard)
    assert len(queries) >= 20
    used: set[str] = set()
    for query in queries:
        # Label names (comfyui_version) sit in by (...): not metric names.
        names = set(re.findall(r"\b(comfyui_[a-z0-9_]+)\b", re.sub(r"\bby \([^)]*\)", "", query)))
        assert names, f"a query without our metrics: {query}"
        assert names <= served_names, f"{sorted(names - served_names)} not served (in {query})"
        used |= names
        for group in re.findall(r"\bby \(([^)]*)\)", query):
            labels = {label.strip() for label in group.split(",")}
            assert labels <= served_labels | IMPLICIT_LABELS, f"{labels} in {query}"
        for selector in re.findall(r"\{([^}]*)\}", query):
            for label in re.findall(r"([a-z_]+)\s*=~?", selector):
                assert label in served_labels | IMPLICIT_LABELS, f"{label} in {query}"
    # Each family of the machine, the runs and the pack is on the dashboard somewhere.
    families = {re.sub(r"_(bucket|sum|count)$", "", n) for n in served_names}
    shown = {re.sub(r"_(bucket|sum|count)$", "", n) for n in used}
    missing = families - shown - {"comfyui_cpu_frequency_hertz"}
    assert not missing, f"served but on no panel: {sorted(missing)}"


def test_the_dashboard_is_importable_json_with_a_machine_variable_and_unique_ids() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"]
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    assert {"datasource", "instance"} <= variables
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    rows = [p["title"] for p in dashboard["panels"] if p["type"] == "row"]
    assert any("Fleet" in r for r in rows) and any("Machine" in r for r in rows)
