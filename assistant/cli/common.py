"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..assistant import Assistant
from ..config import Settings, load_settings

__all__ = [
    "assistant_options",
    "config_option",
    "echo_json",
    "json_option",
    "make_assistant",
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


def assistant_options(func: F) -> F:
    """--config and --plugins-dir, for every command that loads skills."""
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


def make_assistant(
    config_path: Path | None, plugins_dirs: tuple[Path, ...] = (), *, quiet: bool = False
) -> Assistant:
    """Build the assistant, warning on stderr about each plugin that was skipped."""
    for directory in plugins_dirs:
        if not directory.is_dir():
            raise click.BadParameter(f"{directory} is not a folder", param_hint="--plugins-dir")
    assistant = Assistant.create(settings_from(config_path), plugins_dirs=plugins_dirs)
    if not quiet:
        for failure in assistant.failures:
            click.secho(f"warning: {failure}", fg="yellow", err=True)
    return assistant


def echo_json(data: Any) -> None:
    """One JSON document on stdout."""
    click.echo(json.dumps(data, ensure_ascii=False, default=str))
