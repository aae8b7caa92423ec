"""The `assistant` command: one CLI, subcommands by task, loaded on demand."""

from __future__ import annotations

import importlib
import logging
import sys

import click

from ..errors import AssistantError

__all__ = ["LazyGroup", "cli", "main"]

# name → "module:attribute"; modules import only when their command runs, to start fast.
COMMANDS = {
    "say": "assistant.cli.text:say",
    "chat": "assistant.cli.text:chat",
    "skills": "assistant.cli.skills:skills",
    "eval": "assistant.cli.evaluate:eval_command",
    "new-skill": "assistant.cli.scaffold:new_skill",
    "run": "assistant.cli.speech:run",
    "transcribe": "assistant.cli.speech:transcribe",
    "devices": "assistant.cli.devices:devices",
    "models": "assistant.cli.models:models",
    "services": "assistant.cli.services:services",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when used."""

    def __init__(self, *args: object, lazy: dict[str, str] | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        names.update(name for name in self.lazy if self._load(name) is not None)
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, cmd_name) or self._load(cmd_name)

    def _load(self, name: str) -> click.Command | None:
        target = self.lazy.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # that part of Ting is not installed
                return None
            raise
        command: click.Command = getattr(module, attr)
        return command


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.version_option(package_name="ting", prog_name="assistant")
def cli(verbose: int) -> None:
    """Ting, an offline voice assistant whose skills are plugins."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and exit status 2."""
    try:
        cli.main(args=argv, prog_name="assistant", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except AssistantError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    sys.exit(0)
