"""`assistant skills`: what is loaded, and the details of one skill."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..skillcontext import LoadedSkill
from . import LazyGroup
from .common import assistant_options, echo_json, json_option, make_assistant

if TYPE_CHECKING:
    from ..assistant import Assistant

__all__ = ["skills"]


def _summary(loaded: LoadedSkill, source: str | None) -> dict[str, object]:
    return {
        "name": loaded.name,
        "version": loaded.version,
        "origin": loaded.origin,
        "plugin": loaded.plugin,
        "source": source,
        "description": loaded.skill.description,
        "intents": [intent.name for intent in loaded.skill.intents],
    }


@click.group(
    cls=LazyGroup, lazy={"check": "assistant.cli.skillcheck:check"}, invoke_without_command=True
)
@json_option
@assistant_options
@click.pass_context
def skills(
    ctx: click.Context,
    as_json: bool,
    config_path: Path | None,
    plugins_dirs: tuple[Path, ...],
    plugin_names: tuple[str, ...] | None,
) -> None:
    """List loaded skills: name, version, where from, intents."""
    ctx.obj = {
        "config_path": config_path,
        "plugins_dirs": plugins_dirs,
        "plugin_names": plugin_names,
    }
    if ctx.invoked_subcommand is not None:
        return
    assistant = make_assistant(config_path, plugins_dirs, plugin_names=plugin_names)
    rows = [
        _summary(loaded, assistant.registry.info[loaded.plugin].source)
        for loaded in sorted(assistant.skills.values(), key=lambda s: s.name)
    ]
    learned = _learned(assistant)
    if as_json:
        echo_json({"skills": rows, "failures": assistant.failures, "learned": learned})
        return
    for row in rows:
        origin = row["origin"] if row["origin"] != "directory" else f"directory {row['source']}"
        click.echo(f"{row['name']} {row['version'] or ''} ({origin})")
        click.echo(f"    {row['description']}")
        click.echo(f"    intents: {', '.join(row['intents'])}")  # type: ignore[arg-type]
    if learned is None:
        click.echo("\nlearned layer: off")
    else:
        built = datetime.fromtimestamp(float(learned["built"])).strftime("%Y-%m-%d %H:%M")  # type: ignore[arg-type]
        click.echo(
            f"\nlearned layer: trained on {learned['sentences']} sentences of "
            f"{learned['intents']} intents and {learned['background']} background sentences, "
            f"built {built} in {learned['seconds']} s ({learned['cache']})"
        )


def _learned(assistant: Assistant) -> dict[str, object] | None:
    """What the learned layer was trained on, when, and where it is cached."""
    learned = assistant.matcher.learned
    if learned is None:
        return None
    trained = learned.trained
    return {
        "intents": trained.intents,
        "sentences": trained.sentences,
        "background": trained.background,
        "built": trained.built,
        "seconds": trained.seconds,
        "cache": str(learned.path) if learned.path is not None else None,
    }


@skills.command()
@click.argument("name")
@json_option
@click.pass_obj
def show(obj: dict[str, object], name: str, as_json: bool) -> None:
    """Show a skill's intents, slots and example sentences."""
    assistant = make_assistant(
        obj["config_path"],  # type: ignore[arg-type]
        obj["plugins_dirs"],  # type: ignore[arg-type]
        plugin_names=obj.get("plugin_names"),  # type: ignore[arg-type]
    )
    loaded = assistant.skills.get(name)
    if loaded is None:
        known = ", ".join(sorted(assistant.skills))
        click.echo(f"error: no skill named {name!r}; loaded skills: {known}", err=True)
        sys.exit(2)
    if as_json:
        echo_json(loaded.skill.model_dump(mode="json", exclude={"config_model"}))
        return
    click.echo(f"{loaded.name} {loaded.version or ''} ({loaded.origin}, plugin {loaded.plugin})")
    click.echo(loaded.skill.description)
    for intent in loaded.skill.intents:
        flag = "  [asks to confirm]" if intent.side_effects else ""
        click.echo(f"\n  {intent.name}{flag}: {intent.description}")
        for slot_name, slot in intent.slots.items():
            kind = f"list {slot.list or slot_name}" if slot.type == "list" else slot.type
            need = "required" if slot.required else "optional"
            click.echo(f"    slot {slot_name}: {kind}, {need}")
            values = loaded.skill.list_for(intent, slot_name)
            if values is not None:
                click.echo(f"      values: {', '.join(values.values)}")
        for example in intent.examples:
            click.echo(f'    e.g. "{example}"')
