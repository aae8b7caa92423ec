"""A conversation with an assistant for tests: say text or play audio, keep the dialog state."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..assistant import Assistant
    from ..dialog import Session
    from ..messages import Notice, Turn

__all__ = ["Conversation", "SPEECH_MODULE", "speech_runner"]

SPEECH_MODULE = "assistant.speech.pipeline"


class Conversation:
    """One dialog with an assistant: each ``say`` continues where the last turn left off.

    >>> conversation = Conversation(assistant)            # doctest: +SKIP
    >>> conversation.say("order a coffee").expecting      # doctest: +SKIP
    'drink'
    >>> conversation.say("a latte").slots                 # doctest: +SKIP
    {'drink': 'latte'}
    """

    def __init__(self, assistant: Assistant, session: Session | None = None) -> None:
        self.assistant = assistant
        self.session = session if session is not None else assistant.new_session()
        self.turns: list[Turn] = []

    def say(self, text: str) -> Turn:
        """Type one utterance; returns the turn (intent, slots, reply, what is expected next)."""
        turn = self.assistant.handle(text, self.session)
        self.turns.append(turn)
        return turn

    def say_all(self, *texts: str) -> list[Turn]:
        """Say several utterances in order; returns their turns."""
        return [self.say(text) for text in texts]

    def play(self, path: str | Path) -> list[Turn]:
        """Run an audio file through the speech pipeline into this conversation.

        Returns one turn per utterance heard in the file. Under pytest, the test is skipped
        when Ting's speech support is not installed; elsewhere that raises ``ImportError``.
        """
        runner = speech_runner()
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no audio file at {path}")
        heard = runner(self.assistant, path, session=self.session)
        turns = [item.turn for item in heard if item.turn is not None]
        self.turns.extend(turns)
        return turns

    @property
    def last(self) -> Turn:
        """The latest turn."""
        if not self.turns:
            raise AssertionError("nothing was said in this conversation yet")
        return self.turns[-1]

    @property
    def expecting(self) -> str | None:
        """What the assistant waits for: a slot name, ``"confirmation"``, or ``None``."""
        return self.session.expecting

    def notices(self, now: float | None = None) -> list[Notice]:
        """What the skills would tell the user unprompted at ``now`` (default: the time now),
        as an open `assistant chat` would tell it: each notice is told once."""
        return self.assistant.notices(self.session, now)

    def state(self, skill: str) -> dict[str, Any]:
        """A skill's state in this conversation (what its handler sees as ``context.state``)."""
        return self.session.state_for(skill)

    def reset(self) -> None:
        """Start over with a fresh session and no turns."""
        self.session = self.assistant.new_session()
        self.turns.clear()


def speech_runner() -> Callable[..., Any]:
    """The speech pipeline's function that runs a file through an assistant.

    Skips the calling test (under pytest) with the reason when speech support is missing.
    """
    try:
        module = importlib.import_module(SPEECH_MODULE)
    except ModuleNotFoundError as exc:
        missing = exc.name or "?"
        if missing == SPEECH_MODULE:
            reason = f"this Ting has no speech pipeline ({SPEECH_MODULE} is missing)"
        elif missing.split(".")[0] == "assistant":
            raise
        else:
            reason = (
                f"speech support is not installed (no module named {missing!r}); "
                "install Ting with its speech dependencies to play audio"
            )
        _skip_or_raise(reason, exc)
    runner: Callable[..., Any] = module.run_file
    return runner


def _skip_or_raise(reason: str, exc: Exception) -> None:
    try:
        import pytest
    except ImportError:
        raise ImportError(reason) from exc
    pytest.skip(reason)
