"""Installs the profiler's execution hooks before the first prompt: never raises, idempotent.

ComfyUI runs only ``prestartup_script.py`` early; this is an ordinary module that ``__init__.py``
imports first. The hooks pass straight through until the plugin attaches its recorder.
"""

from __future__ import annotations

import logging


def install() -> list[str]:
    """Install the hooks (once per process); return their names, empty outside ComfyUI."""
    try:
        from .backend.host.comfyui_hooks import install as install_hooks

        return install_hooks()
    except Exception:
        logging.getLogger("swissarmyknife").warning(
            "[SwissArmyKnife] profiler hooks could not be installed; the monitor still works", exc_info=True
        )
        return []
