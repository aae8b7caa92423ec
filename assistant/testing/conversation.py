"""A conversation with an assistant for tests: say text or play audio, keep the dialog state."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..assistant import Assistant
    from ..dialog import Session
    from ..messages import Turn

__all__ = ["Conversation", "SPEECH_MODULE", "speech_runner"]

SPEECH_MODULE = "assistant.speech.pipeline"
# Functions of the speech pipeline that run an audio file through an assistant, in the order
# they are looked for.
_RUNNER_NAMES = ("run_file", "run_audio_file", "handle_audio_file", "play_file", "process_file")


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
        kwargs: dict[str, Any] = {}
        try:
            parameters = inspect.signature(runner).parameters
        except (TypeError, ValueError):
            parameters = {}  # type: ignore[assignment]
        if "session" in parameters:
            kwargs["session"] = self.session
        result = runner(self.assistant, path, **kwargs)
        turns = _as_turns(result)
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
    for name in _RUNNER_NAMES:
        runner = getattr(module, name, None)
        if callable(runner):
            return runner  # type: ignore[no-any-return]
    raise ImportError(
        f"{SPEECH_MODULE} has none of {', '.join(_RUNNER_NAMES)}: cannot run audio files"
    )


def _skip_or_raise(reason: str, exc: Exception) -> None:
    try:
        import pytest
    except ImportError:
        raise ImportError(reason) from exc
    pytest.skip(reason)


def _as_turns(result: object) -> list[Turn]:
    """Turns from what the pipeline returned: turns, or utterances that carry a ``turn``."""
    from ..messages import Turn

    items: Iterable[object] = [result] if isinstance(result, Turn) else result  # type: ignore[assignment]
    turns = []
    for item in items:
        turn = item if isinstance(item, Turn) else getattr(item, "turn", None)
        if turn is None and hasattr(item, "turn"):
            continue  # heard but not answered (no wake phrase)
        if not isinstance(turn, Turn):
            raise TypeError(f"the speech pipeline returned {type(item).__name__}, not a Turn")
        turns.append(turn)
    return turns
