"""The session's real ComfyUI, started once when COMFYUI_DIR and COMFYUI_PYTHON are set."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.comfyui_server import (
    ComfyServer,
    comfyui_paths,
    front_end_args,
    start_comfyui,
    stop_comfyui,
)


@pytest.fixture(scope="session")
def comfyui() -> Iterator[ComfyServer]:
    paths = comfyui_paths()
    if paths is None:
        pytest.skip(
            "integration tests need a real ComfyUI: set COMFYUI_DIR and COMFYUI_PYTHON "
            "(see ../shared/comfyui-host/README.md and README.md 'Testing against a real ComfyUI')"
        )
    try:
        server = start_comfyui(*paths, extra_args=front_end_args())
    except RuntimeError as err:
        pytest.fail(str(err))
    try:
        yield server
    finally:
        stop_comfyui(server)
