"""The ComfyUI adapter: the only module that imports ComfyUI's server and folder_paths.

Route registration: https://github.com/comfyanonymous/ComfyUI/blob/master/server.py (add_routes copies
every RouteDef to /api/<path>, so routes must exist when packs import).
"""

from __future__ import annotations

import contextlib
import gc
import importlib.metadata
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import log
from ..actions import Exposure, HostActionError, refuse_when_busy
from ..profiler.environment import HostFacts
from ..profiler.prevention import DeviceNow
from ..schemas import QueueState
from .base import PromptQueued, Route

PLUGIN_DIR_NAME = "swissarmyknife"


def prompt_server() -> Any | None:
    """PromptServer.instance, or None when not running inside ComfyUI."""
    try:
        import server
    except Exception:
        return None
    return getattr(getattr(server, "PromptServer", None), "instance", None)


class ComfyHost:
    """HostAdapter over ComfyUI's PromptServer."""

    name = "comfyui"

    def __init__(self, instance: Any) -> None:
        self._server = instance

    def register_routes(self, routes: Sequence[Route]) -> None:
        table = self._server.routes
        for route in routes:
            table.route("*", route.path)(route.handler)

    def send_event(self, event: str, data: dict[str, Any]) -> None:
        # send_sync queues onto the server loop and is safe from any thread.
        self._server.send_sync(event, data)

    def client_count(self) -> int:
        sockets = getattr(self._server, "sockets", None)
        return len(sockets) if sockets is not None else 0

    def data_directory(self) -> Path:
        try:
            import folder_paths

            base = Path(folder_paths.get_user_directory())
        except Exception:
            log.warn_once("no-user-dir", "ComfyUI's user directory is unknown; using the pack's folder")
            base = Path(__file__).resolve().parents[2] / "user"
        return base / PLUGIN_DIR_NAME

    def exposure(self) -> Exposure:
        # comfy/cli_args.py: --listen is a comma-separated list ("0.0.0.0,::" when given bare);
        # --enable-cors-header is None, or the allowed origin ("*" when given bare).
        from comfy.cli_args import args

        listen = str(getattr(args, "listen", "127.0.0.1") or "")
        cors = getattr(args, "enable_cors_header", None)
        return Exposure(
            listen=tuple(part.strip() for part in listen.split(",")),
            cors_origin=None if cors is None else str(cors),
        )

    def queue_state(self) -> QueueState:
        return _queue_counts(getattr(self._server, "prompt_queue", None))

    def on_prompt_queued(self, callback: PromptQueued) -> None:
        """Through PromptServer.add_on_prompt_handler (0.3.x to 0.27): ComfyUI calls its handlers on
        /prompt before it validates and queues the prompt, and queues what they return."""
        add = getattr(self._server, "add_on_prompt_handler", None)
        if not callable(add):
            log.warn_once(
                "no-on-prompt", "ComfyUI has no on-prompt handlers; the warning before a run is off"
            )
            return

        def handler(json_data: Any) -> Any:
            try:
                prompt = json_data.get("prompt") if isinstance(json_data, dict) else None
                if isinstance(prompt, dict):
                    callback(
                        prompt, _opt_str(json_data.get("prompt_id")), _opt_str(json_data.get("client_id"))
                    )
            except Exception:
                log.at_most_every(
                    "on-prompt", 60.0, "the check of a queued prompt failed; it is queued as sent"
                )
            # Always what came in, untouched: ComfyUI queues what a handler returns.
            return json_data

        add(handler)

    def environment_facts(self) -> HostFacts:
        return HostFacts(
            host="comfyui",
            comfyui_version=_comfyui_version(),
            frontend_version=frontend_version(sys.argv),
            argv=tuple(sys.argv),
        )

    def models_on_device(self, index: int) -> list[tuple[str, int | None]]:
        from .comfyui_hooks.residency import loaded_entries

        def on_it(device: str | None) -> bool:
            # "cuda:0", "xpu:1"; a bare "cuda" or "mps" is the first device.
            kind, _, number = (device or "").partition(":")
            return kind not in ("", "cpu") and (int(number) if number.isdigit() else 0) == index

        return [(name, size) for _patcher, (name, on, size) in loaded_entries().values() if on_it(on)]

    def hook_failures(self) -> dict[str, int]:
        from .comfyui_hooks.state import STATE

        return dict(STATE.failures)

    def device_now(self) -> DeviceNow | None:
        """Free memory as ComfyUI counts it (the device's free plus torch's reserved but unused), the
        total, and the models on that device."""
        import comfy.model_management as mm

        from .comfyui_hooks.residency import loaded_entries

        device = mm.get_torch_device()
        if getattr(device, "type", "cpu") == "cpu":
            return None
        free, total = int(mm.get_free_memory(device)), int(mm.get_total_memory(device))
        where = str(device)
        loaded = tuple(
            (name, size) for _patcher, (name, on, size) in loaded_entries().values() if on in (where, None)
        )
        return DeviceNow(free_bytes=free, total_bytes=total, loaded=loaded)

    def unload_models(self) -> int | None:
        """Unload every model and empty the allocator caches, as ComfyUI's worker does on /free.

        ComfyUI's own /free only sets flags for its worker thread, which gives no result to report;
        the same calls are made here instead, holding the prompt queue's lock while models unload so
        that no workflow can start meanwhile (a /prompt posted then waits that long).

        Raises:
            HostBusyError: A workflow is running or queued.
            HostActionError: ComfyUI's model management failed; its log has the details.
        """
        import comfy.model_management as mm

        queue = getattr(self._server, "prompt_queue", None)
        mutex = getattr(queue, "mutex", None)
        with mutex if mutex is not None else contextlib.nullcontext():
            refuse_when_busy(_queue_counts(queue), "clear VRAM")
            loaded = getattr(mm, "current_loaded_models", None)
            count = len(loaded) if isinstance(loaded, list) else None
            try:
                mm.unload_all_models()
            except Exception as exc:
                log.warning("unload_all_models failed", exc_info=True)
                raise HostActionError(f"ComfyUI could not unload its models: {exc}") from exc
        gc.collect()
        try:
            mm.soft_empty_cache()
        except Exception as exc:
            log.warning("soft_empty_cache failed", exc_info=True)
            raise HostActionError(f"models were unloaded but the cache could not be freed: {exc}") from exc
        return count

    def unload_named_models(self, names: Sequence[str]) -> list[tuple[str, int | None]]:
        """Unload the named models through ComfyUI's own model management, under the queue's lock.

        A model is named by the file its loader was given (the profiler's hooks tie them), else its
        class, as the OOM capture named it.

        Raises:
            HostBusyError: A workflow is running or queued.
            HostActionError: ComfyUI's model management failed; its log has the details.
        """
        import comfy.model_management as mm

        from .comfyui_hooks.residency import loaded_model_name

        wanted = set(names)
        queue = getattr(self._server, "prompt_queue", None)
        mutex = getattr(queue, "mutex", None)
        unloaded: list[tuple[str, int | None]] = []
        with mutex if mutex is not None else contextlib.nullcontext():
            refuse_when_busy(_queue_counts(queue), "unload models")
            loaded_list = getattr(mm, "current_loaded_models", None)
            if not isinstance(loaded_list, list):
                raise HostActionError("this ComfyUI does not list its loaded models")
            try:
                for loaded in list(loaded_list):
                    name = loaded_model_name(loaded)
                    if name not in wanted:
                        continue
                    freed = _loaded_bytes(loaded)
                    loaded.model_unload()
                    loaded_list.remove(loaded)
                    unloaded.append((name, freed))
            except Exception as exc:
                log.warning("unloading a model failed", exc_info=True)
                raise HostActionError(f"ComfyUI could not unload the model: {exc}") from exc
        if unloaded:
            gc.collect()
            with contextlib.suppress(Exception):
                mm.soft_empty_cache()
        return unloaded


def _comfyui_version() -> str | None:
    """ComfyUI's own version file (comfyui_version.py at its root, since 0.3.x)."""
    try:
        import comfyui_version  # type: ignore[import-not-found]
    except Exception:
        return None
    return _opt_str(getattr(comfyui_version, "__version__", None))


def _flag_value(argv: Sequence[str], flag: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == flag and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
    return None


def frontend_version(argv: Sequence[str]) -> str | None:
    """The frontend ComfyUI serves: a --front-end-version request as given; a --front-end-root
    build by the package installed beside it (``pip install --target``: its dist-info is two folders
    up), else unknown; by default the comfyui-frontend-package installed."""
    requested = _flag_value(argv, "--front-end-version")
    if requested is not None:
        return requested
    root = _flag_value(argv, "--front-end-root")
    if root is not None:
        beside = sorted(Path(root).resolve().parent.parent.glob("comfyui_frontend_package-*.dist-info"))
        return (
            beside[-1].name.removeprefix("comfyui_frontend_package-").removesuffix(".dist-info")
            if beside
            else None
        )
    try:
        return importlib.metadata.version("comfyui-frontend-package")
    except importlib.metadata.PackageNotFoundError:
        return None


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _loaded_bytes(loaded: Any) -> int | None:
    try:
        return int(loaded.model_loaded_memory())
    except Exception:
        return None


def _queue_counts(queue: Any) -> QueueState:
    """Running and queued prompts of ComfyUI's PromptQueue (execution.py), or None when unknown."""
    if queue is None:
        return QueueState(running=None, queued=None)
    for name in ("get_current_queue_volatile", "get_current_queue"):
        method = getattr(queue, name, None)
        if callable(method):
            running, queued = method()
            return QueueState(running=len(running), queued=len(queued))
    remaining = getattr(queue, "get_tasks_remaining", None)
    if callable(remaining):
        total = int(remaining())
        # Which of them runs is unknown; count them all as queued so "busy" stays right.
        return QueueState(running=None, queued=total)
    return QueueState(running=None, queued=None)
