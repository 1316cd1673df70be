"""Against a real ComfyUI: the pack imports, its routes answer on both prefixes, the bundle is listed."""

from __future__ import annotations

import pytest

from backend.schemas import ErrorBody, MonitorStatus
from tests.support.comfyui_server import PACK_NAME, ComfyServer

pytestmark = pytest.mark.comfyui


def test_pack_imports_without_errors(comfyui: ComfyServer) -> None:
    log = comfyui.log()
    assert "[SwissArmyKnife] resource monitor" in log and "ready (comfyui)" in log, log[-3000:]
    assert "IMPORT FAILED" not in log
    assert "failed to load" not in log


@pytest.mark.parametrize("prefix", ["", "/api"])
def test_monitor_status_answers(comfyui: ComfyServer, prefix: str) -> None:
    status, body = comfyui.get(prefix + "/swissarmyknife/monitor/status")
    assert status == 200, body
    parsed = MonitorStatus.model_validate(body)
    assert parsed.hardware.psutil_available
    assert parsed.snapshot is not None and parsed.snapshot.ram_total_bytes


def test_bad_query_is_json_400_inside_comfyui(comfyui: ComfyServer) -> None:
    status, body = comfyui.get("/swissarmyknife/monitor/status?bogus=1")
    assert status == 400
    assert ErrorBody.model_validate(body).error == "validation_error"


def test_extensions_lists_the_bundle(comfyui: ComfyServer) -> None:
    status, body = comfyui.get("/extensions")
    assert status == 200
    assert f"/extensions/{PACK_NAME}/swissarmyknife.js" in body
    code, script = comfyui.get(f"/extensions/{PACK_NAME}/swissarmyknife.js")
    assert code == 200
    assert '"../../scripts/app.js"' in script


def test_openapi_document_is_served(comfyui: ComfyServer) -> None:
    status, body = comfyui.get("/api/swissarmyknife/openapi.json")
    assert status == 200
    assert body["openapi"] == "3.1.0"
