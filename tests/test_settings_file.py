"""SettingsFile: any settings group (a stored pydantic model) applied where it acts and kept in a file."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Literal

import pytest
from pydantic import Field, ValidationError

from backend import log
from backend.schemas import ApiModel
from backend.settings_file import SettingsFile


class StoredToasts(ApiModel):
    """A group the pack does not have yet (issue 16's toast verbosity), to show any group fits."""

    schema_version: Literal[1] = 1
    verbosity: Literal["quiet", "normal", "chatty"] = "normal"
    max_per_minute: int = Field(10, ge=1, le=60)


class Target:
    """Where the group acts; ``apply`` clamps like a sampler would."""

    def __init__(self) -> None:
        self.applied: list[StoredToasts] = []

    def apply(self, values: StoredToasts) -> StoredToasts:
        self.applied.append(values)
        return values.model_copy(update={"max_per_minute": min(values.max_per_minute, 30)})


def group(path: Path | None) -> tuple[SettingsFile[StoredToasts], Target]:
    target = Target()
    return SettingsFile(path, StoredToasts(), target.apply), target


def test_defaults_until_loaded_and_nothing_applied_without_a_file(tmp_path: Path) -> None:
    settings, target = group(tmp_path / "toasts.json")
    settings.load()
    assert settings.current() == StoredToasts() and target.applied == []
    assert settings.persisted is True
    assert group(None)[0].persisted is False


def test_an_update_applies_what_is_in_force_and_saves_it(tmp_path: Path) -> None:
    path = tmp_path / "user" / "toasts.json"
    settings, _target = group(path)
    updated = settings.update(verbosity="chatty", max_per_minute=50)
    assert updated.persisted is True
    assert updated.values == settings.current() == StoredToasts(verbosity="chatty", max_per_minute=30)
    assert json.loads(path.read_text()) == {"schema_version": 1, "verbosity": "chatty", "max_per_minute": 30}
    assert [p.name for p in path.parent.iterdir()] == ["toasts.json"], "no temp file left behind"
    reloaded, again = group(path)
    reloaded.load()
    assert reloaded.current() == updated.values and again.applied == [updated.values]


def test_an_invalid_change_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    settings, target = group(tmp_path / "toasts.json")
    for changes in ({"verbosity": "loud"}, {"max_per_minute": 0}, {"unknown": 1}):
        with pytest.raises(ValidationError):
            settings.update(**changes)
    assert settings.current() == StoredToasts() and target.applied == []
    assert not (tmp_path / "toasts.json").exists()


def test_a_failed_save_still_applies_and_says_not_persisted(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    settings, _target = group(blocker / "toasts.json")
    updated = settings.update(verbosity="quiet")
    assert (updated.values.verbosity, updated.persisted) == ("quiet", False)
    assert settings.current().verbosity == "quiet"


@pytest.mark.parametrize(
    "content", ["{not json", '{"schema_version": 2}', '{"verbosity": "normal", "extra": 1}', "[]"]
)
def test_a_bad_file_keeps_the_defaults_and_warns_once(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    log.reset_for_tests()
    caplog.set_level(logging.WARNING, logger="swissarmyknife")
    path = tmp_path / "toasts.json"
    path.write_text(content)
    settings, target = group(path)
    settings.load()
    settings.load()
    assert settings.current() == StoredToasts() and target.applied == []
    assert len([r for r in caplog.records if "not a valid settings file" in r.getMessage()]) == 1
