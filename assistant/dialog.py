"""Dialog state across turns: slot filling, confirmation, cancel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .messages import IntentRequest
from .skill import SlotValue

__all__ = [
    "CANCEL",
    "CONFIRM",
    "DENY",
    "HELP",
    "PendingConfirmation",
    "PendingGuess",
    "PendingSlot",
    "Session",
    "SYSTEM_INTENTS",
    "THANKS",
    "ASIDES",
]

HELP = "system.help"
THANKS = "system.thanks"
CANCEL = "system.cancel"
CONFIRM = "system.confirm"
DENY = "system.deny"
SYSTEM_INTENTS = frozenset({HELP, THANKS, CANCEL, CONFIRM, DENY})
ASIDES = frozenset({HELP, THANKS})
"""Intents answered without dropping the question the assistant waits on: it is asked again."""


@dataclass
class PendingSlot:
    """An intent waiting for the user to supply a missing required slot."""

    skill: str
    intent: str
    slots: dict[str, SlotValue]
    slot: str
    question: str
    text: str
    unsure: dict[str, list[str]] = field(default_factory=dict)
    """The slots the request gave several values, with those values (see
    :attr:`.nlu.Match.ambiguous`): ``slot`` first, if it is one of them, then the ones to
    ask about after it."""


@dataclass
class PendingConfirmation:
    """An action with side effects waiting for yes or no."""

    skill: str
    request: IntentRequest
    question: str


@dataclass
class PendingGuess:
    """A sentence the learned layer was not sure of, waiting for "Did you mean ...?"."""

    skill: str
    intent: str
    slots: dict[str, SlotValue]
    question: str


@dataclass
class Session:
    """One conversation: what the assistant waits for and each skill's state."""

    pending_slot: PendingSlot | None = None
    pending_confirmation: PendingConfirmation | None = None
    pending_guess: PendingGuess | None = None
    skill_state: dict[str, dict[str, Any]] = field(default_factory=dict)
    shared_state: dict[str, Any] = field(default_factory=dict)
    turns: int = 0
    reprompts: int = 0
    last: tuple[str, IntentRequest] | None = None
    """The skill and the request it was last called with, for a follow-up that changes a
    slot of it ("what about tomorrow?")."""

    @property
    def expecting(self) -> str | None:
        """'confirmation', the name of the slot being asked for, or None."""
        if self.pending_confirmation is not None or self.pending_guess is not None:
            return "confirmation"
        if self.pending_slot is not None:
            return self.pending_slot.slot
        return None

    def clear(self) -> bool:
        """Drop anything pending; True if something was."""
        had = (
            self.pending_slot is not None
            or self.pending_confirmation is not None
            or self.pending_guess is not None
        )
        self.pending_slot = None
        self.pending_confirmation = None
        self.pending_guess = None
        self.reprompts = 0
        return had

    def state_for(self, skill: str) -> dict[str, Any]:
        """The mutable state dict of one skill in this session."""
        return self.skill_state.setdefault(skill, {})
