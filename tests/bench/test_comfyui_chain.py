"""The chain benchmark's statistics: a wrong interval would misreport the issue's 1 % budget."""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.scripts import load_bench


@pytest.fixture(scope="module")
def chain() -> ModuleType:
    return load_bench("comfyui_chain")


def run(chain: ModuleType, wall_ms: float, full_gc_ms: float, block: int) -> object:
    return chain.Run(wall_ms=wall_ms, cpu_ms=0.0, full_gc_ms=full_gc_ms, full_gcs=1, objects=0, block=block)


def test_t_interval_matches_the_textbook_formula(chain: ModuleType) -> None:
    values = [1.01, 1.03, 0.99, 1.02, 1.00]
    mean, low, high = chain.t_interval(values)
    half = 2.78 * statistics.stdev(values) / len(values) ** 0.5  # t(0.975, 4 df)
    assert mean == pytest.approx(1.01)
    assert (low, high) == (pytest.approx(1.01 - half), pytest.approx(1.01 + half))


def test_one_block_has_no_spread_to_report(chain: ModuleType) -> None:
    assert chain.t_interval([1.02]) == (1.02, 1.02, 1.02)


def test_block_ratio_compares_only_that_blocks_runs(chain: ModuleType) -> None:
    treated = [run(chain, 110, 10, 0), run(chain, 120, 20, 0), run(chain, 300, 0, 1)]
    base = [run(chain, 100, 10, 0), run(chain, 100, 20, 0), run(chain, 100, 0, 1)]
    wall, outside = chain.block_ratio(treated, base, 0)
    assert wall == pytest.approx(230 / 200)
    assert outside == pytest.approx((100 + 100) / (90 + 80))
    assert chain.block_ratio(treated, base, 1) == (pytest.approx(3.0), pytest.approx(3.0))


def test_treatments_are_a_checked_list(chain: ModuleType) -> None:
    assert chain.treatments("pack, ballast,profiler-off") == ["pack", "ballast", "profiler-off"]
    for bad in ("", "pack,pack", "pack,nope"):
        with pytest.raises(argparse.ArgumentTypeError):
            chain.treatments(bad)


def test_every_treatment_gets_its_own_server_plan(chain: ModuleType, tmp_path: Path) -> None:
    args = argparse.Namespace(
        treatment=["pack", "imports-only", "ballast", "profiler-off", "hooks-only"],
        baseline="no-pack",
        ballast=123,
    )
    imports_only, hooks_only = tmp_path / "imports-only", tmp_path / "hooks-only"
    plans = chain.plans(args, tmp_path, {"imports-only": imports_only, "hooks-only": hooks_only})
    assert [p.arm.name for p in plans] == [
        "no pack",
        "pack",
        "imports only",
        "ballast 123",
        "profiler off",
        "imports + hooks",
    ]
    assert [p.pack for p in plans] == [False, True, True, False, True, True]
    assert plans[5].folder == hooks_only
    assert plans[2].folder == imports_only and plans[1].folder == tmp_path
    assert plans[3].env is not None and plans[3].env[chain.BALLAST_ENV] == "123"
    assert plans[4].env is not None and plans[4].env["SWISSARMYKNIFE_PROFILER"] == "0"
    assert plans[0].env is None and plans[1].env is None


def test_cut_down_packs_share_the_backend_and_differ_in_their_entry_point(
    chain: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "backend").mkdir()
    hooks = chain.cut_down_pack(tmp_path, chain.HOOKS_ONLY_INIT)
    imports = chain.cut_down_pack(tmp_path, chain.IMPORTS_ONLY_INIT)
    try:
        assert (hooks / "backend").resolve() == (tmp_path / "backend").resolve()
        assert "comfyui_hooks.install()" in (hooks / "__init__.py").read_text()
        assert "install" not in (imports / "__init__.py").read_text()
        compile((hooks / "__init__.py").read_text(), "__init__.py", "exec")
    finally:
        for folder in (hooks, imports):
            for child in folder.iterdir():
                child.unlink()
            folder.rmdir()


def test_comfyui_arguments_are_collected_and_reported(
    chain: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(
        sys, "argv", ["comfyui_chain.py", "--comfy-arg=--cache-classic", "--treatment", "pack"]
    )
    args = chain.parse_args()
    assert args.comfy_arg == ["--cache-classic"]
    header = chain.describe(args, tmp_path, [chain.Arm("pack")], chain.Arm("no pack"))
    assert header.endswith("ComfyUI arguments --cache-classic")


def test_a_plan_starts_with_its_seed_its_env_and_the_probe(
    chain: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[tuple[tuple[object, ...], dict[str, object]]] = []
    monkeypatch.setattr(chain, "start_comfyui", lambda *a, **kw: started.append((a, kw)) or "server")
    plan = chain.Plan(chain.Arm("ballast"), False, {"SAK_BENCH_BALLAST": "5"}, tmp_path)
    server = chain.start_plan(
        plan,
        7,
        tmp_path / "ComfyUI",
        tmp_path / "python",
        ["--cache-classic"],
        extra_env={"X": "1"},
        launcher=["v"],
    )
    assert server == "server"
    (comfy_dir, python), options = started[0]
    assert (comfy_dir, python) == (tmp_path / "ComfyUI", tmp_path / "python")
    assert options["env"] == {"SAK_BENCH_BALLAST": "5", "X": "1", "PYTHONHASHSEED": "7"}
    assert options["with_pack"] is False and options["pack_dir"] == tmp_path
    assert options["extra_nodes"] == [chain.PROBE] and options["extra_args"] == ["--cache-classic"]
    assert options["launcher"] == ["v"]
    chain.start_plan(plan, None, tmp_path, tmp_path, [])
    assert "PYTHONHASHSEED" not in started[1][1]["env"]  # type: ignore[operator]
