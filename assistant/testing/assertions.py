"""Assertions on turns whose failure messages show what the assistant actually did."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..messages import Turn

__all__ = [
    "assert_expecting",
    "assert_intent",
    "assert_not_understood",
    "assert_reply_contains",
    "assert_slots",
]

_MISSING = object()


def describe(turn: Turn) -> str:
    """One line: what was said, what was recognised and the reply."""
    intent = turn.intent or "no intent"
    return (
        f"{turn.text!r} → {intent} {dict(turn.slots)} (confidence {turn.confidence:.2f}); "
        f"reply {turn.reply!r}; expecting {turn.expecting!r}"
    )


def assert_intent(turn: Turn, intent: str, /, **slots: Any) -> None:
    """The turn recognised ``intent``, and each slot given here has that value.

    Slots not named are not checked; use :func:`assert_slots` to check them all.
    """
    if turn.intent != intent:
        raise AssertionError(f"expected intent {intent}, got {describe(turn)}")
    wrong = {
        name: turn.slots.get(name, _MISSING)
        for name, value in slots.items()
        if turn.slots.get(name, _MISSING) != value
    }
    if wrong:
        shown = ", ".join(
            f"{name}={slots[name]!r} (got {'nothing' if got is _MISSING else repr(got)})"
            for name, got in wrong.items()
        )
        raise AssertionError(f"expected slots {shown}: {describe(turn)}")


def assert_slots(turn: Turn, slots: Mapping[str, Any], /) -> None:
    """The turn's slots are exactly ``slots``: no slot missing, none extra."""
    if dict(turn.slots) != dict(slots):
        raise AssertionError(f"expected exactly the slots {dict(slots)}: {describe(turn)}")


def assert_reply_contains(turn: Turn, *fragments: str, case_sensitive: bool = False) -> None:
    """The reply contains every fragment (ignoring case unless ``case_sensitive``)."""
    reply = turn.reply if case_sensitive else turn.reply.lower()
    absent = [f for f in fragments if (f if case_sensitive else f.lower()) not in reply]
    if absent:
        raise AssertionError(f"reply lacks {absent}: {describe(turn)}")


def assert_not_understood(turn: Turn, /) -> None:
    """The utterance was rejected: no intent, and the assistant said it did not understand."""
    if turn.understood or turn.intent is not None:
        raise AssertionError(f"expected the utterance to be rejected, got {describe(turn)}")


def assert_expecting(turn: Turn, expecting: str | None, /) -> None:
    """After this turn the assistant waits for ``expecting``: a slot name or "confirmation"."""
    if turn.expecting != expecting:
        raise AssertionError(f"expected the assistant to wait for {expecting!r}: {describe(turn)}")
