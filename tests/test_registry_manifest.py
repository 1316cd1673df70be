"""The pack is publishable to the ComfyUI Registry as it stands: pyproject.toml read by comfy-cli's
own registry parser (what `comfy node publish` and Comfy-Org's publish action use)."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib
from comfy_cli.registry.config_parser import extract_node_configuration

ROOT = Path(__file__).resolve().parents[1]
# The Registry's rules for a node id (docs.comfy.org/registry/specifications).
NODE_ID = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|[-_.](?=[A-Za-z0-9]))*$")


def test_comfy_clis_parser_reads_a_complete_manifest() -> None:
    config = extract_node_configuration(str(ROOT / "pyproject.toml"))
    assert config is not None, "comfy-cli could not parse pyproject.toml"
    project, comfy = config.project, config.tool_comfy
    assert NODE_ID.match(project.name) and len(project.name) < 100, project.name
    assert "comfyui" not in project.name.lower(), "the Registry advises against ComfyUI in the node id"
    assert re.fullmatch(r"\d+\.\d+\.\d+", project.version), project.version
    assert project.description
    assert project.supported_comfyui_version == ">=0.3.64"
    assert project.supported_accelerators == [], "no accelerator filter: the pack runs on any device"
    assert comfy.publisher_id and comfy.display_name
    assert comfy.includes == ["dist/"] and (ROOT / "dist" / "swissarmyknife.js").is_file()
    # The license file the manifest names, and the license it says.
    assert project.license.file == "LICENSE"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_no_invented_address_and_the_icon_is_in_the_repository() -> None:
    config = extract_node_configuration(str(ROOT / "pyproject.toml"))
    assert config is not None
    repository = config.project.urls.repository
    assert (ROOT / "docs" / "icon.svg").is_file()
    if not repository:
        # No public address yet: no icon URL either (it would be the icon's raw address there).
        assert config.tool_comfy.icon == ""
    else:
        assert config.tool_comfy.icon.endswith("docs/icon.svg"), config.tool_comfy.icon


def test_the_version_is_the_packs_and_the_dependencies_are_requirements_txt() -> None:
    manifest = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    version = re.search(r'__version__ = "([^"]+)"', (ROOT / "backend" / "version.py").read_text())
    assert version is not None and manifest["version"] == version.group(1)
    requirements = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sorted(manifest["dependencies"]) == sorted(requirements)


def test_the_publish_workflow_uses_comfy_orgs_action_on_a_manifest_change() -> None:
    workflow = (ROOT / ".github" / "workflows" / "publish.yml").read_text()
    assert "uses: Comfy-Org/publish-node-action@v1" in workflow
    assert 'paths: ["pyproject.toml"]' in workflow and "branches: [main]" in workflow
    assert "secrets.REGISTRY_ACCESS_TOKEN" in workflow
