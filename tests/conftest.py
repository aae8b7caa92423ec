"""Shared fixtures: every test runs with its own config, data and cache folders."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import tempfile
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEV_LABELS = SHARED / "audio" / "dev" / "labels.jsonl"


_SESSION_HOME = pytest.StashKey[Path]()


def _isolated_env(home: Path) -> dict[str, str]:
    """HOME, the XDG folders and Ting's data folder, all inside ``home``."""
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_STATE_HOME": str(home / "state"),
        "TING_DATA_DIR": str(home / "data" / "ting"),
    }


def _ting_vars() -> list[str]:
    return [name for name in os.environ if name.startswith("TING_")]


def pytest_configure(config: pytest.Config) -> None:
    """Isolate the whole run before any fixture exists, module- and session-scoped included."""
    home = Path(tempfile.mkdtemp(prefix="ting-test-home-"))
    config.stash[_SESSION_HOME] = home
    for var in _ting_vars():
        del os.environ[var]
    os.environ.update(_isolated_env(home))


def pytest_unconfigure(config: pytest.Config) -> None:
    home = config.stash.get(_SESSION_HOME, None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(autouse=True)
def _isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test also gets its own fresh home, config, data and cache folders."""
    for var in _ting_vars():
        monkeypatch.delenv(var)
    home = tmp_path_factory.mktemp("home")
    for var, value in _isolated_env(home).items():
        monkeypatch.setenv(var, value)
    # Learned-layer models depend only on the skills loaded: one cache for the whole run
    # (still inside the run's own home) spares training them again in every test.
    learned = home / "cache" / "ting" / "learned"
    learned.parent.mkdir(parents=True, exist_ok=True)
    learned.symlink_to(_learned_cache(tmp_path_factory), target_is_directory=True)


def _learned_cache(factory: pytest.TempPathFactory) -> Path:
    path = factory.getbasetemp() / "learned-models"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _bundled_entry_points_only(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests see Ting's own entry points, not whatever else this machine has installed
    (a test marked ``installed_plugins`` sees them all)."""
    if request.node.get_closest_marker("installed_plugins"):
        return
    import assistant.plugins as plugins

    def ours(**kwargs: str) -> list[EntryPoint]:
        found = importlib.metadata.entry_points(**kwargs)
        return [ep for ep in found if getattr(ep.dist, "name", None) == plugins.DISTRIBUTION]

    monkeypatch.setattr(plugins, "entry_points", ours)


@pytest.fixture
def dev_labels() -> Path:
    if not DEV_LABELS.exists():
        pytest.fail(f"{DEV_LABELS} is missing: the shared folder must sit beside the repository")
    return DEV_LABELS
