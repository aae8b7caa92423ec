"""Shared fixtures: every test runs with its own config, data and cache folders."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEV_LABELS = SHARED / "audio" / "dev" / "labels.jsonl"


@pytest.fixture(autouse=True)
def _isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep tests away from the user's config, data, cache and installed plugin allow-list."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("TING_DATA_DIR", str(home / "data" / "ting"))
    for var in ("TING_CONFIG", "TING_LOAD_PLUGINS", "TING_MODEL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def dev_labels() -> Path:
    if not DEV_LABELS.exists():
        pytest.fail(f"{DEV_LABELS} is missing: the shared folder must sit beside the repository")
    return DEV_LABELS
