"""ComfyUI entry point of the SwissArmyKnife resource monitor & profiler.

Importing this never raises: ComfyUI would otherwise list the pack as failed. Outside ComfyUI
(pytest collecting, a plain ``import``) it only defines the names ComfyUI looks for.
"""

from __future__ import annotations

import logging
from typing import Any

WEB_DIRECTORY = "./dist"
NODE_CLASS_MAPPINGS: dict[str, type] = {}
NODE_DISPLAY_NAME_MAPPINGS: dict[str, str] = {}

__all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS", "WEB_DIRECTORY"]

# The running plugin inside ComfyUI (None elsewhere or when loading failed); kept for tests and restart.
_PLUGIN: Any = None

if __package__:  # imported as a package (ComfyUI), not as a stray top-level module
    try:
        from .prestartup import install as _install_prestartup

        _install_prestartup()
        from .backend.plugin import load_into_comfyui

        _PLUGIN = load_into_comfyui()
    except Exception:  # the pack must never stop ComfyUI from starting
        logging.getLogger("swissarmyknife").exception(
            "[SwissArmyKnife] failed to load; the monitor is disabled"
        )
