"""Finding and loading plugins: entry points, the plugin directory, and an allow-list."""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import logging
import os
import stat
import sys
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Literal

import pluggy

from . import hookspecs
from .errors import PluginError
from .pluginrun import DEFAULT_LIMIT, run_plugin_code

if TYPE_CHECKING:
    from .config import Settings

__all__ = [
    "ALLOW_ENV",
    "ALWAYS_LOADED",
    "CORE_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PluginFailure",
    "PluginInfo",
    "PluginRegistry",
    "allowed_plugins",
    "get_plugin_manager",
    "plugin_modules",
    "registry_for",
]

_LOGGER = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "ting"
ALLOW_ENV = "TING_LOAD_PLUGINS"
DISTRIBUTION = "ting"
CORE_PLUGINS = (
    ("system", "ting_skills.system"),
    ("services", "assistant.services.plugin"),
    ("ting-speech-engines", "assistant.speech.builtin_engines"),
)
"""Registered by object when the plugin manager is built, whatever the allow-list says: the
dialog needs the system skill (help, yes, no, cancel), skills find their mini-programs through
the services plugin, and the bundled speech engines sit beside any a plugin adds."""

ALWAYS_LOADED = frozenset(name for name, _ in CORE_PLUGINS)

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
    """A plugin (or a plugin folder) that was skipped, and why."""

    name: str
    problem: str
    source: str | None = None  # the file, module or folder it came from
    kind: str = "plugin"

    def __str__(self) -> str:
        line = f"{self.kind} {self.name!r} skipped: {self.problem}"
        if self.source and self.source != self.name and self.source not in self.problem:
            line += f" (from {self.source})"
        return line


@dataclass
class PluginRegistry:
    """The plugin manager with what it loaded and what it skipped.

    Every plugin goes through :meth:`add` (refused, never replacing a plugin already there)
    and, if it turns out broken later, :meth:`remove` takes it out wholly; nothing else
    registers or unregisters plugins.
    """

    manager: pluggy.PluginManager
    info: dict[str, PluginInfo] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)
    limit: float | None = DEFAULT_LIMIT
    _objects: dict[str, object] = field(default_factory=dict, repr=False)

    def add(self, plugin: object, info: PluginInfo) -> bool:
        """Register one plugin object; record a failure instead of raising."""
        holder = self.info.get(info.name)
        if holder is not None or self.manager.has_plugin(info.name):
            held = f"the {holder.origin} plugin from {holder.source}" if holder else "Ting"
            fix = f"rename {info.source}" if info.origin == "directory" else "rename one of them"
            self._record(info, f"the name {info.name!r} is already taken by {held}; {fix}")
            return False
        if self.manager.is_registered(plugin):
            self._record(info, "the same plugin object is already registered")
            return False
        try:
            self.manager.register(plugin, name=info.name)
        except Exception as exc:  # pluggy validates hook signatures here
            self._record(info, f"{exc}")
            return False
        unknown = _unknown_hooks(self.manager, plugin)
        if unknown:
            self.manager.unregister(plugin)
            self._record(info, "; ".join(unknown))
            return False
        self.info[info.name] = info
        self._objects[info.name] = plugin
        return True

    def remove(self, name: str, problem: str) -> None:
        """Take out a plugin this registry added, wholly, and record why."""
        plugin = self._objects.pop(name, None)
        if plugin is not None and self.manager.is_registered(plugin):
            self.manager.unregister(plugin)
        info = self.info.pop(name, None)
        self._record(info or PluginInfo(name, "registered"), problem)

    def fail(self, name: str, problem: str) -> None:
        """Record a broken plugin; one this registry added is removed (see :meth:`remove`)."""
        if name in self._objects:
            self.remove(name, problem)
        else:
            self._record(PluginInfo(name, "registered"), problem)

    def skip_folder(self, folder: Path, problem: str) -> None:
        """Record a plugin folder (or a file in one) that was not read."""
        package = (folder / "__init__.py").exists()
        kind = "plugin folder" if folder.is_dir() and not package else "plugin"
        self._append(PluginFailure(str(folder), problem, kind=kind))

    def _record(self, info: PluginInfo, problem: str) -> None:
        self._append(PluginFailure(info.name, problem, info.source))

    def _append(self, failure: PluginFailure) -> None:
        self.failures.append(failure)
        # The commands print each failure as a warning themselves; the log keeps a record.
        _LOGGER.info("%s", failure)


def _unknown_hooks(manager: pluggy.PluginManager, plugin: object) -> list[str]:
    """A line for each hook implementation that names no Ting hook (a misspelt name)."""
    known = sorted(name for name, caller in vars(manager.hook).items() if caller.has_spec())
    problems = []
    for attr in dir(plugin):
        opts = manager.parse_hookimpl_opts(plugin, attr)
        if opts is None or opts.get("optionalhook"):
            continue
        caller = getattr(manager.hook, attr, None)
        if caller is not None and caller.has_spec():
            continue
        close = difflib.get_close_matches(attr, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"the hooks are: {', '.join(known)}"
        problems.append(f"{attr!r} is not a Ting hook ({hint})")
    return problems


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
    limit: float | None = DEFAULT_LIMIT,
    trusted: Iterable[Path | str] = (),
) -> PluginRegistry:
    """Build a plugin manager and load plugins into it.

    The core plugins (:data:`CORE_PLUGINS`) are registered first, by object; then installed
    entry points, plugin folders and ``plugins``, in that order. A plugin whose name is taken
    is refused, the one holding the name stays.

    :param entry_point_group: entry-point group to load.
    :param installed: load every plugin of the group; False loads only the core plugins
        (tests and embedding applications that choose their skills).
    :param plugins_dirs: folders whose ``*.py`` files and packages are plugins.
    :param plugins: plugin objects registered directly, whatever the allow-list says.
    :param allow: names allowed to load (None: all); the core plugins always load.
    :param limit: seconds a plugin's import may take (None: no limit).
    :param trusted: folders to read even if other users can write to them or own them
        ("*" trusts every folder).
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    registry = PluginRegistry(manager, limit=limit)

    for name, module_name in CORE_PLUGINS:
        module = importlib.import_module(module_name)
        registry.add(module, PluginInfo(name, "bundled", _version(module), module_name))

    def allowed(name: str) -> bool:
        return allow is None or name in allow or name in ALWAYS_LOADED

    for ep in entry_points(group=entry_point_group) if installed else ():
        if not allowed(ep.name):
            continue
        dist = getattr(ep, "dist", None)
        dist_name = dist.name if dist is not None else None
        origin: Origin = "bundled" if dist_name == DISTRIBUTION else "installed"
        info = PluginInfo(ep.name, origin, dist.version if dist else None, ep.value)
        try:
            module = run_plugin_code(ep.load, f"importing {ep.value}", limit)
        except Exception as exc:
            registry.fail(ep.name, f"cannot import {ep.value}: {_reason(exc)}")
            continue
        if manager.is_registered(module):  # a core plugin also listed as an entry point
            continue
        registry.add(module, info)
    trust = {str(t) for t in trusted}
    for directory in plugins_dirs:
        for name, path in _plugin_files(Path(directory), registry, trust):
            if not allowed(name):
                continue
            try:
                module = run_plugin_code(
                    partial(_import_path, name, path), f"importing {path}", limit
                )
            except Exception as exc:
                registry.fail(name, f"cannot import {path}: {_reason(exc)}")
                continue
            registry.add(module, PluginInfo(name, "directory", _version(module), str(path)))
    for plugin in plugins:
        label = getattr(plugin, "name", None) or getattr(plugin, "__name__", None)
        plugin_name = str(label or type(plugin).__name__).rsplit(".", 1)[-1]
        registry.add(plugin, PluginInfo(plugin_name, "registered", _version(plugin), repr(plugin)))
    return registry


def registry_for(
    settings: Settings,
    *,
    plugins_dirs: Iterable[Path] = (),
    allow: frozenset[str] | None = None,
    installed: bool = True,
    plugins: Iterable[object] = (),
) -> PluginRegistry:
    """Plugins loaded as the settings say: ``plugins_dirs`` then the user plugin directory,
    under ``plugins.timeout``, reading the folders ``plugins.trusted`` names."""
    return get_plugin_manager(
        installed=installed,
        plugins_dirs=[*plugins_dirs, settings.plugin_directory()],
        plugins=plugins,
        allow=allow,
        limit=settings.plugins.timeout or None,
        trusted=settings.plugins.trusted,
    )


def _version(plugin: object) -> str | None:
    version = getattr(plugin, "__version__", None)
    return str(version) if version is not None else None


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, PluginError) else repr(exc)


def _unsafe(path: Path, info: os.stat_result) -> str | None:
    """Why other users could change what is in ``path``, or None."""
    if info.st_mode & stat.S_IWOTH:
        return f"{path} is writable by every user"
    if info.st_uid not in (os.getuid(), 0):
        return f"{path} is owned by another user (uid {info.st_uid})"
    return None


def plugin_modules(directory: Path) -> list[tuple[str, Path]]:
    """(name, file to import) for each plugin module or package in a folder, sorted by name."""
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


def _plugin_files(
    directory: Path, registry: PluginRegistry | None = None, trusted: Collection[str] = ()
) -> list[tuple[str, Path]]:
    """:func:`plugin_modules`, without those other users could change.

    Like git with ``safe.directory``, a folder (or file) other users can write to or own is
    not read unless it is trusted: its code would run as the user.
    """
    if not directory.is_dir():
        return []
    trusts_all = "*" in trusted or str(directory) in trusted

    def safe(path: Path) -> bool:
        problem = None if trusts_all else _unsafe(path, path.stat())
        if problem is not None and registry is not None:
            fix = (
                f"fix: chmod o-w {path} (or chown it to yourself), or add {str(directory)!r} "
                "to plugins.trusted in the config"
            )
            registry.skip_folder(path, f"{problem}: its code would run as you; {fix}")
        return problem is None

    if not safe(directory):
        return []
    return [
        (name, entry)
        for name, entry in plugin_modules(directory)
        if safe(entry.parent if entry.name == "__init__.py" else entry)
    ]


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
