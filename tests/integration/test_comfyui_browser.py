"""Against a real ComfyUI page in chromium: the bar mounts, glows while a prompt runs, and can be read
and clicked on every menu layout the frontend offers (never under ComfyUI's menus, never over its
dialogs)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.comfyui_server import FRONT_END_ROOT_ENV, ROOT, ComfyServer

pytestmark = pytest.mark.comfyui

SCRIPT = Path(__file__).parent / "browser" / "comfyui_page.mjs"
ARTIFACTS = ROOT / "artifacts" / "screenshots"


def _covered(targets: list[dict[str, Any]]) -> list[str]:
    """The bar's tiles and buttons that something else is drawn over, with what covers them."""
    return [f"{t['name']} under {t['hit']}" for t in targets if not t["onTop"]]


@pytest.fixture(scope="module")
def page_report(comfyui: ComfyServer) -> dict[str, Any]:
    """Runs the page script once (a ComfyUI page load is slow on 2 cores); every test reads its report."""
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not (ROOT / "e2e" / "node_modules" / "playwright-core").exists() or not Path(chromium).exists():
        pytest.skip("needs `npm ci` in e2e/ and chromium (scripts/test sets both up)")
    node = shutil.which("node")
    assert node, "node is needed to drive chromium"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    version = comfyui.get("/system_stats")[1]["system"].get("comfyui_version", "unknown")
    prefix = f"comfyui-{version}"
    if os.environ.get(FRONT_END_ROOT_ENV):
        prefix += "-frontend-" + _frontend_version(Path(os.environ[FRONT_END_ROOT_ENV]))
    proc = subprocess.run(
        [node, str(SCRIPT), comfyui.url + "/", str(ARTIFACTS / prefix)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    # Kept for reading a failure afterwards: every layout's boxes and what covered what.
    (ARTIFACTS / f"{prefix}-report.json").write_text(json.dumps(report, indent=1))
    report["screenshot_prefix"] = prefix
    return report


def _frontend_version(static_root: Path) -> str:
    """The version of a `comfyui_frontend_package` whose `static/` folder is given (its dist-info's name)."""
    infos = sorted(static_root.parent.parent.glob("comfyui_frontend_package-*.dist-info"))
    return (
        infos[-1].name.removeprefix("comfyui_frontend_package-").removesuffix(".dist-info")
        if infos
        else "custom"
    )


def test_bar_mounts_and_glows_in_comfyuis_own_frontend(page_report: dict[str, Any]) -> None:
    assert page_report["state"] == "ready"
    assert page_report["tiles"][:2] == ["cpu", "ram"]
    assert page_report["glowWhileRunning"], "the bar glows while a prompt runs"
    assert page_report["glowCleared"], "and stops when it ends"
    assert page_report["errors"] == []
    assert (ARTIFACTS / f"{page_report['screenshot_prefix']}.png").exists()


def test_every_tile_is_on_top_and_restart_opens_on_every_menu_layout(page_report: dict[str, Any]) -> None:
    assert page_report["nodeUnderBar"], "a node was put on the canvas under the bar"
    layouts = page_report["layouts"]
    names = [layout["name"] for layout in layouts]
    # The default and at least the legacy menu, the other tab position and a narrow window on every frontend.
    assert {"default", "menu-disabled", "tabs-sidebar", "narrow"} <= set(names), names
    problems = []
    for layout in layouts:
        assert layout["applied"] == layout["requested"], f"{layout['name']}: ComfyUI kept {layout['applied']}"
        assert len(layout["targets"]) >= 5, layout  # grip, CPU, RAM, Clear VRAM, Restart, collapse
        covered = _covered(layout["targets"])
        if covered:
            problems.append(f"{layout['name']} (bar at {layout['bar']}): {'; '.join(covered)}")
        if layout["coveredControls"]:
            problems.append(f"{layout['name']}: the bar covers ComfyUI's {layout['coveredControls']}")
        restart = layout["restart"]
        if not (restart["opened"] and restart["onTop"] and restart["cancelled"]):
            problems.append(f"{layout['name']}: Restart's confirmation {restart}")
        assert (ARTIFACTS / f"{page_report['screenshot_prefix']}-{layout['name']}.png").exists()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_a_spot_saved_under_the_menu_comes_out(page_report: dict[str, Any]) -> None:
    saved = page_report["savedUnderMenu"]
    assert saved is not None
    assert not _covered(saved["saved"]["targets"]), saved["saved"]
    assert not _covered(saved["nudged"]["targets"]), saved["nudged"]
    assert saved["positionAfterHome"] is None, "Home puts the bar back at its default place"


def test_comfyuis_dialog_covers_the_bar(page_report: dict[str, Any]) -> None:
    dialog = page_report["comfyDialog"]
    assert dialog is not None, "this frontend opened no settings dialog"
    assert dialog["targets"] >= 5 and dialog["barOnTop"] == 0, dialog


def test_the_profiler_opens_after_a_real_run(page_report: dict[str, Any]) -> None:
    """The 📊 button's popup and the modal (View Full History, Latest) are topmost where clicked and
    show the run ComfyUI just made; Alt+P opens the modal through ComfyUI's keybinding service; the
    sidebar tab shows its panel where the frontend has sidebar tabs."""
    profiler = page_report["profiler"]
    assert profiler is not None and profiler["error"] is None, profiler
    popup = profiler["popup"]
    assert all(popup[key] for key in popup if key.startswith("#")), f"popup covered: {popup}"
    # The run was posted straight to /prompt (no tab, no name) by the glow check.
    assert popup["name"].startswith("Unsaved workflow · "), popup
    assert popup["nodes"] == "3/3" and popup["slowest"] == 3, popup
    modal = profiler["modal"]
    assert all(modal[key] for key in modal if key.startswith("#")), f"modal covered: {modal}"
    assert modal["latestSelected"] == "true" and modal["rows"] == 3 and modal["timeline"] >= 2, modal
    assert modal["closedByEscape"]
    assert profiler["keybinding"], "Alt+P opens the modal through ComfyUI's keybinding service"
    sidebar = profiler["sidebar"]
    if sidebar["registered"] is not None:
        assert sidebar["registered"] and sidebar.get("shown"), sidebar
        assert sidebar.get('#swissarmyknife-profiler-sidebar [data-action="open-profiler"]'), sidebar
    prefix = page_report["screenshot_prefix"]
    for shot in ("profiler-popup", "profiler-modal"):
        assert (ARTIFACTS / f"{prefix}-{shot}.png").exists()


def test_a_saved_workflows_name_reaches_its_run(page_report: dict[str, Any]) -> None:
    """Queued the frontend's way (app.queuePrompt) from a saved workflow, the run carries its name."""
    named = page_report["profiler"]["named"]
    if not named["attempted"]:
        pytest.skip("this frontend has no loadApiJson or workflow store to save a workflow with")
    assert named["saved"]["isTemporary"] is False, named
    assert named["status"] == "success" and named["workflowName"] == named["saved"]["filename"], named


def test_a_timeline_click_selects_the_node_on_the_canvas(page_report: dict[str, Any]) -> None:
    """The named run's graph is on the canvas: a click on its sampler's bar selects its row and the
    node on ComfyUI's canvas, and moves the view to it (LGraphCanvas.centerOnNode)."""
    canvas = page_report["profiler"]["canvas"]
    if canvas is None:
        pytest.skip("no named run (this frontend could not save a workflow)")
    assert canvas["selectedRow"] == "2" and canvas["selectedOnCanvas"] == ["2"], canvas
    assert canvas["moved"], canvas


def test_the_latest_tab_shows_a_real_runs_model_lane(page_report: dict[str, Any]) -> None:
    """After SAKTinyModelLoader -> SAKUseModel (the model put on the device through ComfyUI's
    load_models_gpu), the Latest tab's swimlane has a lane named by the model's file, its label the
    topmost element where it is drawn, the mark of its load on SAKUseModel, and its hover says so."""
    models = page_report["models"]
    assert models is not None and models["error"] is None, models
    assert "sak-tiny-model.safetensors" in models["lanes"], models
    assert models["label"].startswith("sak-tiny-model.safetensors · "), models
    assert models["label"].endswith(" MiB"), models
    assert models["onTop"], f"the lane's label is covered: {models}"
    assert models["loadedBy"] == ["3"], models
    assert "Loaded by SAKUseModel #3" in models["tooltip"], models
    assert (ARTIFACTS / f"{page_report['screenshot_prefix']}-profiler-models.png").exists()


def test_a_real_oom_shows_in_its_toast_and_the_oom_tab(page_report: dict[str, Any]) -> None:
    """A real out-of-memory error (SAKUseModelThenOom, a tiny model loaded first): our toast, topmost
    where drawn, says where it ran out; its button opens the modal on the 💥 OOM tab, which lists the
    capture (its node marked 💥) and, expanded, the model that was loaded."""
    oom = page_report["oom"]
    assert oom is not None and oom["error"] is None, oom
    toast = oom["toast"]
    assert all(toast[key] for key in toast if key.startswith("[")), f"toast covered: {toast}"
    assert "Out of memory in SAKUseModelThenOom" in toast["text"], toast
    assert re.search(r"\d+ models? (was|were) loaded \([^)]*sak-tiny-model\.safetensors", toast["text"]), (
        toast
    )
    tab = oom["tab"]
    assert all(tab[key] for key in tab if key.startswith("#") or key.startswith("[")), (
        f"OOM tab covered: {tab}"
    )
    assert tab["selected"] == "💥 OOM" and tab["toastGone"], tab
    assert int(tab["count"]) >= 1 and tab["firstRow"].startswith(f"{oom['promptId']}@"), tab
    assert tab["node"] == "💥 SAKUseModelThenOom (#3)", tab
    assert "sak-tiny-model.safetensors" in tab["detailModels"] and tab["detailOnTop"], tab
    prefix = page_report["screenshot_prefix"]
    for shot in ("oom-toast", "profiler-oom"):
        assert (ARTIFACTS / f"{prefix}-{shot}.png").exists()


def _frontend_at_least(page_report: dict[str, Any], major: int, minor: int) -> bool:
    version = page_report.get("frontendVersion") or "0.0"
    parts = [int(p) for p in re.findall(r"\d+", version)[:2]] + [0, 0]
    return (parts[0], parts[1]) >= (major, minor)


def test_node_badges_after_a_real_run(page_report: dict[str, Any]) -> None:
    """Our badge on every node of the run (beside ComfyUI's own), hover-only and off, the Vue renderer."""
    badges = page_report["badges"]
    assert badges is not None and badges["error"] is None, badges
    assert badges["run"]["status"] == "success", badges["run"]
    shown = badges["badges"]
    assert set(shown) == {"1", "2", "3", "4"}, shown
    for node_id, badge in shown.items():
        assert badge["count"] == 1, f"node {node_id} has {badge['count']} badges of ours"
        # Another extension's badge, put on before the run, is still there.
        assert badge["foreignKept"], f"node {node_id} lost another extension's badge: {badge}"
    if not _frontend_at_least(page_report, 1, 58):
        # ComfyUI's own (Comfy.NodeBadge: id, source) too; 1.58 draws those outside node.badges.
        assert all(badge["others"] >= 2 for badge in shown.values()), shown
    # SAKSleep slept 0.4 s: its badge says so, on the hottest colour (nearly all of the run).
    assert re.fullmatch(r"4\d\d ms", shown["2"]["text"]), shown["2"]
    assert shown["2"]["bg"] == "rgba(220, 38, 38, 0.9)", shown["2"]
    assert re.fullmatch(r"\d+(\.\d)? ms", shown["3"]["text"]), shown["3"]
    assert badges["hover"] == {"unhovered": "", "hovered": shown["2"]["text"]}, badges["hover"]
    assert badges["off"] == {}, "Off takes our badges away"
    prefix = page_report["screenshot_prefix"]
    assert (ARTIFACTS / f"{prefix}-badges-canvas.png").exists()
    vue = badges["vue"]
    # The Vue-nodes renderer shows node.badges from frontend 1.30 (ComfyUI_frontend PR #6243).
    if vue is not None and _frontend_at_least(page_report, 1, 30):
        assert vue["found"] and vue["visible"] and vue["onTop"], vue
        assert vue["text"] == shown["2"]["text"], vue
        # Later changes reach a node the renderer has already drawn: the next run's time replaces
        # this one's; hover-only shows ours on the hovered node only; off takes it away.
        live = badges["vueLive"]
        assert live is not None and re.fullmatch(r"7\d\d ms", live["after"]), live
        assert live["shown"] and live["oldGone"], live
        assert badges["vueHover"] == {"away": False, "over": True, "awayAgain": True}, badges["vueHover"]
        assert badges["vueOff"] == {"shown": False}, badges["vueOff"]
        assert (ARTIFACTS / f"{prefix}-badges-vue.png").exists()


def test_settings_changed_in_comfyuis_dialog(page_report: dict[str, Any]) -> None:
    """The sample interval and the tiles preset, changed in ComfyUI's own settings dialog, apply live."""
    result = page_report["settingsDialog"]
    assert result is not None and result["error"] is None, result
    interval = result["interval"]
    # Saved on the server, and the monitor's events come at the new pace (0.5 s: ~8 in 4 s).
    assert interval["setting"] == 0.5 and interval["server"] == 0.5, interval
    assert interval["eventsIn4s"] >= 5, interval
    full, compact = result["compact"]["full"], result["compact"]
    assert compact["setting"] == "compact", compact
    assert any(tile["label"] for tile in full), full
    # Values only: the same tiles, without their labels, still on top of ComfyUI's page.
    assert [t["id"] for t in compact["tiles"]] == [t["id"] for t in full], compact
    assert all(tile["label"] is None for tile in compact["tiles"]), compact
    assert compact["covered"] == [], compact
    minimal = result["minimal"]
    assert minimal["setting"] == "minimal", minimal
    shown = {t["id"] for t in minimal["tiles"]}
    vram = {t["id"] for t in full if t["id"].startswith("vram-")}
    assert {"cpu", "ram"} <= shown <= {"cpu", "ram"} | vram, minimal
    restored = result["restored"]
    assert restored["preset"] == "full" and restored["tiles"] == full, restored
    assert restored["server"] == interval["before"], restored
    assert (ARTIFACTS / f"{page_report['screenshot_prefix']}-preset-compact.png").exists()


def test_node_badges_cost_and_idle(page_report: dict[str, Any]) -> None:
    """500 badges drawn each frame of the LiteGraph canvas (their cost is measured and recorded in
    bench/results/node_badges.md, never asserted: a shared machine's timing is no test); nothing
    redraws while idle."""
    badges = page_report["badges"]
    assert badges is not None and badges["error"] is None, badges
    perf = badges["perf"]
    assert perf["nodes"] == 500 and not perf["lowQuality"], perf
    assert perf["drawnPerFrame"] >= 400, perf
    assert perf["frames"] >= 100 and perf["onMs"] > 0 and perf["offMs"] > 0, "the figures were measured"
    idle = badges["idle"]
    assert idle["oursSetDirtyCalls"] == 0 and idle["badgeDraws"] == 0, idle
