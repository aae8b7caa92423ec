"""Fetching models: resumable HTTP downloads, checksums, and unpacking into the cache atomically."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from ..errors import ModelError
from .models import INSTALL_RECORD, layout_problem

if TYPE_CHECKING:
    from .models import CatalogEntry

__all__ = ["fetch", "install", "sha256_of"]

_LOGGER = logging.getLogger(__name__)

_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def install(
    entry: CatalogEntry, root: Path, *, source: str | None = None, progress: bool = True
) -> Path:
    """Install ``entry`` under ``root / entry.name`` and return that folder.

    ``source`` is a local archive, an unpacked model folder, or a mirror URL (for Hugging Face
    models, a mirror endpoint). Nothing is left half-installed: the model is unpacked into a
    temporary folder next to its destination and renamed into place once it checks out.
    """
    root.mkdir(parents=True, exist_ok=True)
    local = Path(source).expanduser() if source and "://" not in source else None
    if local is not None and not local.exists():
        raise ModelError(f"{source}: no such file or folder; give an archive, folder or URL")
    staging = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", dir=root))
    try:
        record: dict[str, Any] = {"name": entry.name, "engine": entry.engine, "sha256": None}
        if local is not None and local.is_dir():
            shutil.copytree(local, staging / "model")
            record["source"] = str(local.resolve())
        elif entry.archive == "huggingface" and local is None:
            _snapshot(entry, staging / "model", endpoint=source, progress=progress)
            record["source"] = source or entry.url
        else:
            if local is not None:
                archive = local
                record["source"] = str(local.resolve())
            else:
                archive = fetch(entry, root, url=source or entry.url, progress=progress)
                record["source"] = source or entry.url
            record["sha256"] = _check_archive(entry, archive)
            _unpack(archive, staging / "unpacked")
            _top(staging / "unpacked").rename(staging / "model")
            if local is None:
                archive.unlink()
        model = staging / "model"
        problem = layout_problem(entry.engine, model)
        if problem is not None:
            raise ModelError(f"{entry.name}: the download holds no model ({problem})")
        record["installed_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        (model / INSTALL_RECORD).write_text(json.dumps(record, indent=2), encoding="utf-8")
        return _replace(model, root / entry.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def fetch(entry: CatalogEntry, root: Path, *, url: str, progress: bool = True) -> Path:
    """Download ``url`` into ``root / NAME.part``, resuming what an earlier attempt left."""
    part = root / f"{entry.name}.part"
    have = part.stat().st_size if part.exists() else 0
    if entry.size_exact and have == entry.size:
        return part  # complete already; the checksum decides
    if entry.size_exact and have > entry.size:
        part.unlink()
        have = 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        with httpx.stream(
            "GET", url, headers=headers, follow_redirects=True, timeout=_TIMEOUT
        ) as response:
            if response.status_code == 416 and have:
                _LOGGER.info("%s: server refused to resume; starting over", entry.name)
                part.unlink()
                return fetch(entry, root, url=url, progress=progress)
            response.raise_for_status()
            if have and response.status_code != 206:
                have = 0  # the server ignored the range: start over
            elif have:
                _LOGGER.info("%s: resuming at %d bytes", entry.name, have)
            length = response.headers.get("Content-Length")
            total = have + int(length) if length and length.isdigit() else entry.size
            with (
                part.open("ab" if have else "wb") as out,
                _bar(entry.name, total, have, progress) as advance,
            ):
                for block in response.iter_bytes():
                    out.write(block)
                    advance(len(block))
    except httpx.HTTPStatusError as exc:
        raise ModelError(
            f"downloading {entry.name} from {url} failed: HTTP {exc.response.status_code}"
        ) from exc
    except httpx.HTTPError as exc:
        raise ModelError(
            f"downloading {entry.name} from {url} failed ({exc or type(exc).__name__}); "
            "the partial download is kept and the next attempt resumes it"
        ) from exc
    return part


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_archive(entry: CatalogEntry, archive: Path) -> str:
    size = archive.stat().st_size
    if entry.size_exact and size != entry.size:
        _discard_part(entry, archive)
        raise ModelError(
            f"{archive.name}: {size} bytes, but {entry.name} is {entry.size} bytes; "
            "the file is damaged or not this model, so it was not installed"
        )
    digest = sha256_of(archive)
    if entry.sha256 is not None and digest != entry.sha256:
        _discard_part(entry, archive)
        raise ModelError(
            f"{archive.name}: sha256 {digest} does not match {entry.name}'s {entry.sha256}; "
            "the file is damaged or not this model, so it was not installed"
        )
    if entry.sha256 is None:
        _LOGGER.warning("%s: no checksum in the catalog; archive sha256 is %s", entry.name, digest)
    return digest


def _discard_part(entry: CatalogEntry, archive: Path) -> None:
    if archive.name == f"{entry.name}.part":
        archive.unlink(missing_ok=True)  # a bad download must not be resumed


def _unpack(archive: Path, target: Path) -> None:
    target.mkdir()
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as bundle:
                bundle.extractall(target)  # zipfile drops ".." and absolute parts
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as bundle:
                bundle.extractall(target, filter="data")
        else:
            raise ModelError(f"{archive}: not a zip or tar archive; give the model's archive")
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as exc:
        raise ModelError(f"{archive}: cannot unpack the archive ({exc}); fetch it again") from exc


def _top(folder: Path) -> Path:
    """The model folder inside an unpacked archive: its single top folder, or the whole."""
    entries = [p for p in folder.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else folder


def _replace(model: Path, destination: Path) -> Path:
    old = None
    if destination.exists():
        old = destination.with_name(f".{destination.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        destination.rename(old)
    model.rename(destination)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    _LOGGER.info("installed %s", destination)
    return destination


def _snapshot(entry: CatalogEntry, target: Path, *, endpoint: str | None, progress: bool) -> None:
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise ModelError(
            f"fetching {entry.name} needs huggingface_hub (pip install 'ting[whisper]'); "
            f"or install from a folder: `assistant models download {entry.name} --from DIR`"
        ) from exc
    try:
        snapshot_download(entry.repo_id, local_dir=str(target), endpoint=endpoint)
    except Exception as exc:  # network, HTTP and repository errors of huggingface_hub
        raise ModelError(
            f"downloading {entry.name} from {endpoint or entry.url} failed ({exc})"
        ) from exc
    shutil.rmtree(target / ".cache", ignore_errors=True)


@contextlib.contextmanager
def _bar(name: str, total: int, done: int, show: bool) -> Iterator[Any]:
    if not show:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(name, total=total, completed=done)
        yield lambda n: bar.advance(task, n)
