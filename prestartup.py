"""Installs what must be in place before the first prompt runs: never raises, idempotent.

ComfyUI runs only ``prestartup_script.py`` early; this is an ordinary module that ``__init__.py``
imports first. The profiler's execution hooks will be installed from here.
"""

from __future__ import annotations

_state = {"installed": False}


def install() -> bool:
    """Run once per process; return False when it had already run."""
    if _state["installed"]:
        return False
    _state["installed"] = True
    return True
