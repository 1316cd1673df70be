"""Loading a script (bench/ and scripts/ are scripts, not packages) as a module under test."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = ROOT / "bench"


def load_script(path: Path) -> ModuleType:
    """The file at ``path`` as the module ``<stem>_under_test``."""
    spec = importlib.util.spec_from_file_location(f"{path.stem}_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def load_bench(script: str) -> ModuleType:
    """``bench/<script>.py`` as the module ``<script>_under_test``."""
    return load_script(BENCH_DIR / f"{script}.py")
