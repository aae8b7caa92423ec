"""The assistant: loads skills, recognises intents and runs the dialog for each utterance."""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .config import Settings, format_validation_error, load_settings
from .dialog import Session
from .errors import AssistantError, PluginError, ServiceError, TemplateError
from .messages import IntentRequest, Notice, Reply, Turn
from .nlu import Match, Matcher
from .pluginrun import PluginAborted, PluginTimeout, run_plugin_code
from .plugins import PluginRegistry, allowed_plugins, registry_for
from .skill import Skill
from .skillcontext import LoadedSkill, SkillContext
from .turns import Dialog

if TYPE_CHECKING:
    from .services.directory import ServiceDirectory
    from .services.voice import AppVoices

__all__ = ["Assistant"]

_LOGGER = logging.getLogger(__name__)

_MAX_TEXT = 1000  # characters of an utterance worth reading
_SERVICE_LIST = "ting.services"  # the value list a ``service`` slot becomes, for the matcher
_SERVICES_PLUGIN = "services"  # the core plugin that answers mini-programs' own intents
_DIRECTORY_INTENTS = ("miniprogram.",)  # finding, opening and closing mini programs
_OPEN_APP = "open_app"
_OUTHEARD = 5.0  # evidence with which a mini-program's action beats a partial template match
_PARTIAL_TEMPLATE = 0.85
APP_INTENT = "app."
_SESSION: contextvars.ContextVar[Session | None] = contextvars.ContextVar(
    "ting_session", default=None
)


class Assistant:
    """Skills, their matcher and the dialog; ``handle(text, session)`` answers one utterance."""

    def __init__(self, registry: PluginRegistry, settings: Settings) -> None:
        self.registry = registry
        self.settings = settings
        self.plugin_manager = registry.manager
        self.skills: dict[str, LoadedSkill] = {}
        self._owner_by_intent: dict[str, LoadedSkill] = {}
        self._handlers: dict[tuple[str, str], Any] = {}
        self._notice_failures: set[str] = set()
        self._collect_skills()
        self.services: ServiceDirectory | None = self._build_services()
        self.apps = self._build_apps()
        self.matcher = self._build_matcher()
        self.dialog = Dialog(self)
        self._closed = False
        self._call_hook_safely("assistant_startup", assistant=self)

    @classmethod
    def create(
        cls,
        settings: Settings | None = None,
        *,
        config: str | Path | None = None,
        plugins_dirs: Iterable[Path] = (),
        plugins: Sequence[object] = (),
        entry_points: bool = True,
        allow: Iterable[str] | None = None,
    ) -> Assistant:
        """Load settings and plugins and build an assistant.

        :param plugins_dirs: extra plugin folders (``--plugins-dir``); the configured user
            plugin directory is always searched too.
        :param plugins: plugin objects to register directly.
        :param entry_points: load installed skills (bundled and third-party); without them
            only the system skill (help, yes, no, cancel) is loaded besides ``plugins``.
        :param allow: only these plugin names (default: $TING_LOAD_PLUGINS, then the config).
        """
        settings = settings or load_settings(config)
        allow_set = (
            frozenset(allow) if allow is not None else allowed_plugins(settings.plugins.load)
        )
        registry = registry_for(
            settings,
            plugins_dirs=plugins_dirs,
            allow=allow_set,
            installed=entry_points,
            plugins=plugins,
        )
        return cls(registry, settings)

    # -- loading -------------------------------------------------------------------------

    @property
    def limit(self) -> float | None:
        """Seconds a plugin call may take (``plugins.timeout``; None: no limit)."""
        return self.settings.plugins.timeout or None

    def _collect_skills(self) -> None:
        """Each plugin's skills, all or none: every skill is checked before any is added."""
        hook = self.plugin_manager.hook.register_skills
        for impl in hook.get_hookimpls():  # registration order: the core plugins first
            plugin_name = impl.plugin_name
            collected: list[Skill] = []
            try:
                run_plugin_code(
                    partial(impl.function, register=collected.append),
                    f"plugin {plugin_name!r} in register_skills",
                    self.limit,
                )
                configs = self._check_skills(collected, plugin_name)
            except (PluginError, ValidationError, ValueError, TypeError, KeyError) as exc:
                self.registry.remove(plugin_name, _describe(exc))
                continue
            except Exception as exc:
                self.registry.remove(plugin_name, f"register_skills raised {exc!r}")
                continue
            for skill, config in zip(collected, configs, strict=True):
                self._add_skill(skill, plugin_name, config)

    def _check_skills(self, skills: list[Skill], plugin_name: str) -> list[Any]:
        """Each skill's validated config; PluginError for the first problem in any of them."""
        names: set[str] = set()
        intents: set[str] = set()
        configs = []
        for skill in skills:
            self._check_new_skill(skill, plugin_name)
            if skill.name in names:
                raise PluginError(f"skill {skill.name!r} is registered twice")
            for intent in skill.intents:
                if intent.name in intents:
                    raise PluginError(f"intent {intent.name!r} is registered twice")
                intents.add(intent.name)
            names.add(skill.name)
            configs.append(self._config_of(skill))
        return configs

    def _config_of(self, skill: Skill) -> Any:
        if skill.config_model is None:
            return None
        section = self.settings.skills.get(skill.name, {})
        try:
            return skill.config_model.model_validate(section)
        except ValidationError as exc:
            problem = format_validation_error(exc, self.settings.source, ("skills", skill.name))
            raise PluginError(problem) from None

    def _check_new_skill(self, skill: Skill, plugin_name: str) -> None:
        if not isinstance(skill, Skill):
            raise PluginError(f"register() expects a Skill, got {type(skill).__name__}")
        if skill.name in self.skills:
            other = self.skills[skill.name].plugin
            raise PluginError(f"skill {skill.name!r} is already registered by plugin {other!r}")
        for intent in skill.intents:
            if intent.name in self._owner_by_intent:
                other = self._owner_by_intent[intent.name].plugin
                raise PluginError(
                    f"intent {intent.name!r} is already registered by plugin {other!r}"
                )

    def _add_skill(self, skill: Skill, plugin_name: str, config: Any) -> None:
        info = self.registry.info[plugin_name]
        loaded = LoadedSkill(
            skill=skill,
            plugin=plugin_name,
            origin=info.origin,
            version=skill.version or info.version,
            config=config,
        )
        self.skills[skill.name] = loaded
        for intent in skill.intents:
            self._owner_by_intent[intent.name] = loaded

    def _build_matcher(self) -> Matcher:
        matcher = self._template_matcher()
        nlu = self.settings.nlu
        if nlu.learned:
            matcher.learn(self.settings.cache_dir, accept=nlu.learned_accept, ask=nlu.learned_ask)
        return matcher

    def _template_matcher(self) -> Matcher:
        threshold = self.settings.nlu.threshold
        try:
            return Matcher.build(self._matched_skills(), threshold=threshold)
        except TemplateError:
            pass
        broken: dict[str, str] = {}  # plugin -> the first problem found in one of its skills
        for loaded in self.skills.values():  # find the broken skill(s)
            try:
                Matcher.build([self._for_matcher(loaded.skill)], threshold=threshold)
            except TemplateError as exc:
                broken.setdefault(loaded.plugin, str(exc))
        for plugin_name, problem in broken.items():
            self._remove_plugin(plugin_name, problem)
        return Matcher.build(self._matched_skills(), threshold=threshold)

    def _matched_skills(self) -> list[Skill]:
        return [self._for_matcher(loaded.skill) for loaded in self.skills.values()]

    def _for_matcher(self, skill: Skill) -> Skill:
        """The skill as the matcher sees it: each ``service`` slot a list of the directory's
        mini-programs (names, aliases and ids), after the skill's own list if it names one."""
        slots = [s for i in skill.intents for s in i.slots.values() if s.type == "service"]
        if not slots or self.services is None:
            return skill
        names = {
            slot.list: self.services.spoken_names(skill.lists.get(slot.list or ""))
            for slot in slots
        }
        lists = {**skill.lists, **{_SERVICE_LIST + (key or ""): v for key, v in names.items()}}
        intents = tuple(
            intent.model_copy(
                update={
                    "slots": {
                        name: slot.model_copy(
                            update={"type": "list", "list": _SERVICE_LIST + (slot.list or "")}
                        )
                        if slot.type == "service"
                        else slot
                        for name, slot in intent.slots.items()
                    }
                }
            )
            for intent in skill.intents
        )
        return skill.model_copy(update={"intents": intents, "lists": lists})

    def _build_services(self) -> ServiceDirectory:
        """The service directory: every plugin's services, then the manifest folder."""
        from .services.catalog import build_directory

        directory = build_directory(self.plugin_manager, self.settings)
        for problem in directory.problems:
            _LOGGER.warning("service skipped: %s", problem)
        return directory

    def _build_apps(self) -> AppVoices | None:
        """What can be said to each mini-program, from its manifest (built on first use)."""
        from .services.voice import AppVoices

        if self.services is None or not self.settings.services.voice:
            return None
        return AppVoices(self.services, threshold=self.settings.nlu.threshold)

    def _remove_plugin(self, plugin_name: str, problem: str) -> None:
        """Take a plugin out wholly: every skill it registered, and its hooks."""
        for name in [n for n, s in self.skills.items() if s.plugin == plugin_name]:
            loaded = self.skills.pop(name)
            for intent in loaded.skill.intents:
                self._owner_by_intent.pop(intent.name, None)
        self._handlers = {k: v for k, v in self._handlers.items() if k[1] != plugin_name}
        self.registry.remove(plugin_name, problem)

    # -- answering -----------------------------------------------------------------------

    @property
    def failures(self) -> list[str]:
        """One line per plugin that was skipped."""
        return [str(failure) for failure in self.registry.failures]

    def intent_owner(self, intent: str) -> LoadedSkill | None:
        """The skill that registered an intent (for a mini-program's intent, the skill its
        manifest makes)."""
        owner = self._owner_by_intent.get(intent)
        if owner is None and self.apps is not None and intent.startswith(APP_INTENT):
            return self._app_skill(intent)
        return owner

    def _app_skill(self, intent: str) -> LoadedSkill | None:
        from .services.voice import split_intent

        parts = split_intent(intent)
        voice = self.apps.voice(parts[0]) if self.apps is not None and parts else None
        if voice is None or parts is None:
            return None
        try:
            voice.skill.intent(intent)
        except KeyError:
            return None
        info = self.registry.info.get(_SERVICES_PLUGIN)
        return LoadedSkill(
            skill=voice.skill,
            plugin=_SERVICES_PLUGIN,
            origin="manifest",
            version=info.version if info is not None else None,
        )

    def new_session(self) -> Session:
        """A fresh conversation."""
        return Session()

    def handle(self, text: str, session: Session | None = None) -> Turn:
        """Answer one utterance within a session (a fresh one if none is given)."""
        started = time.perf_counter()
        session = session if session is not None else self.new_session()
        text = _clean(text)
        token = _SESSION.set(session)
        try:
            turn = self.dialog.turn(text, session)
        finally:
            _SESSION.reset(token)
        turn = turn.model_copy(update={"total_ms": (time.perf_counter() - started) * 1000})
        session.turns += 1
        self._call_hook_safely("observe_turn", turn=turn)
        return turn

    def recognise(
        self, text: str, intents: Iterable[str] | None = None
    ) -> tuple[Match | None, float]:
        """(best match above the threshold or None, milliseconds spent)."""
        started = time.perf_counter()
        match = self.matcher.match(text, intents=set(intents) if intents is not None else None)
        if intents is None and self.apps is not None:
            match = self._app_match(text, match) or match
        return match, (time.perf_counter() - started) * 1000

    def _app_match(self, text: str, main: Match | None) -> Match | None:
        """What the sentence asks of a mini-program, when that is what it asks.

        A mini-program the sentence names wins, unless a skill's match already names it;
        the open one, or one the directory finds, answers what the skills did not
        understand (or the learned layer only guessed).
        """
        from .dialog import HELP, SYSTEM_INTENTS
        from .services.voice import HELP_ACTION, intent_name

        assert self.apps is not None
        if main is not None and (
            (main.intent in SYSTEM_INTENTS and main.intent != HELP)
            or main.intent.startswith(_DIRECTORY_INTENTS)
        ):
            return None
        session = _SESSION.get()
        opened = session.shared_state.get(_OPEN_APP) if session is not None else None
        open_app = opened if isinstance(opened, str) else None
        heard = self.apps.hear(text, open_app=open_app)
        if heard is None:
            if main is None or main.intent != HELP or open_app is None:
                return None
            if self.apps.voice(open_app) is None:
                return None
            intent = intent_name(open_app, HELP_ACTION)  # "what can i do here?"
            return Match(intent=intent, skill=f"app_{open_app}", slots={}, confidence=1.0)
        if main is not None and main.layer == "templates" and main.intent != HELP:
            named = heard.via == "named" and not self._names_service(main, heard.service)
            # A template that explains a sentence only in part ("find me a train from
            # beijing to shanghai" as a travel guide) gives way to a mini-program that hears
            # every part of it.
            outheard = heard.score >= _OUTHEARD and main.confidence < _PARTIAL_TEMPLATE
            if not (named or outheard):
                return None
        elif main is not None and main.layer == "learned" and heard.via == "routed":
            if heard.score < _OUTHEARD:
                return None
        slots = self._carried(heard, session, text)
        return Match(
            intent=heard.intent,
            skill=f"app_{heard.service}",
            slots=slots,
            confidence=heard.confidence,
            ambiguous=heard.ambiguous,
            layer="apps",
        )

    def _names_service(self, match: Match, service: str) -> bool:
        """Whether a slot of ``match`` holds that mini-program (by name, alias or id)."""
        assert self.services is not None
        return any(
            isinstance(value, str) and self.services.names.exact(value) == service
            for value in match.slots.values()
        )

    def _carried(self, heard: Any, session: Session | None, text: str) -> dict[str, Any]:
        """The heard slots, with what the mini-program's last call gave that this action
        also takes ("book the first one" after a search: its cities and its first train)."""
        from .services.appskill import LAST_CALL
        from .services.voice import ordinal

        slots = dict(heard.slots)
        last = session.shared_state.get(LAST_CALL, {}).get(heard.service) if session else None
        voice = self.apps.voice(heard.service) if self.apps is not None else None
        if not last or voice is None:
            return slots
        _, args, entries = last
        params = voice.actions[heard.action].params
        pick = ordinal(text, len(entries)) if entries else None
        for name in params:
            if name in slots:
                continue
            if pick is not None and name in entries[pick]:
                slots[name] = entries[pick][name]
            elif name in args:
                slots[name] = args[name]
        return slots

    def guess(self, text: str) -> tuple[Match, str] | None:
        """What the learned layer thinks ``text`` means when it is not sure enough to act,
        with a sentence of the intent's templates that says it; None if it has no guess."""
        match = self.matcher.guess(text)
        if match is None or self.intent_owner(match.intent) is None:
            return None
        sentence = self.matcher.sentence(match.intent, match.slots)
        if sentence is None:
            spec = self.intent_owner(match.intent).skill.intent(match.intent)  # type: ignore[union-attr]
            sentence = (spec.description or match.intent).rstrip(".").lower()
        return match, sentence

    def parse_slot(self, text: str, skill: str, intent: str, slot: str) -> str | int | None:
        """The value of one slot in a follow-up answer ("a latte please"), or None."""
        if self.apps is not None and intent.startswith(APP_INTENT):
            return self.apps.parse_slot(text, intent, slot)
        return self.matcher.parse_slot(text, skill, intent, slot)

    def context(self, loaded: LoadedSkill, session: Session) -> SkillContext:
        """What a skill's hooks can reach in ``session``."""
        return SkillContext(
            skill=loaded,
            state=session.state_for(loaded.name),
            session_state=session.shared_state,
            skills=tuple(self.skills.values()),
            data_dir=self.settings.data_dir / "skills" / loaded.name,
            settings=self.settings,
            services=self.services,
        )

    def notices(self, session: Session, now: float | None = None) -> list[Notice]:
        """What the skills have to tell the user unprompted now (a timer that ended).

        Each skill's ``due_notices`` hook is asked once; a failing skill is logged and
        skipped.
        """
        now = time.time() if now is None else now
        out: list[Notice] = []
        for loaded in tuple(self.skills.values()):
            caller = self._one_plugin("due_notices", loaded.plugin)
            if not caller.get_hookimpls():
                continue
            context = self.context(loaded, session)
            try:
                results = run_plugin_code(
                    partial(caller, context=context, now=now),
                    f"skill {loaded.name!r} in due_notices",
                    self.limit,
                    key=f"{loaded.plugin}:due_notices",
                )
            except Exception as exc:
                # Asked twice a second: a skill that keeps failing is logged once, not each time.
                if loaded.name not in self._notice_failures:
                    self._notice_failures.add(loaded.name)
                    _LOGGER.error("skill %s failed to tell what is due: %s", loaded.name, exc)
                _LOGGER.debug("skill %s failed to tell what is due", loaded.name, exc_info=True)
                continue
            for texts in results:
                if not isinstance(texts, list | tuple):
                    continue
                out.extend(
                    Notice(skill=loaded.name, text=text.strip())
                    for text in texts
                    if isinstance(text, str) and text.strip()
                )
        return out

    def call_skill(self, loaded: LoadedSkill, request: IntentRequest, session: Session) -> Reply:
        """Call the skill that owns ``request.intent``; failures become an apology."""
        context = self.context(loaded, session)
        caller = self._one_plugin("handle_intent", loaded.plugin)
        try:
            reply = run_plugin_code(
                lambda: caller(request=request, context=context),
                f"skill {loaded.name!r} in handle_intent",
                self.limit,
                key=f"{loaded.plugin}:handle_intent",
            )
        except PluginTimeout as exc:
            _LOGGER.error("%s", exc)
            return Reply(text=f"Sorry, the {loaded.name} skill is taking too long to answer.")
        except PluginAborted as exc:
            _LOGGER.error("%s", exc)
            return Reply(
                text=f"Sorry, the {loaded.name} skill ran into a problem. Please try again."
            )
        except ServiceError as exc:  # a short apology naming the service; the dialog goes on
            _LOGGER.warning("skill %s: %s", loaded.name, exc)
            reason = getattr(exc, "reason", None)
            return Reply(
                text=f"Sorry, {str(exc).rstrip('.')}.",
                service=getattr(exc, "service", None),
                action=getattr(exc, "action", None),
                data={"error": reason} if reason else {},
            )
        except AssistantError as exc:
            return Reply(text=f"Sorry, {exc}")
        except Exception:
            _LOGGER.exception("skill %s failed on %s", loaded.name, request.intent)
            return Reply(
                text=f"Sorry, the {loaded.name} skill ran into a problem. Please try again."
            )
        if reply is None:
            return Reply(text=f"Sorry, the {loaded.name} skill could not handle that.")
        if not isinstance(reply, Reply):
            _LOGGER.error("skill %s returned %r instead of a Reply", loaded.name, reply)
            return Reply(text=f"Sorry, the {loaded.name} skill gave an answer I cannot read.")
        return reply

    def _one_plugin(self, hook: str, plugin_name: str) -> Any:
        """A hook of one plugin only (built once per hook and plugin)."""
        caller = self._handlers.get((hook, plugin_name))
        if caller is None:
            owner = self.plugin_manager.get_plugin(plugin_name)
            others = [p for p in self.plugin_manager.get_plugins() if p is not owner]
            caller = self.plugin_manager.subset_hook_caller(hook, others)
            self._handlers[(hook, plugin_name)] = caller
        return caller

    def close(self) -> None:
        """Tell plugins the assistant is shutting down (once)."""
        if not self._closed:
            self._closed = True
            self._call_hook_safely("assistant_shutdown", assistant=self)
            if self.services is not None:
                self.services.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call_hook_safely(self, name: str, **kwargs: Any) -> None:
        for impl in getattr(self.plugin_manager.hook, name).get_hookimpls():
            args = {k: v for k, v in kwargs.items() if k in impl.argnames}
            try:
                run_plugin_code(
                    partial(impl.function, **args),
                    f"plugin {impl.plugin_name!r} in {name}",
                    self.limit,
                    key=f"{impl.plugin_name}:{name}",
                )
            except PluginError as exc:  # too slow, or it tried to end Ting
                _LOGGER.error("%s", exc)
            except Exception:
                _LOGGER.exception("plugin %s failed in %s", impl.plugin_name, name)


def _clean(text: str) -> str:
    """Printable text, trimmed to a sane length."""
    text = "".join(ch if ch.isprintable() else " " for ch in text[: _MAX_TEXT * 4])
    return " ".join(text.split())[:_MAX_TEXT]


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        loc = ".".join(str(part) for part in error["loc"])
        return f"invalid skill declaration: {loc}: {error['msg']}"
    return str(exc)
