"""The test run never touches the real home, whatever the scope of a fixture."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from assistant.config import Settings

REAL_HOME = Path(pwd.getpwuid(os.getuid()).pw_dir).resolve()


@pytest.fixture(scope="module")
def module_settings() -> Settings:
    return Settings()


def _inside_real_home(path: Path) -> bool:
    path = path.resolve()
    return path == REAL_HOME or REAL_HOME in path.parents


def test_module_scoped_fixtures_sit_inside_the_isolation(module_settings: Settings) -> None:
    assert not _inside_real_home(module_settings.data_dir)
    assert not _inside_real_home(module_settings.cache_dir)
    assert not _inside_real_home(Path.home())


def test_each_test_gets_its_own_home(module_settings: Settings) -> None:
    assert Settings().data_dir != module_settings.data_dir
    assert not _inside_real_home(Path(os.environ["XDG_CONFIG_HOME"]))
