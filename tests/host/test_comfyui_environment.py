"""What the ComfyUI host says of its frontend's version (the fingerprint's frontend_version)."""

from __future__ import annotations

from pathlib import Path

from backend.host.comfyui import frontend_version


def test_the_frontend_version_from_the_flags_or_the_package_beside_a_front_end_root(tmp_path: Path) -> None:
    assert frontend_version(["main.py", "--front-end-version", "Comfy-Org/ComfyUI_frontend@1.30.2"]) == (
        "Comfy-Org/ComfyUI_frontend@1.30.2"
    )
    static = tmp_path / "comfyui_frontend_package" / "static"
    static.mkdir(parents=True)
    assert frontend_version(["main.py", f"--front-end-root={static}"]) is None, "a custom build: unknown"
    (tmp_path / "comfyui_frontend_package-1.58.1.dist-info").mkdir()
    assert frontend_version(["main.py", "--front-end-root", str(static)]) == "1.58.1"
