"""Messages passed between the dialog, the skills and the interfaces."""

from __future__ import annotations

import warnings
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .skill import SlotValue

__all__ = ["NOTICE_EVERY", "IntentRequest", "Notice", "Reply", "Turn"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")

NOTICE_EVERY = 0.5
"""Seconds between two times an open conversation asks the skills what is due (see
:class:`Notice`)."""


class IntentRequest(BaseModel):
    """A recognised intent, handed to the skill that registered it."""

    model_config = _FROZEN

    intent: str = Field(description="The intent name, e.g. coffee.order.")
    slots: dict[str, SlotValue] = Field(
        default_factory=dict, description="Slot values; a slot that was not spoken is absent."
    )
    text: str = Field("", description="The utterance as heard or typed.")
    confirmed: bool = Field(
        False, description="True when the user has said yes to the skill's confirmation question."
    )


class Reply(BaseModel):
    """What a skill answers."""

    model_config = _FROZEN

    text: str = Field(description="The reply, shown and spoken.")
    confirm: bool = Field(
        False,
        description="The reply is a yes/no question; on yes the skill is called again with "
        "confirmed=True, on no the action is dropped.",
    )
    data: dict[str, Any] = Field(
        default_factory=dict, description="Structured result (an order id, bus times) for --json."
    )
    service: str | None = Field(None, description="The mini-program service that answered.")
    action: str | None = Field(None, description="The service action that was called.")

    @model_validator(mode="before")
    @classmethod
    def _drop_done(cls, data: Any) -> Any:
        """``done`` was never read: it is accepted, with a warning, and ignored."""
        if isinstance(data, dict) and "done" in data:
            warnings.warn(_DONE_GONE, DeprecationWarning, stacklevel=3)
            data = {key: value for key, value in data.items() if key != "done"}
        return data

    @property
    def done(self) -> bool:
        """Deprecated: always True; a question is ``confirm=True`` or a required slot's prompt."""
        warnings.warn(_DONE_GONE, DeprecationWarning, stacklevel=2)
        return True


_DONE_GONE = (
    "Reply.done is deprecated and ignored: the dialog knows when a reply asks something "
    "(confirm=True, a required slot's prompt); drop done="
)


class Turn(BaseModel):
    """One utterance and everything that came of it: what `assistant say --json` prints.

    Built once, complete, and frozen: what observers see is what the user got."""

    model_config = _FROZEN

    text: str = Field(description="The utterance.")
    intent: str | None = Field(description="The recognised intent, or null when rejected.")
    slots: dict[str, SlotValue] = Field(default_factory=dict, description="Recognised slots.")
    confidence: float = Field(0.0, description="Recognition confidence, 0 to 1.")
    skill: str | None = Field(None, description="The skill that handled the intent.")
    reply: str = Field(description="The reply text.")
    understood: bool = Field(True, description="False when the utterance was not understood.")
    expecting: str | None = Field(
        None, description="What the assistant waits for next: a slot name, 'confirmation', or null."
    )
    service: str | None = Field(None, description="The mini-program service that answered.")
    action: str | None = Field(None, description="The service action that was called.")
    data: dict[str, Any] = Field(default_factory=dict, description="The skill's structured result.")
    nlu_ms: float = Field(0.0, description="Time spent recognising the intent, milliseconds.")
    total_ms: float = Field(0.0, description="Time from utterance to reply, milliseconds.")


class Notice(BaseModel):
    """Something a skill tells the user unprompted: a timer that ended."""

    model_config = _FROZEN

    skill: str = Field(description="The skill that has something to tell.")
    text: str = Field(description="What to tell, shown and spoken.")
