"""`assistant services`: list, search and show mini-programs, and serve the samples over HTTP."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from ..plugins import registry_for
from ..services.catalog import build_directory
from ..services.directory import ServiceDirectory
from ..services.manifest import ServiceManifest
from .common import (
    assistant_options,
    echo_json,
    json_option,
    plugin_allow_list,
    plugin_folders,
    settings_from,
)

__all__ = ["services"]

_LOGGER = logging.getLogger(__name__)


def _directory(
    config_path: Path | None,
    plugins_dirs: tuple[Path, ...],
    plugin_names: tuple[str, ...] | None = None,
) -> ServiceDirectory:
    """The directory as the assistant builds it, without loading the intent matcher."""
    settings = settings_from(config_path)
    allow = plugin_allow_list(settings, plugin_folders(settings, plugins_dirs), plugin_names)
    registry = registry_for(settings, plugins_dirs=plugins_dirs, allow=allow)
    directory = build_directory(registry.manager, settings)
    for problem in [*map(str, registry.failures), *directory.problems]:
        click.secho(f"warning: {problem}", fg="yellow", err=True)
    return directory


def _row(manifest: ServiceManifest) -> dict[str, Any]:
    return {
        "id": manifest.id,
        "name": manifest.name,
        "category": manifest.category,
        "description": manifest.description,
        "remote": manifest.remote,
        "actions": [a.name for a in manifest.actions],
    }


@click.group()
@assistant_options
@click.pass_context
def services(
    ctx: click.Context,
    config_path: Path | None,
    plugins_dirs: tuple[Path, ...],
    plugin_names: tuple[str, ...] | None,
) -> None:
    """The mini-program directory: list, search, show, serve."""
    ctx.obj = {
        "config_path": config_path,
        "plugins_dirs": plugins_dirs,
        "plugin_names": plugin_names,
    }


@services.command("list")
@click.option("--category", help="Only this category (coffee, parcels, travel, ...).")
@json_option
@click.pass_obj
def list_command(obj: dict[str, Any], category: str | None, as_json: bool) -> None:
    """Every mini-program: id, name, category, actions."""
    with _open(obj) as directory:
        rows = [_row(m) for m in directory.manifests(category=category)]
    if as_json:
        echo_json({"services": rows})
    else:
        for row in rows:
            where = " (remote)" if row["remote"] else ""
            click.echo(f"{row['id']:<14} {row['name']}{where} [{row['category']}]")
            click.echo(f"{'':<14} {row['description']}")
    sys.exit(0 if rows else 1)


@services.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--category", help="Only this category.")
@click.option("--capability", help="Only services offering this action, e.g. order_drink.")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 50))
@json_option
@click.pass_obj
def search(
    obj: dict[str, Any],
    query: tuple[str, ...],
    category: str | None,
    capability: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Search by what a mini-program offers or by its (even misheard) name."""
    text = " ".join(query)
    with _open(obj) as directory:
        hits = directory.search(text, category=category, capability=capability, limit=limit)
    if as_json:
        echo_json({"query": text, "results": [hit.as_dict() for hit in hits]})
    elif not hits:
        click.echo(f"No mini program matches {text!r}.", err=True)
    elif hits[0].partial:
        click.echo(f"No mini program matches {text!r} in full; the closest:", err=True)
    for hit in [] if as_json else hits:
        click.echo(
            f"{hit.score:.2f}  {hit.manifest.id:<14} {hit.manifest.name}: "
            f"{hit.manifest.description}"
        )
    sys.exit(0 if hits else 1)


@services.command()
@click.argument("service_id")
@json_option
@click.pass_obj
def show(obj: dict[str, Any], service_id: str, as_json: bool) -> None:
    """A mini-program's manifest: names, keywords, actions and their parameters."""
    with _open(obj) as directory:
        manifest = directory.get(service_id) or directory.resolve(service_id)
        source = directory.entries[manifest.id].source if manifest else None
        say = _what_to_say(directory, manifest) if manifest else {}
    if manifest is None:
        click.echo(
            f"No mini program called {service_id!r}; try `assistant services search`.", err=True
        )
        sys.exit(1)
    if as_json:
        echo_json({**manifest.model_dump(mode="json"), "source": source, "say": say})
        return
    click.echo(f"{manifest.name} ({manifest.id}), {manifest.category}; from {source}")
    click.echo(f"  {manifest.description}")
    click.echo(f"  also called: {', '.join(manifest.aliases) or '-'}")
    click.echo(f"  keywords: {', '.join(manifest.keywords) or '-'}")
    click.echo(f"  {'calls ' + str(manifest.base_url) if manifest.remote else 'runs in-process'}")
    for action in manifest.actions:
        flag = " [side effects: asks to confirm]" if action.side_effects else ""
        click.echo(f"  {action.name}{flag}: {action.description}")
        for name, param in action.parameters.items():
            need = "required" if param.required else "optional"
            click.echo(f"      {name} ({param.type}, {need}) {param.description}".rstrip())
        for sentence in say.get(action.name, []):
            click.echo(f'      say: "{sentence}"')


def _what_to_say(directory: ServiceDirectory, manifest: ServiceManifest) -> dict[str, list[str]]:
    """Sentences that reach each action by voice (with the catalog's values, for a
    mini-program running here)."""
    from ..services.voice import AppVoice

    def fetch(action: str) -> dict[str, Any]:
        return dict(directory.call(manifest.id, action, {}).data)

    voice = AppVoice(manifest, None if manifest.remote else fetch)
    return {a.name: voice.examples(a.name, fetch=not manifest.remote) for a in manifest.actions}


@services.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow an address beyond this machine (e.g. 0.0.0.0); actions then need a token.",
)
@click.pass_obj
def serve(obj: dict[str, Any], host: str, port: int, allow_remote: bool) -> None:
    """Run the bundled mini-programs as a local HTTP JSON API (OpenAPI at /openapi.json)."""
    import secrets

    from ..services.server import is_loopback, make_server

    token = settings_from(obj["config_path"]).services.token
    remote = not is_loopback(host)
    if remote and not allow_remote:
        raise click.ClickException(
            f"{host} is reachable beyond this machine; pass --allow-remote to listen there."
        )
    generated = remote and not token
    if generated:
        token = secrets.token_urlsafe(32)
    with _open(obj) as directory:
        try:
            server = make_server(directory, host, port, token=token)
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from exc
        count = sum(1 for m in directory.manifests() if not m.remote)
        if remote:
            click.secho(
                f"warning: listening on {host}:{server.server_address[1]}, reachable from "
                "other machines; actions with side effects need the bearer token.",
                fg="yellow",
                err=True,
            )
        if generated:
            click.echo(f"Token (send as Authorization: Bearer <token>): {token}", err=True)
        click.echo(
            f"Serving {count} mini programs at {server.root} "
            f"(OpenAPI: {server.root}/openapi.json); Ctrl-C stops.",
            err=True,
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


class _open:
    """Build the directory for a command and close it afterwards."""

    def __init__(self, obj: dict[str, Any]) -> None:
        self.obj = obj

    def __enter__(self) -> ServiceDirectory:
        self.directory = _directory(
            self.obj["config_path"], self.obj["plugins_dirs"], self.obj.get("plugin_names")
        )
        return self.directory

    def __exit__(self, *exc: object) -> None:
        self.directory.close()
