"""The check before a queued run: its workflow's recorded peak against what is free now, the models
to unload to make room (largest first, not the workflow's own), said in plain words."""

from __future__ import annotations

from backend.profiler.prevention import MIN_MARGIN_BYTES, DeviceNow, margin_bytes, oom_risk
from backend.storage.oom_events import WorkflowPeak

GIB = 1024**3
TOTAL = 24 * GIB


def _needs(
    peak_gib: float | None,
    *,
    ooms: int = 0,
    last_was_oom: bool = False,
    models: tuple[str, ...] = ("base.safetensors",),
) -> WorkflowPeak:
    return WorkflowPeak(
        workflow_hash="h" * 16,
        workflow_name="Portrait",
        runs=4,
        ooms=ooms,
        peak_vram_bytes=None if peak_gib is None else int(peak_gib * GIB),
        models=frozenset(models),
        last_was_oom=last_was_oom,
    )


def _device(free_gib: float, *loaded: tuple[str, float]) -> DeviceNow:
    return DeviceNow(
        free_bytes=int(free_gib * GIB), total_bytes=TOTAL, loaded=tuple((n, int(g * GIB)) for n, g in loaded)
    )


def test_a_peak_that_fits_with_its_own_models_already_there_is_no_warning() -> None:
    # 18 GiB peak; 6 GiB of it (its checkpoint) is on the device, 14 free: 20 of 18 + 1.2 margin.
    assert oom_risk(_needs(18), _device(14, ("base.safetensors", 6))) is None


def test_a_shortfall_names_the_other_models_largest_first_until_it_is_covered() -> None:
    device = _device(
        8, ("base.safetensors", 6), ("lora.safetensors", 0.3), ("flux1-dev.safetensors", 11), ("vae", 0.2)
    )
    risk = oom_risk(_needs(18), device)
    assert risk is not None
    # 18 + 1.2 margin - 8 free - 6 own = 5.2 GiB short: the 11 GiB model covers it alone.
    assert risk.shortfall_bytes == int(18 * GIB) + margin_bytes(TOTAL) - int(8 * GIB) - int(6 * GIB)
    assert [m.name for m in risk.models_to_unload] == ["flux1-dev.safetensors"]
    assert risk.fits_after_unload is True
    assert risk.message == (
        '"Portrait" peaked at 18.0 GiB of VRAM in its last runs; 8.0 GiB is free now, 5.2 GiB short. '
        "Unload flux1-dev.safetensors to make room."
    )


def test_when_unloading_is_not_enough_it_says_so() -> None:
    risk = oom_risk(_needs(30), _device(10, ("flux1-dev.safetensors", 4)))
    assert risk is not None and risk.fits_after_unload is False
    assert [m.name for m in risk.models_to_unload] == ["flux1-dev.safetensors"]
    assert "is not enough" in risk.message
    alone = oom_risk(_needs(30), _device(22))
    assert alone is not None and alone.models_to_unload == [] and "no other model is loaded" in alone.message


def test_a_workflow_whose_last_run_ran_out_is_warned_even_when_it_fits_now() -> None:
    assert oom_risk(_needs(10, ooms=2), _device(20)) is None, "an older OOM alone: no warning"
    risk = oom_risk(_needs(10, ooms=2, last_was_oom=True), _device(20))
    assert risk is not None and risk.shortfall_bytes == 0 and risk.models_to_unload == []
    assert risk.message.endswith("It ran out of memory in 2 of its last 4 runs.")


def test_no_peak_recorded_no_warning_and_the_margin() -> None:
    assert oom_risk(_needs(None), _device(1)) is None
    assert margin_bytes(4 * GIB) == MIN_MARGIN_BYTES and margin_bytes(80 * GIB) == 4 * GIB
