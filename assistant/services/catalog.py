"""Collecting services: from plugins through register_services and from a manifest folder."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import platformdirs
import pluggy
from pydantic import ValidationError

from ..config import APP_NAME, Settings
from ..errors import PluginError
from ..pluginrun import run_plugin_code
from .directory import ServiceDirectory
from .invoke import Handler, ServiceEntry
from .manifest import (
    MANIFEST_SUFFIXES,
    ManifestError,
    ServiceManifest,
    describe_validation_error,
    load_manifest_file,
)

__all__ = ["Catalog", "build_directory", "manifest_folder"]

_LOGGER = logging.getLogger(__name__)


def manifest_folder(settings: Settings) -> Path:
    """The folder of extra manifest files: the setting, else the user config dir / services."""
    return settings.services.manifests or platformdirs.user_config_path(APP_NAME) / "services"


class Catalog:
    """Service entries being collected; invalid and duplicate ones are refused by name.

    :param strict: raise ManifestError on the first problem instead of recording it.
    """

    def __init__(self, *, strict: bool = False) -> None:
        self.entries: dict[str, ServiceEntry] = {}
        self.problems: list[str] = []
        self.strict = strict

    def add(
        self,
        manifest: ServiceManifest | Mapping[str, Any],
        source: str,
        handlers: Mapping[str, Handler] | None = None,
    ) -> ServiceEntry:
        """Validate one service and add it; ManifestError names the source and the problem."""
        if not isinstance(manifest, ServiceManifest):
            try:
                manifest = ServiceManifest.model_validate(manifest)
            except ValidationError as exc:
                problem = describe_validation_error(exc)
                raise ManifestError(f"{source}: invalid manifest: {problem}") from exc
        handlers = dict(handlers or {})
        _check_handlers(manifest, handlers, source)
        other = self.entries.get(manifest.id)
        if other is not None:
            raise ManifestError(
                f"{source}: service id {manifest.id!r} is already declared by {other.source}; "
                "rename one of them"
            )
        entry = ServiceEntry(manifest, source, handlers)
        self.entries[manifest.id] = entry
        return entry

    def _problem(self, exc: Exception) -> None:
        if self.strict:
            raise exc
        _LOGGER.debug("%s", exc)  # whoever builds the directory tells its problems, once
        self.problems.append(str(exc))

    def add_from_plugins(self, manager: pluggy.PluginManager) -> None:
        """Call every plugin's register_services in the order plugins were loaded (bundled ones
        first, so a later plugin cannot take over their ids).

        A plugin's services are added all or none: each is checked first, and one invalid
        manifest (or the hook failing) skips every service of that plugin.
        """
        for impl in manager.hook.register_services.get_hookimpls():
            source = f"plugin {impl.plugin_name!r}"
            offered: list[tuple[Any, Mapping[str, Handler] | None]] = []

            def register(
                manifest: ServiceManifest | Mapping[str, Any],
                handlers: Mapping[str, Handler] | None = None,
                _into: list[tuple[Any, Mapping[str, Handler] | None]] = offered,
            ) -> None:
                _into.append((manifest, handlers))

            try:
                run_plugin_code(
                    partial(impl.function, register=register), f"{source} in register_services"
                )
            except PluginError as exc:  # too slow, or it tried to end Ting
                self._problem(ManifestError(f"{exc}"))
                continue
            except Exception as exc:
                self._problem(ManifestError(f"{source}: register_services raised {exc!r}"))
                continue
            before = dict(self.entries)
            try:
                for manifest, handlers in offered:
                    self.add(manifest, source, handlers)
            except ManifestError as exc:
                self.entries = before  # none of this plugin's services
                self._problem(exc)

    def add_folder(self, folder: Path) -> None:
        """Add the remote services described by *.json / *.toml files in a folder."""
        if not folder.is_dir():
            return
        for path in sorted(folder.iterdir()):
            if path.suffix not in MANIFEST_SUFFIXES or path.name.startswith("."):
                continue
            try:
                manifest = load_manifest_file(path)
                if not manifest.remote:
                    raise ManifestError(
                        f"{path}: a manifest file needs a base_url (in-process services "
                        "come from plugins)"
                    )
                self.add(manifest, str(path))
            except ManifestError as exc:
                self._problem(exc)

    def directory(self, settings: Settings | None = None, **kwargs: Any) -> ServiceDirectory:
        """A directory over the collected services (in memory without settings)."""
        if settings is not None:
            kwargs.setdefault("data_dir", settings.data_dir)
            kwargs.setdefault("timeout", settings.services.timeout)
            kwargs.setdefault("retries", settings.services.retries)
            kwargs.setdefault("prefer", settings.services.prefer)
        return ServiceDirectory(self.entries.values(), problems=self.problems, **kwargs)


def _check_handlers(manifest: ServiceManifest, handlers: Mapping[str, Any], source: str) -> None:
    if manifest.remote:
        if handlers:
            raise ManifestError(f"{source}: service {manifest.id!r} has a base_url and handlers")
        return
    for name, handler in handlers.items():
        if manifest.action(name) is None:
            raise ManifestError(f"{source}: handler for unknown action {manifest.id}.{name}")
        if not callable(handler):
            raise ManifestError(f"{source}: handler {manifest.id}.{name} is not callable")
    missing = [a.name for a in manifest.actions if a.name not in handlers]
    if missing:
        raise ManifestError(
            f"{source}: service {manifest.id!r} has no base_url and no handler for "
            f"{', '.join(missing)}"
        )


def build_directory(
    manager: pluggy.PluginManager, settings: Settings, *, strict: bool = False
) -> ServiceDirectory:
    """The directory of every service: plugins first, then the manifest folder."""
    catalog = Catalog(strict=strict)
    catalog.add_from_plugins(manager)
    catalog.add_folder(manifest_folder(settings))
    return catalog.directory(settings)
