"""`assistant say` and `assistant chat`: the typed interface."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..messages import Turn
from .common import assistant_options, echo_json, json_option, make_assistant

__all__ = ["chat", "say", "turn_json"]


def turn_json(turn: Turn) -> dict[str, object]:
    """The JSON object printed for one turn."""
    return turn.model_dump(mode="json")


@click.command()
@click.argument("text", nargs=-1, required=True)
@json_option
@assistant_options
def say(
    text: tuple[str, ...], as_json: bool, config_path: Path | None, plugins_dirs: tuple[Path, ...]
) -> None:
    """Say TEXT to the assistant and print its reply (exit 1 if it did not understand)."""
    with make_assistant(config_path, plugins_dirs) as assistant:
        turn = assistant.handle(" ".join(text))
    if as_json:
        echo_json(turn_json(turn))
    else:
        click.echo(turn.reply)
    sys.exit(0 if turn.understood else 1)


@click.command()
@json_option
@assistant_options
def chat(as_json: bool, config_path: Path | None, plugins_dirs: tuple[Path, ...]) -> None:
    """A typed conversation with follow-ups and confirmation; Ctrl-D leaves."""
    interactive = sys.stdin.isatty()
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")  # undecodable bytes must not end the chat
    with make_assistant(config_path, plugins_dirs) as assistant:
        session = assistant.new_session()
        if interactive and not as_json:
            click.echo('Type to talk to Ting; "help" lists what it can do; Ctrl-D leaves.')
        while True:
            try:
                line = input("you> " if interactive else "")
            except EOFError:
                break
            except KeyboardInterrupt:
                click.echo()
                break
            if not line.strip():
                continue
            turn = assistant.handle(line, session)
            if as_json:
                echo_json(turn_json(turn))
            else:
                click.echo(f"ting> {turn.reply}" if interactive else turn.reply)
