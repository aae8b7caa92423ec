"""`assistant models`: the speech model catalog, downloads and checks."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import ModelError
from ..speech.models import (
    CatalogEntry,
    download_model,
    find_entry,
    install_record,
    installed_path,
    load_catalog,
    models_dir,
    verify_model,
)
from .common import config_option, echo_json, json_option, settings_from

__all__ = ["models"]


def _size(n: int, exact: bool) -> str:
    text = f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"
    return text if exact else f"~{text}"


def _entry(name: str) -> CatalogEntry:
    entry = find_entry(name)
    if entry is None:
        known = ", ".join(e.name for e in load_catalog())
        raise ModelError(f"no model named {name!r} in the catalog; known models: {known}")
    return entry


@click.group()
def models() -> None:
    """Speech models: list the catalog, download, verify."""


@models.command("list")
@json_option
@config_option
def list_command(as_json: bool, config_path: Path | None) -> None:
    """Every model in the catalog, installed or not, with its size."""
    settings = settings_from(config_path)
    rows = []
    for entry in load_catalog():
        path = installed_path(entry, settings)
        row = entry.model_dump(mode="json")
        row["installed"] = path is not None
        row["path"] = str(path) if path else None
        rows.append(row)
    if as_json:
        echo_json({"models_dir": str(models_dir(settings)), "models": rows})
        return
    for row in rows:
        mark = "installed" if row["installed"] else "-"
        default = " (default)" if row["default"] else ""
        size = _size(row["size"], row["size_exact"])
        click.echo(
            f"{row['engine']:8} {row['name'] + default:40} {row['language']:6} {size:>9}  {mark}"
        )
    click.echo(f"\nModels are kept in {models_dir(settings)}", err=True)


@models.command()
@click.argument("name")
@click.option(
    "--from",
    "source",
    metavar="FILE_OR_URL",
    help="Install from a local archive or folder, or download from this mirror URL.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@config_option
def download(name: str, source: str | None, quiet: bool, config_path: Path | None) -> None:
    """Download (or install from --from), check and unpack a model into the cache."""
    settings = settings_from(config_path)
    entry = _entry(name)
    path = download_model(entry, settings, source=source, progress=not quiet)
    digest = install_record(path).get("sha256")
    click.echo(f"installed {name} in {path}")
    if digest and entry.sha256 is None:
        click.echo(f"archive sha256 {digest} (the catalog records none to compare)", err=True)


@models.command()
@click.argument("name", required=False)
@json_option
@config_option
def verify(name: str | None, as_json: bool, config_path: Path | None) -> None:
    """Check installed models (or NAME): files present, archive checksum. Exit 1 on problems."""
    settings = settings_from(config_path)
    if name:
        entries = [_entry(name)]
    else:
        entries = [e for e in load_catalog() if (models_dir(settings) / e.name).is_dir()]
    checks = [verify_model(entry, settings) for entry in entries]
    failed = any(not check.ok for check in checks)
    if as_json:
        echo_json({"ok": not failed, "models": [c.model_dump() | {"ok": c.ok} for c in checks]})
    elif not checks:
        click.echo(f"no models installed in {models_dir(settings)}")
    for check in checks if not as_json else []:
        status = "ok" if check.ok else "FAILED"
        click.echo(f"{check.name}: {status} (checksum {check.checksum or 'n/a'})")
        for problem in check.problems:
            click.echo(f"    {problem}")
        if check.checksum == "unknown" and check.ok:
            click.echo(
                "    the catalog records no sha256 for this model; only its files were checked"
            )
    if failed:
        sys.exit(1)
