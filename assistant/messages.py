"""Messages passed between the dialog, the skills and the interfaces."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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
    done: bool = Field(
        True, description="False when the reply asks something and the skill expects an answer."
    )
    data: dict[str, Any] = Field(
        default_factory=dict, description="Structured result (an order id, bus times) for --json."
    )
    service: str | None = Field(None, description="The mini-program service that answered.")
    action: str | None = Field(None, description="The service action that was called.")


class Turn(BaseModel):
    """One utterance and everything that came of it: what `assistant say --json` prints."""

    model_config = ConfigDict(extra="forbid")

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
