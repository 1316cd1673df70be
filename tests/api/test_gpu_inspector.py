"""GET /swissarmyknife/monitor/gpus/{index} over a real sampler of fake GPUs: the device in detail,
the others' share, ComfyUI's models on it; unknown and bad indices are 4xx."""

from __future__ import annotations

from typing import Any

import pytest

from backend.schemas.monitor import GpuInspection
from backend.telemetry import Sampler, TelemetrySources
from tests.support.api import build_app, error_of

GIB = 1024**3


@pytest.fixture
def sampler() -> Sampler:
    sampler = Sampler(TelemetrySources.fake())
    sampler.sample_once()
    return sampler


async def test_a_gpu_in_detail_with_the_other_processes_share_and_its_models(
    aiohttp_client: Any, sampler: Sampler
) -> None:
    models = {1: [("flux1-dev.safetensors", 12 * GIB), ("t5xxl_fp16.safetensors", 9 * GIB)]}
    client = await aiohttp_client(build_app(sampler, device_models=lambda i: models.get(i, [])))
    resp = await client.get("/api/swissarmyknife/monitor/gpus/1")
    assert resp.status == 200, await resp.text()
    gpu = GpuInspection.model_validate(await resp.json())
    assert gpu.device.index == 1 and gpu.device.name
    assert gpu.driver_version == "580.95.05" and gpu.cuda_driver_version == "13.0"
    assert gpu.vram_used_bytes is not None and gpu.this_process_bytes is not None
    assert gpu.other_processes_bytes == gpu.vram_used_bytes - gpu.this_process_bytes
    assert [p.this_process for p in gpu.processes] == [True, False]
    assert [m.name for m in gpu.models] == ["flux1-dev.safetensors", "t5xxl_fp16.safetensors"]
    none_here = GpuInspection.model_validate(
        await (await client.get("/swissarmyknife/monitor/gpus/0")).json()
    )
    assert none_here.models == []


async def test_unknown_and_bad_indices_are_4xx(aiohttp_client: Any, sampler: Sampler) -> None:
    client = await aiohttp_client(build_app(sampler))
    resp = await client.get("/swissarmyknife/monitor/gpus/5")
    assert resp.status == 404 and (await error_of(resp))["message"] == "no GPU 5 here (GPUs: 0, 1)"
    for bad in ("-1", "x", "256"):
        resp = await client.get(f"/swissarmyknife/monitor/gpus/{bad}")
        assert resp.status == 400
        assert (await error_of(resp))["details"][0]["location"] == "path.index"
