"""Build an assistant with chosen skills only, isolated from the user's config and plugins."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PluginError

if TYPE_CHECKING:
    from ..assistant import Assistant

__all__ = [
    "ENV_PREFIX",
    "PluginSpec",
    "build_assistant",
    "bundled_plugin_names",
    "ting_environ_names",
]

ENV_PREFIX = "TING_"
_GROUP = "ting"
_DISTRIBUTION = "ting"

#: A skill to load: a plugin object (module, class or instance), an entry-point name in the
#: ``ting`` group, or a folder of plugins (loaded like ``--plugins-dir``).
PluginSpec = object


def bundled_plugin_names() -> list[str]:
    """Entry-point names of the plugins that ship with Ting itself (its skills and more)."""
    names = []
    for ep in entry_points(group=_GROUP):
        dist = getattr(ep, "dist", None)
        if dist is not None and dist.name == _DISTRIBUTION:
            names.append(ep.name)
    return sorted(set(names))


def ting_environ_names() -> list[str]:
    """Names of the ``TING_*`` environment variables that would leak into a test's settings."""
    return sorted(name for name in os.environ if name.startswith(ENV_PREFIX))


def build_assistant(
    *plugins: PluginSpec,
    data_dir: Path,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    settings: Mapping[str, Any] | None = None,
    strict: bool = True,
) -> Assistant:
    """An assistant that loads exactly the given skills, and the plugins Ting always loads.

    Ting always loads its ``system`` skill (help, yes, no, cancel: the dialog needs them), so
    do not pass it here.

    :param plugins: plugin objects (a skill module, a plugin class or instance), entry-point
        names of installed skills (``"coffee"``), or :class:`~pathlib.Path` folders of plugins.
    :param data_dir: the assistant's data folder; the user plugin directory is an empty folder
        inside it, so nothing the user installed there is loaded.
    :param config: skill config sections by skill name, as in ``[skills.NAME]``.
    :param settings: other settings (``{"nlu": {"threshold": 0.7}}``).
    :param strict: raise :class:`~assistant.errors.PluginError` when a plugin was skipped,
        instead of carrying on without it.

    The caller keeps ``TING_*`` environment variables out of the way (the fixtures do); the
    settings are built from the arguments only, never from a config file.
    """
    from ..assistant import Assistant
    from ..config import Settings

    data_dir = Path(data_dir)
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "plugins": {"directory": data_dir / "plugins"},
        **dict(settings or {}),
    }
    if config:
        values["skills"] = {name: dict(section) for name, section in config.items()}
    built = Settings(**values)

    objects: list[object] = []
    folders: list[Path] = []
    wanted: set[str] = set()
    for plugin in plugins:
        if isinstance(plugin, str):
            wanted.add(plugin)
        elif isinstance(plugin, Path):
            folders.append(plugin)
        else:
            objects.append(plugin)
    available = {ep.name for ep in entry_points(group=_GROUP)}
    given = {_plugin_name(p) for p in objects} | _folder_names(folders)
    missing = sorted(wanted - available)
    if missing:
        known = ", ".join(sorted(available)) or "none"
        raise PluginError(
            f"no installed skill named {', '.join(missing)} in the 'ting' entry-point group "
            f"(installed: {known}); is its package installed (pip install -e .)?"
        )
    allow = wanted | given
    assistant = Assistant.create(
        built,
        plugins_dirs=folders,
        plugins=objects,
        entry_points=bool(wanted),
        allow=allow,
    )
    if strict and assistant.failures:
        problems = "; ".join(assistant.failures)
        assistant.close()
        raise PluginError(problems)
    return assistant


def _plugin_name(plugin: object) -> str:
    """The name the plugin manager gives a directly registered plugin object."""
    name = getattr(plugin, "name", None) or getattr(plugin, "__name__", None)
    return str(name or type(plugin).__name__).rsplit(".", 1)[-1]


def _folder_names(folders: Iterable[Path]) -> set[str]:
    """Plugin names found in plugin folders: ``*.py`` files and packages."""
    names: set[str] = set()
    for folder in folders:
        if not folder.is_dir():
            raise PluginError(f"{folder} is not a folder of plugins")
        for path in folder.iterdir():
            if path.name.startswith(("_", ".")):
                continue
            if path.suffix == ".py" or (path / "__init__.py").is_file():
                names.add(path.stem if path.suffix == ".py" else path.name)
    return names
