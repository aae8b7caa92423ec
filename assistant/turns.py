"""The dialog steps of one turn: answer a pending question, or recognise and dispatch."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from .dialog import (
    ASIDES,
    CANCEL,
    CONFIRM,
    DENY,
    SYSTEM_INTENTS,
    PendingConfirmation,
    PendingGuess,
    PendingSlot,
    Session,
)
from .messages import IntentRequest, Reply, Turn
from .nlu import Match, normalize
from .skill import SlotValue
from .skillcontext import LoadedSkill

__all__ = ["MAX_REPROMPTS", "NOT_UNDERSTOOD", "Dialog", "DialogHost", "run_turn"]


class DialogHost(Protocol):
    """What the dialog needs from whoever runs it: matching, slot parsing, the skills."""

    @property
    def skills(self) -> Mapping[str, LoadedSkill]: ...

    def recognise(
        self, text: str, intents: Iterable[str] | None = None
    ) -> tuple[Match | None, float]: ...

    def parse_slot(self, text: str, skill: str, intent: str, slot: str) -> str | int | None: ...

    def intent_owner(self, intent: str) -> LoadedSkill | None: ...

    def call_skill(
        self, loaded: LoadedSkill, request: IntentRequest, session: Session
    ) -> Reply: ...

    # Optional: ``guess(text) -> tuple[Match, str] | None``, a match the host is not sure of
    # with a sentence that says it, for asking "Did you mean ...?" (see Assistant.guess).


class Dialog:
    """Follow-ups, confirmation, corrections and cancel over a :class:`DialogHost`.

    The assistant composes one; a test can run it over any host.
    """

    def __init__(self, host: DialogHost) -> None:
        self.host = host

    def turn(self, text: str, session: Session) -> Turn:
        """Everything that happens to one utterance, with the session updated."""
        return run_turn(self.host, text, session)


_NEGATIONS = frozenset({"not", "never", "without", "nor"})
"""Words that make an answer say what not to do: it changes nothing."""

_FOLLOW_UP_WORDS = 4
NOT_UNDERSTOOD = 'Sorry, I didn\'t understand that. Say "help" to hear what I can do.'
MAX_REPROMPTS = 2


def run_turn(assistant: DialogHost, text: str, session: Session) -> Turn:
    """Everything that happens to one utterance, with the session updated."""
    if not any(ch.isalnum() for ch in text):
        return _not_understood(text, session)
    if session.pending_guess is not None:
        answered = _answer_guess(assistant, text, session)
        if answered is not None:
            return answered
    if session.pending_confirmation is not None:
        return _answer_confirmation(assistant, text, session)
    if session.pending_slot is not None:
        return _answer_slot(assistant, text, session)
    match, nlu_ms = assistant.recognise(text)
    if match is None or (_short(text) and _loose(match, session)):
        # "what about shanghai" after a forecast: the last request again, rather than what
        # the learned layer, or another mini-program, makes of a few words alone.
        followed = _follow_up(assistant, text, session, nlu_ms)
        if followed is not None:
            return followed
    if match is None:
        return _ask_guess(assistant, text, session, nlu_ms) or _not_understood(
            text, session, nlu_ms
        )
    return _dispatch(assistant, text, session, match, nlu_ms)


def _loose(match: Match, session: Session) -> bool:
    """A match a follow-up of the last request goes before: the learned layer's, or a
    mini-program's other than the one last asked ("what about the seven" after a bus)."""
    if match.layer == "learned":
        return True
    return match.layer == "apps" and (session.last is None or session.last[0] != match.skill)


def _short(text: str) -> bool:
    """Few enough words to be a follow-up ("what about tomorrow?") rather than a request."""
    return len(normalize(text)) <= _FOLLOW_UP_WORDS


def _ask_guess(assistant: DialogHost, text: str, session: Session, nlu_ms: float) -> Turn | None:
    """ "Did you mean: order a macchiato?" for what the host is not sure it understood."""
    guess = getattr(assistant, "guess", None)
    found = guess(text) if guess is not None else None
    if found is None:
        return None
    match, sentence = found
    question = f"Did you mean: {sentence}?"
    session.pending_guess = PendingGuess(match.skill, match.intent, dict(match.slots), question)
    return _not_understood(text, session, nlu_ms, question)


def _answer_guess(assistant: DialogHost, text: str, session: Session) -> Turn | None:
    """Yes runs the guess, no drops it; anything else is a new request (None)."""
    pending = session.pending_guess
    assert pending is not None
    session.pending_guess = None
    match, nlu_ms = assistant.recognise(text, intents=(CONFIRM, DENY, CANCEL))
    if match is None:
        return None
    if match.intent != CONFIRM:
        return _turn(text, match, "OK.", session, nlu_ms)
    meant = Match(intent=pending.intent, skill=pending.skill, slots=pending.slots, confidence=1.0)
    return _dispatch(assistant, text, session, meant, nlu_ms)


def _dispatch(
    assistant: DialogHost, text: str, session: Session, match: Match, nlu_ms: float
) -> Turn:
    if match.intent == CANCEL:
        reply = "OK, cancelled." if session.clear() else "There's nothing to cancel."
        return _turn(text, match, reply, session, nlu_ms)
    if match.intent in (CONFIRM, DENY):
        return _turn(text, match, "There's nothing to confirm right now.", session, nlu_ms)
    if match.intent in ASIDES:
        turn = _fill_or_call(assistant, text, session, match, dict(match.slots), nlu_ms)
        pending = session.pending_confirmation or session.pending_slot
        if pending is not None:  # help and thanks leave the question open, and repeat it
            turn = turn.model_copy(update={"reply": f"{turn.reply} {pending.question}"})
        return turn
    session.clear()
    return _fill_or_call(assistant, text, session, match, dict(match.slots), nlu_ms)


def _fill_or_call(
    assistant: DialogHost,
    text: str,
    session: Session,
    match: Match,
    slots: dict[str, SlotValue],
    nlu_ms: float,
) -> Turn:
    loaded = assistant.intent_owner(match.intent)
    if loaded is None:  # the matcher and the skills disagree: only after a plugin failed
        return _not_understood(text, session, nlu_ms)
    spec = loaded.skill.intent(match.intent)
    # Required slots first, then in the order the intent declares them.
    unsure = {
        name: match.ambiguous[name]
        for name in sorted(spec.slots, key=lambda name: not spec.slots[name].required)
        if name in match.ambiguous
    }
    if unsure:
        # "a latte and a cappuccino": one request takes one value. Ask which is meant,
        # then about each other slot given several.
        slots = {name: value for name, value in slots.items() if name not in unsure}
        slot_name, values = next(iter(unsure.items()))
        prompt = spec.slots[slot_name].prompt or f"Which {slot_name.replace('_', ' ')}?"
        question = f"{prompt.rstrip('?')}: {_one_of(values)}?"
        session.pending_slot = PendingSlot(
            loaded.name, match.intent, slots, slot_name, question, text, unsure
        )
        return _turn(text, match, question, session, nlu_ms, slots=slots, skill=loaded.name)
    for slot_name, slot in spec.slots.items():
        if slot.required and slot_name not in slots:
            question = slot.prompt or f"What {slot_name.replace('_', ' ')}?"
            session.pending_slot = PendingSlot(
                loaded.name, match.intent, slots, slot_name, question, text
            )
            return _turn(text, match, question, session, nlu_ms, slots=slots, skill=loaded.name)
    request = IntentRequest(intent=match.intent, slots=slots, text=text)
    reply = assistant.call_skill(loaded, request, session)
    if match.intent not in SYSTEM_INTENTS:
        session.last = (loaded.name, request)
    if reply.confirm:
        session.pending_confirmation = PendingConfirmation(loaded.name, request, reply.text)
    turn = _turn(text, match, reply.text, session, nlu_ms, slots=slots, skill=loaded.name)
    return _with_reply(turn, reply)


def _with_reply(turn: Turn, reply: Reply) -> Turn:
    """The turn with what the skill's reply says about the service it called."""
    return turn.model_copy(
        update={"service": reply.service, "action": reply.action, "data": dict(reply.data)}
    )


def _answer_confirmation(assistant: DialogHost, text: str, session: Session) -> Turn:
    pending = session.pending_confirmation
    assert pending is not None
    match, nlu_ms = assistant.recognise(text)
    if (
        match is not None
        and match.layer == "learned"
        and match.intent in (CONFIRM, DENY)
        and _names_a_value(assistant, text, pending.skill, pending.request)
    ):
        match = None  # "not a large" is about the order, not a plain yes or no
    if match is not None and match.intent == CONFIRM:
        session.pending_confirmation = None
        session.reprompts = 0
        loaded = _owner(assistant, pending.skill, pending.request.intent)
        request = pending.request.model_copy(update={"confirmed": True})
        reply = assistant.call_skill(loaded, request, session)
        turn = _turn(text, match, reply.text, session, nlu_ms, skill=loaded.name)
        return _with_reply(turn, reply)
    if match is None or match.intent in (DENY, pending.request.intent):
        # "make it a large", "no, from luckin": the request changed; ask again.
        changed = _change(assistant, text, session, pending, match, nlu_ms)
        if changed is not None:
            return changed
    if match is not None and match.intent in (DENY, CANCEL):
        session.clear()
        return _turn(text, match, "OK, I won't do that.", session, nlu_ms)
    if match is not None:
        return _dispatch(assistant, text, session, match, nlu_ms)  # help, or a new request
    return _reprompt(text, session, f"Please say yes or no. {pending.question}", match, nlu_ms)


def _change(
    assistant: DialogHost,
    text: str,
    session: Session,
    pending: PendingConfirmation,
    match: Match | None,
    nlu_ms: float,
) -> Turn | None:
    """The request waiting for yes or no with what the answer changes, asked again.

    None when the answer changes nothing, or says what not to do ("not a large").
    """
    request = pending.request
    if match is not None and match.intent == request.intent:  # "order a mocha instead"
        session.pending_confirmation = None
        slots = {**request.slots, **match.slots}
        return _fill_or_call(assistant, text, session, match, slots, nlu_ms)
    changes = _slot_changes(assistant, text, pending.skill, request)
    if not changes:
        return None
    session.pending_confirmation = None
    session.reprompts = 0
    return _again(assistant, text, session, pending.skill, request, changes, nlu_ms)


def _follow_up(assistant: DialogHost, text: str, session: Session, nlu_ms: float) -> Turn | None:
    """ "what about tomorrow?" after a forecast: the last request again, with what the
    answer changes. None when the answer changes none of its slots."""
    last = session.last
    if last is None:
        return None
    skill, request = last
    if assistant.intent_owner(request.intent) is None:
        return None
    changes = _slot_changes(assistant, text, skill, request)
    if not changes:
        return None
    return _again(assistant, text, session, skill, request, changes, nlu_ms)


def _again(
    assistant: DialogHost,
    text: str,
    session: Session,
    skill: str,
    request: IntentRequest,
    changes: dict[str, SlotValue],
    nlu_ms: float,
) -> Turn:
    """``request`` once more, with ``changes`` to its slots."""
    slots = {**request.slots, **changes}
    again = Match(intent=request.intent, skill=skill, slots=slots, confidence=1.0)
    return _fill_or_call(assistant, text, session, again, slots, nlu_ms)


def _slot_changes(
    assistant: DialogHost, text: str, skill: str, request: IntentRequest
) -> dict[str, SlotValue]:
    """The slots of ``request`` that a short answer gives new values ("make it a large").

    Nothing when the answer says what not to do ("not a large"). Free-text slots are left
    out: they would take any answer.
    """
    if _NEGATIONS.intersection(normalize(text)):
        return {}
    spec = _owner(assistant, skill, request.intent).skill.intent(request.intent)
    changes: dict[str, SlotValue] = {}
    for name, slot in spec.slots.items():
        if slot.type == "text":
            continue
        value = assistant.parse_slot(text, skill, request.intent, name)
        if value is not None and value != request.slots.get(name):
            changes[name] = value
    return changes


def _names_a_value(assistant: DialogHost, text: str, skill: str, request: IntentRequest) -> bool:
    """Whether ``text`` gives a value for one of ``request``'s slots (free text aside)."""
    spec = _owner(assistant, skill, request.intent).skill.intent(request.intent)
    # "not a large", "don't make it a mocha": the value is read without the negation.
    plain = " ".join(t for t in normalize(text) if t not in _NEGATIONS and t != "do")
    return any(
        slot.type != "text" and assistant.parse_slot(plain, skill, request.intent, name) is not None
        for name, slot in spec.slots.items()
    )


def _answer_slot(assistant: DialogHost, text: str, session: Session) -> Turn:
    pending = session.pending_slot
    assert pending is not None
    match, nlu_ms = assistant.recognise(text)
    if match is not None and match.intent == CANCEL:
        return _dispatch(assistant, text, session, match, nlu_ms)
    if match is not None and match.intent == pending.intent:
        session.pending_slot = None
        merged = {**pending.slots, **match.slots}
        unsure = {k: v for k, v in pending.unsure.items() if k not in match.slots}
        match = match.model_copy(update={"ambiguous": {**unsure, **match.ambiguous}})
        return _fill_or_call(assistant, text, session, match, merged, nlu_ms)
    value = assistant.parse_slot(text, pending.skill, pending.intent, pending.slot)
    if value is not None:
        session.pending_slot = None
        session.reprompts = 0
        slots = {**pending.slots, pending.slot: value}
        filled = Match(
            intent=pending.intent,
            skill=pending.skill,
            slots=slots,
            confidence=1.0,
            ambiguous={k: v for k, v in pending.unsure.items() if k not in slots},
        )
        return _fill_or_call(assistant, text, session, filled, slots, nlu_ms)
    if match is not None:
        return _dispatch(assistant, text, session, match, nlu_ms)  # help, or a new request
    return _reprompt(
        text, session, f"Sorry, I didn't catch that. {pending.question}", match, nlu_ms
    )


def _owner(assistant: DialogHost, skill: str, intent: str) -> LoadedSkill:
    """The skill that handles ``intent`` (a mini-program's own, or a registered one)."""
    return assistant.intent_owner(intent) or assistant.skills[skill]


def _one_of(values: list[str]) -> str:
    """ "latte or cappuccino", "latte, mocha or cappuccino"."""
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


def _reprompt(
    text: str, session: Session, question: str, match: Match | None, nlu_ms: float
) -> Turn:
    session.reprompts += 1
    if session.reprompts > MAX_REPROMPTS:
        session.clear()
        return _not_understood(
            text, session, nlu_ms, "Sorry, I still didn't get that. Let's start over."
        )
    return _not_understood(text, session, nlu_ms, question)


def _not_understood(
    text: str, session: Session, nlu_ms: float = 0.0, reply: str = NOT_UNDERSTOOD
) -> Turn:
    return Turn(
        text=text,
        intent=None,
        reply=reply,
        understood=False,
        expecting=session.expecting,
        nlu_ms=nlu_ms,
    )


def _turn(
    text: str,
    match: Match,
    reply: str,
    session: Session,
    nlu_ms: float,
    *,
    slots: dict[str, SlotValue] | None = None,
    skill: str | None = None,
) -> Turn:
    return Turn(
        text=text,
        intent=match.intent,
        slots=dict(match.slots if slots is None else slots),
        confidence=round(match.confidence, 4),
        skill=skill or match.skill,
        reply=reply,
        expecting=session.expecting,
        nlu_ms=nlu_ms,
    )
