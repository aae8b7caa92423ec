"""Every hook a Ting plugin can implement, and the markers that declare them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import pluggy

if TYPE_CHECKING:
    from .assistant import Assistant
    from .config import SpeechSettings
    from .messages import IntentRequest, Reply, Turn
    from .skill import Skill
    from .skillcontext import SkillContext

__all__ = [
    "PROJECT",
    "RegisterEngine",
    "RegisterService",
    "RegisterSkill",
    "hookimpl",
    "hookspec",
]

PROJECT = "ting"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class RegisterSkill(Protocol):
    """The ``register`` of :func:`register_skills`."""

    def __call__(self, skill: Skill, /) -> None: ...


class RegisterService(Protocol):
    """The ``register`` of :func:`register_services`."""

    def __call__(
        self,
        manifest: Mapping[str, Any] | Any,
        /,
        handlers: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None: ...


class RegisterEngine(Protocol):
    """The ``register`` of :func:`register_engines`."""

    def __call__(
        self, name: str, factory: Callable[[str | None, SpeechSettings], Any], /
    ) -> None: ...


@hookspec
def register_skills(register: RegisterSkill) -> None:
    """Register the skills a plugin provides.

    :param register: call it once per skill with a :class:`~assistant.skill.Skill`: its
        intents (templates, slots, examples), value lists and config model. The assistant
        validates each skill and refuses a skill name or intent name that another plugin
        already registered, naming both plugins.
    :return: nothing.
    """


@hookspec(firstresult=True)
def handle_intent(request: IntentRequest, context: SkillContext) -> Reply | None:
    """Handle a recognised intent that this plugin registered.

    Called only on the plugin that registered ``request.intent``, after every required slot
    is filled. For an intent declared with ``side_effects = true`` the assistant first calls
    it with ``request.confirmed`` false: the skill looks things up and returns a reply with
    ``confirm=True`` asking the question ("Order a large latte from Starbucks for 32 yuan?").
    Only after the user says yes is it called again with ``request.confirmed`` true, and only
    then may it act.

    :param request: the intent, its slots, the utterance and whether the user confirmed.
    :param context: the session state, the skill's validated config, the service directory
        and the other loaded skills.
    :return: a :class:`~assistant.messages.Reply`, or ``None`` if the plugin does not
        handle this intent.
    """


@hookspec
def due_notices(context: SkillContext, now: float) -> list[str] | None:
    """What a skill has to tell the user unprompted, now: a timer that ended.

    The conversations that stay open (`assistant chat`, `assistant run` on the microphone)
    ask about twice a second, once for each skill the plugin registered; a one-shot
    `assistant say` does not ask. Answer quickly, without waiting on anything, and tell
    each thing once: keep track of what was told (in ``context.data_dir``, so that what
    came due while Ting was not running is told when it next runs).

    :param context: the skill asked for (``context.skill``), with its config, data folder and
        the state of the current session.
    :param now: the time, as :func:`time.time` gives it.
    :return: the texts to tell, in order, or ``None`` when there is nothing.
    """


@hookspec
def register_services(register: RegisterService) -> None:
    """Contribute mini-program services to the service directory.

    :param register: call it with a service manifest (a
        :class:`~assistant.services.manifest.ServiceManifest` or a dict of one) and, for an
        in-process service (no ``base_url``), ``handlers=`` a mapping of every action name to
        a callable ``(args: dict, context: CallContext) -> dict``
        (:class:`~assistant.services.invoke.CallContext`: the store, the time, the
        idempotency key and, for an action with side effects, the open transaction to
        write in). A plugin's services load all or none: a manifest that is invalid,
        repeats an id another source declared, or whose handlers do not match its actions
        skips every service of that plugin, with a warning naming it.
    :return: nothing.
    """


@hookspec
def register_engines(register: RegisterEngine) -> None:
    """Register speech recognition engines.

    :param register: call it with an engine name and a factory
        ``(model: str | None, settings: SpeechSettings) -> Recognizer``.
    :return: nothing.
    """


@hookspec
def assistant_startup(assistant: Assistant) -> None:
    """Called once after every plugin is loaded and the assistant is ready.

    :param assistant: the assistant that started; plugins may keep a reference.
    :return: nothing.
    """


@hookspec
def assistant_shutdown(assistant: Assistant) -> None:
    """Called once when the assistant closes, to release resources (threads, files).

    :param assistant: the assistant that is shutting down.
    :return: nothing.
    """


@hookspec
def observe_turn(turn: Turn) -> None:
    """Observe each completed turn (for logging and metrics); must not change it.

    :param turn: the utterance, what was recognised, the reply and how long it took.
    :return: nothing.
    """
