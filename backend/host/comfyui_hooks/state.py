"""What the installed wrappers share: the recorder they feed (None: pass straight through), the
failure counts, and how a wrapper is put in place exactly once."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ... import log
from ...profiler import MemorySample, OomListener, Recorder
from ...profiler.memory import MemoryProbe
from .models import ModelOrigins

WRAPPED_MARK = "__swissarmyknife_wrapped__"


@dataclass
class HookState:
    """What the installed wrappers read: None recorder means pass straight through."""

    recorder: Recorder | None = None
    probe: MemoryProbe | None = None
    installed: list[str] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    progress_handler: Any = None
    # The PromptExecutor running a recorded prompt: its caches hold each node's outputs.
    executor: Any = None
    oom_listeners: list[OomListener] = field(default_factory=list)
    # The running prompt's loader nodes (node id -> file, class type), and which loader made each
    # model object (models.py): an OOM then names the files.
    loaders: dict[str, tuple[str, str]] = field(default_factory=dict)
    origins: ModelOrigins = field(default_factory=ModelOrigins)
    # The models' names on the device when the last recorded prompt ended (residency.py).
    resident_at_end: frozenset[str] = frozenset()
    lock: threading.Lock = field(default_factory=threading.Lock)


STATE = HookState()


def failed(hook: str) -> None:
    """Count a hook's failure and log it once; the workflow goes on untouched."""
    STATE.failures[hook] = STATE.failures.get(hook, 0) + 1
    log.warn_once(
        f"hook-failed:{hook}", f"profiler hook {hook} failed; the workflow is unaffected", exc_info=True
    )


def arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str) -> Any:
    """A wrapped function's argument by name or position, None when absent (signature-agnostic)."""
    if name in kwargs:
        return kwargs[name]
    return args[index] if len(args) > index else None


def memory_now() -> MemorySample | None:
    """A closing memory sample outside the per-node path; None rather than lose what goes with it."""
    probe = STATE.probe
    if probe is None:
        return None
    try:
        return probe.after()
    except Exception:
        failed("MemoryProbe.after")
        return None


def wrap(owner: Any, attribute: str, make: Callable[[Any], Any], hook: str) -> bool:
    """Replace ``owner.attribute`` by ``make(original)`` once; False when ComfyUI lacks it."""
    original = getattr(owner, attribute, None)
    if original is None or not callable(original):
        log.warn_once(f"hook-missing:{hook}", f"ComfyUI has no {hook}; that part of the profiler is off")
        return False
    if getattr(original, WRAPPED_MARK, False):
        return True
    wrapper = make(original)
    functools.update_wrapper(wrapper, original)
    setattr(wrapper, WRAPPED_MARK, True)
    setattr(owner, attribute, wrapper)
    return True
