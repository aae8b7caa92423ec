"""Keeping the project honest: every hook documented and tested, every package installed."""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

import pluggy
import pytest

from assistant import hookspecs

ROOT = Path(__file__).resolve().parents[1]
HOOKS = sorted(
    name
    for name, value in vars(hookspecs).items()
    if callable(value) and hasattr(value, f"{hookspecs.PROJECT}_spec")
)
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_hooks_are_found() -> None:
    assert {"register_skills", "handle_intent", "observe_turn"} <= set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook: str) -> None:
    text = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^## `?(\w+)`?\s*$", text, flags=re.MULTILINE))
    assert hook in headings, f"docs/hooks.md has no '## {hook}' section"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook: str) -> None:
    pattern = re.compile(rf"^\s*(async\s+)?def test_hook_{hook}\b", flags=re.MULTILINE)
    found = [
        path
        for path in (ROOT / "tests").rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found, f"no test named test_hook_{hook} under tests/"


def test_bundled_plugins_implement_only_known_hooks() -> None:
    """Every bundled entry point imports, and a misspelt hook name fails here."""
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    package_dir = PYPROJECT["tool"]["setuptools"]["package-dir"]
    for name, target in PYPROJECT["project"]["entry-points"]["ting"].items():
        top = target.split(".")[0]
        assert top in package_dir, f"entry point {name} = {target}: {top} is not installed"
        manager.register(importlib.import_module(target), name=name)
    assert manager.get_plugins()
    manager.check_pending()


def test_every_subpackage_is_installed() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "assistant").rglob("__init__.py")
        if "__pycache__" not in path.parts
    }
    missing = sorted(found - listed)
    assert not missing, f"add {missing} to [tool.setuptools] packages in pyproject.toml"
