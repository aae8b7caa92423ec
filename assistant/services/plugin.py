"""The built-in services plugin: registers the sample mini-programs (the assistant builds the
directory from every plugin's services) and answers what is said to any mini-program."""

from __future__ import annotations

from collections.abc import Callable

from ..hookspecs import hookimpl
from ..messages import IntentRequest, Reply
from ..skillcontext import SkillContext

__all__ = ["handle_intent", "register_services"]

__version__ = "0.1.0"


@hookimpl
def register_services(register: Callable[..., None]) -> None:
    """The bundled sample mini-programs, each with its in-process handlers."""
    from .samples import bundled_services

    for manifest, handlers in bundled_services():
        register(manifest, handlers=handlers)


@hookimpl
def handle_intent(request: IntentRequest, context: SkillContext) -> Reply | None:
    """A mini-program's own intents (``app.<service>.<action>``), from its manifest."""
    from .appskill import answer

    return answer(request, context)
