"""The built-in services plugin: registers the sample mini-programs (the assistant builds the
directory from every plugin's services)."""

from __future__ import annotations

from collections.abc import Callable

from ..hookspecs import hookimpl

__all__ = ["register_services"]

__version__ = "0.1.0"


@hookimpl
def register_services(register: Callable[..., None]) -> None:
    """The bundled sample mini-programs, each with its in-process handlers."""
    from .samples import bundled_services

    for manifest, handlers in bundled_services():
        register(manifest, handlers=handlers)
