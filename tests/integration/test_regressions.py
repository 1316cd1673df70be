"""Against a real ComfyUI: runs carry the environment they ran in (ComfyUI's own version, its
frontend's, torch, the --cpu launch flag), a real run is pinned as its workflow's baseline, and a
workflow whose node got slower is flagged naming that node."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from backend.schemas.baselines import Baseline
from backend.schemas.environment import Environment
from backend.schemas.regressions import RegressionReport
from tests.support.comfyui_server import FRONT_END_ROOT_ENV, ComfyServer, record_of, request, token_headers

pytestmark = pytest.mark.comfyui


def _chain(seconds: float, color: int) -> dict[str, Any]:
    return {
        "1": {
            "class_type": "EmptyImage",
            "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": color},
        },
        "2": {"class_type": "SAKSleep", "inputs": {"image": ["1", 0], "seconds": seconds}},
        "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}},
    }


def _slowing_chain(seconds: float, color: int) -> dict[str, Any]:
    """A graph no other integration test runs (its hash is its own): its history is only this
    test's runs, whatever ran on the same server before."""
    return {
        "1": {
            "class_type": "EmptyImage",
            "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": color},
        },
        "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
        "3": {"class_type": "ImageInvert", "inputs": {"image": ["2", 0]}},
        "4": {"class_type": "SAKSleep", "inputs": {"image": ["3", 0], "seconds": seconds}},
        "5": {"class_type": "PreviewImage", "inputs": {"images": ["4", 0]}},
    }


def _comfyui_version() -> str:
    text = (Path(os.environ["COMFYUI_DIR"]) / "comfyui_version.py").read_text()
    return text.split('__version__ = "', 1)[1].split('"', 1)[0]


def test_a_real_run_records_the_environment_comfyui_ran_in(comfyui: ComfyServer) -> None:
    record = record_of(comfyui, comfyui.queue(_chain(0.01, color=401)))
    assert record.environment_id is not None
    status, body = comfyui.get(f"/swissarmyknife/profiler/environments/{record.environment_id}")
    assert status == 200, body
    fingerprint = Environment.model_validate(body).fingerprint
    assert fingerprint.host == "comfyui"
    assert fingerprint.comfyui_version == _comfyui_version()
    assert fingerprint.torch_version is not None and fingerprint.torch_version.startswith("2.")
    assert "--cpu" in [f.name for f in fingerprint.launch_flags], "the harness starts ComfyUI with --cpu"
    assert "--listen" not in [f.name for f in fingerprint.launch_flags], "only performance flags"
    if os.environ.get(FRONT_END_ROOT_ENV):
        assert fingerprint.frontend_version is not None, "the package installed beside --front-end-root"
    else:
        installed = _installed_frontend(os.environ["COMFYUI_PYTHON"])
        assert fingerprint.frontend_version == installed
    assert fingerprint.gpu_names == [] and fingerprint.gpu_driver_version is None, "a CPU-only machine"


def _installed_frontend(python: str) -> str:
    """The comfyui-frontend-package version ComfyUI's own Python has installed."""
    out = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('comfyui-frontend-package'))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def test_a_slowed_node_is_flagged_and_a_real_run_is_pinned_and_unpinned(comfyui: ComfyServer) -> None:
    # Seven runs of one graph (the color changes each run: no cache hits, the same graph hash) with
    # its sleep at 20 ms, then three at 600 ms: the rule (5 runs of history at least, the latest 3;
    # 3 sigma of a history a slow first run can spread on a busy machine) flags it.
    records = [record_of(comfyui, comfyui.queue(_slowing_chain(0.02, color=500 + i))) for i in range(7)]
    records += [record_of(comfyui, comfyui.queue(_slowing_chain(0.6, color=600 + i))) for i in range(3)]
    workflow_hash = records[0].workflow_hash
    assert {r.workflow_hash for r in records} == {workflow_hash}
    status, body = comfyui.get(f"/swissarmyknife/profiler/regressions?workflow_hash={workflow_hash}")
    assert status == 200, body
    report = RegressionReport.model_validate(body)
    assert len(report.workflows) == 1, [r.duration_ms for r in records]
    (flag,) = report.workflows
    assert flag.shifts[0].metric == "duration" and flag.shifts[0].change_percent > 100, flag
    assert flag.moved_nodes[0].node_id == "4" and flag.moved_nodes[0].class_type == "SAKSleep"
    assert flag.latest_prompt_id == records[-1].prompt_id
    status, stats = comfyui.get("/swissarmyknife/profiler/stats?limit=1")
    assert stats["latest_regression"]["workflow_hash"] == workflow_hash

    path = f"/api/swissarmyknife/profiler/baselines/{workflow_hash}"
    status, body = comfyui.post(path, {"prompt_id": records[0].prompt_id}, method="PUT")
    assert status == 200, body
    assert Baseline.model_validate(body).record.prompt_id == records[0].prompt_id
    status, body, _ = request(comfyui, "DELETE", path, b"{}", headers={"Content-Type": "application/json"})
    assert status == 403, "clearing a pin is guarded like every DELETE"
    status, body, _ = request(
        comfyui, "DELETE", path, json.dumps({}).encode(), headers=token_headers(comfyui)
    )
    assert status == 200, body
    assert comfyui.get(path)[0] == 404
