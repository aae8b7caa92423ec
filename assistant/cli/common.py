"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, TypeVar

import click

from ..assistant import Assistant
from ..config import Settings, load_settings
from ..errors import ConfigError, PluginError
from ..plugins import ALLOW_ENV, ALWAYS_LOADED, ENTRY_POINT_GROUP, allowed_plugins, plugin_modules

__all__ = [
    "assistant_options",
    "available_plugins",
    "config_option",
    "echo_json",
    "json_option",
    "make_assistant",
    "model_value",
    "plugin_allow_list",
    "plugin_folders",
    "settings_from",
]

F = TypeVar("F", bound=Callable[..., Any])

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="TING_CONFIG",
    help="Config file (default: the platform's user config dir / ting / config.toml).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def model_value(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """The --model callback: an empty name is an error, never the default model."""
    if value is not None and not value.strip():
        raise ConfigError("--model is empty; name a model (see `assistant models list`) or drop it")
    return value


def _names(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(dict.fromkeys(name.strip() for name in value.split(",") if name.strip()))


def assistant_options(func: F) -> F:
    """--config, --plugins-dir and --plugins, for every command that loads skills."""
    func = click.option(
        "--plugins",
        "plugin_names",
        metavar="NAME[,NAME]",
        callback=_names,
        help="Load only these plugins (like TING_LOAD_PLUGINS; the system skill always loads).",
    )(func)
    func = click.option(
        "--plugins-dir",
        "plugins_dirs",
        multiple=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Also load plugins from this folder (repeatable).",
    )(func)
    return config_option(func)  # type: ignore[no-any-return]


def settings_from(config_path: Path | None) -> Settings:
    """Settings from the file and the environment (ConfigError on bad input)."""
    return load_settings(config_path)


def available_plugins(folders: Iterable[Path]) -> set[str]:
    """Every plugin name that could load: core, installed entry points, plugins in folders."""
    names = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)} | ALWAYS_LOADED
    for folder in folders:
        names.update(name for name, _ in plugin_modules(folder))
    return names


def plugin_folders(settings: Settings, plugins_dirs: tuple[Path, ...]) -> list[Path]:
    """The plugin folders a command reads: --plugins-dir, then the user plugin directory.

    A folder that was asked for and does not exist is an error (one line).
    """
    for directory in plugins_dirs:
        if not directory.is_dir():
            raise ConfigError(f"--plugins-dir {directory}: not a folder")
    configured = settings.plugins.directory
    if configured is not None and not settings.plugin_directory().is_dir():
        where = settings.source or "config"
        raise ConfigError(
            f"{where}: plugins.directory {configured} is not a folder; create it or drop the key"
        )
    return [*plugins_dirs, settings.plugin_directory()]


def plugin_allow_list(
    settings: Settings, folders: Iterable[Path], plugin_names: tuple[str, ...] | None = None
) -> frozenset[str] | None:
    """The allow-list: --plugins, else $TING_LOAD_PLUGINS, else ``plugins.load``.

    A name that is neither installed nor in a plugin folder is an error listing those there are.
    """
    if plugin_names is not None:
        allow: frozenset[str] | None = frozenset(plugin_names)
        where = "--plugins"
    else:
        allow = allowed_plugins(settings.plugins.load)
        where = ALLOW_ENV if os.environ.get(ALLOW_ENV) is not None else "plugins.load"
    if allow:
        known = available_plugins(folders)
        unknown = sorted(allow - known)
        if unknown:
            names = ", ".join(repr(name) for name in unknown)
            available = ", ".join(sorted(known - ALWAYS_LOADED))
            raise PluginError(f"{where}: no plugin named {names}; available: {available}")
    return allow


def make_assistant(
    config_path: Path | None,
    plugins_dirs: tuple[Path, ...] = (),
    *,
    plugin_names: tuple[str, ...] | None = None,
    quiet: bool = False,
) -> Assistant:
    """Build the assistant, warning on stderr about each plugin that was skipped.

    :param plugin_names: the --plugins allow-list (None: $TING_LOAD_PLUGINS, then the config).
    """
    settings = settings_from(config_path)
    folders = plugin_folders(settings, plugins_dirs)
    allow = plugin_allow_list(settings, folders, plugin_names)
    assistant = Assistant.create(settings, plugins_dirs=plugins_dirs, allow=allow)
    if not quiet:
        for failure in assistant.failures:
            click.secho(f"warning: {failure}", fg="yellow", err=True)
    return assistant


def echo_json(data: Any) -> None:
    """One JSON document on stdout."""
    click.echo(json.dumps(data, ensure_ascii=False, default=str))
