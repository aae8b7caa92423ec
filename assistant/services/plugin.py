"""The built-in services plugin: registers the sample mini-programs and attaches the directory."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..hookspecs import hookimpl

if TYPE_CHECKING:
    from ..assistant import Assistant

__all__ = ["assistant_shutdown", "assistant_startup", "register_services"]

_LOGGER = logging.getLogger(__name__)

__version__ = "0.1.0"


@hookimpl
def register_services(register: Callable[..., None]) -> None:
    """The bundled sample mini-programs, each with its in-process handlers."""
    from .samples import bundled_services

    for manifest, handlers in bundled_services():
        register(manifest, handlers=handlers)


@hookimpl
def assistant_startup(assistant: Assistant) -> None:
    """Build the service directory from every plugin and the manifest folder."""
    from .catalog import build_directory

    directory = build_directory(assistant.plugin_manager, assistant.settings)
    for problem in directory.problems:
        _LOGGER.warning("service skipped: %s", problem)
    assistant.services = directory


@hookimpl
def assistant_shutdown(assistant: Assistant) -> None:
    """Close the directory (HTTP client, worker threads, index)."""
    services: Any = assistant.services
    if services is not None and hasattr(services, "close"):
        services.close()
