"""Finding and loading plugins: entry points, the plugin directory, and an allow-list."""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Literal

import pluggy

from . import hookspecs

__all__ = [
    "ALLOW_ENV",
    "ALWAYS_LOADED",
    "ENTRY_POINT_GROUP",
    "PluginFailure",
    "PluginInfo",
    "PluginRegistry",
    "allowed_plugins",
    "get_plugin_manager",
]

_LOGGER = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "ting"
ALLOW_ENV = "TING_LOAD_PLUGINS"
DISTRIBUTION = "ting"
# Loaded whatever the allow-list says: the dialog needs the system skill (help, yes, no, cancel)
# and skills find their mini-programs through the services plugin.
ALWAYS_LOADED = frozenset({"system", "services"})

Origin = Literal["bundled", "installed", "directory", "registered"]


@dataclass(frozen=True)
class PluginInfo:
    """A loaded plugin: its name, version and where it came from."""

    name: str
    origin: Origin
    version: str | None = None
    source: str | None = None  # distribution name or file path


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that was skipped, and why."""

    name: str
    problem: str

    def __str__(self) -> str:
        return f"plugin {self.name!r} skipped: {self.problem}"


@dataclass
class PluginRegistry:
    """The plugin manager with what it loaded and what it skipped."""

    manager: pluggy.PluginManager
    info: dict[str, PluginInfo] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)

    def add(self, plugin: object, info: PluginInfo) -> bool:
        """Register one plugin object; record a failure instead of raising."""
        if self.manager.has_plugin(info.name):
            other = self.info.get(info.name)
            where = other.source if other else "another plugin"
            self.fail(info.name, f"the name is already taken by {where}; rename one of them")
            return False
        try:
            self.manager.register(plugin, name=info.name)
        except Exception as exc:  # pluggy validates hook names and signatures here
            self.fail(info.name, f"{exc}")
            return False
        self.info[info.name] = info
        return True

    def fail(self, name: str, problem: str) -> None:
        """Record a broken plugin and make sure none of its hooks run."""
        plugin = self.manager.get_plugin(name)
        if plugin is not None:
            self.manager.unregister(plugin, name=name)
        self.info.pop(name, None)
        failure = PluginFailure(name, problem)
        self.failures.append(failure)
        _LOGGER.warning("%s", failure)


def allowed_plugins(configured: Sequence[str] | None = None) -> frozenset[str] | None:
    """The allow-list: $TING_LOAD_PLUGINS (comma list, empty loads none), else the config."""
    raw = os.environ.get(ALLOW_ENV)
    if raw is not None:
        return frozenset(name.strip() for name in raw.split(",") if name.strip())
    if configured is not None:
        return frozenset(configured)
    return None


def get_plugin_manager(
    *,
    entry_point_group: str = ENTRY_POINT_GROUP,
    installed: bool = True,
    plugins_dirs: Iterable[Path] = (),
    plugins: Iterable[object] = (),
    allow: frozenset[str] | None = None,
) -> PluginRegistry:
    """Build a plugin manager and load plugins into it.

    :param entry_point_group: entry-point group to load.
    :param installed: load every plugin of the group; False loads only the system skill
        (tests and embedding applications that choose their skills).
    :param plugins_dirs: folders whose ``*.py`` files and packages are plugins.
    :param plugins: plugin objects registered directly, whatever the allow-list says.
    :param allow: names allowed to load (None: all); the system skill always loads.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    registry = PluginRegistry(manager)

    def allowed(name: str) -> bool:
        return allow is None or name in allow or name in ALWAYS_LOADED

    for ep in entry_points(group=entry_point_group):
        if not (allowed(ep.name) if installed else ep.name in ALWAYS_LOADED):
            continue
        dist = getattr(ep, "dist", None)
        dist_name = dist.name if dist is not None else None
        origin: Origin = "bundled" if dist_name == DISTRIBUTION else "installed"
        try:
            module = ep.load()
        except Exception as exc:
            registry.fail(ep.name, f"cannot import {ep.value}: {exc!r}")
            continue
        registry.add(
            module,
            PluginInfo(ep.name, origin, dist.version if dist else None, dist_name),
        )
    for directory in plugins_dirs:
        for name, path in _plugin_files(Path(directory)):
            if not allowed(name):
                continue
            try:
                module = _import_path(name, path)
            except Exception as exc:
                registry.fail(name, f"cannot import {path}: {exc!r}")
                continue
            version = getattr(module, "__version__", None)
            registry.add(module, PluginInfo(name, "directory", version, str(path)))
    for plugin in plugins:
        label = getattr(plugin, "name", None) or getattr(plugin, "__name__", None)
        plugin_name = str(label or type(plugin).__name__).rsplit(".", 1)[-1]
        version = getattr(plugin, "__version__", None)
        registry.add(plugin, PluginInfo(plugin_name, "registered", version, repr(plugin)))
    return registry


def _plugin_files(directory: Path) -> list[tuple[str, Path]]:
    """(name, path) for each plugin module or package in a folder, sorted by name."""
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.iterdir()):
        if path.name.startswith(("_", ".")):
            continue
        if path.suffix == ".py" and path.is_file():
            found.append((path.stem, path))
        elif path.is_dir() and (path / "__init__.py").is_file():
            found.append((path.name, path / "__init__.py"))
    return found


def _import_path(name: str, path: Path) -> ModuleType:
    """Import a plugin file or package under a private module name."""
    module_name = f"ting_plugin_dir_{name}"
    locations = [str(path.parent)] if path.name == "__init__.py" else None
    spec = importlib.util.spec_from_file_location(
        module_name, path, submodule_search_locations=locations
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"not a Python module: {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module
