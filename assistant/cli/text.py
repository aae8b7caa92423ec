"""`assistant say` and `assistant chat`: the typed interface."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..messages import NOTICE_EVERY, Notice, Turn
from .common import assistant_options, echo_json, json_option, make_assistant

if TYPE_CHECKING:
    from ..assistant import Assistant
    from ..dialog import Session

__all__ = ["NoticeWatcher", "chat", "explanation", "say", "turn_json"]


def turn_json(turn: Turn) -> dict[str, object]:
    """The JSON object printed for one turn."""
    return turn.model_dump(mode="json")


@click.command()
@click.argument("text", nargs=-1, required=True)
@json_option
@click.option(
    "--explain",
    is_flag=True,
    help="Also show why: the best candidates with their confidence and slots, the threshold, "
    "and what the runner-up lacked.",
)
@assistant_options
def say(
    text: tuple[str, ...],
    as_json: bool,
    explain: bool,
    config_path: Path | None,
    plugins_dirs: tuple[Path, ...],
    plugin_names: tuple[str, ...] | None,
) -> None:
    """Say TEXT to the assistant and print its reply (exit 1 if it did not understand)."""
    with make_assistant(config_path, plugins_dirs, plugin_names=plugin_names) as assistant:
        utterance = " ".join(text)
        turn = assistant.handle(utterance)
        why = explanation(assistant, utterance, turn) if explain else None
    if as_json:
        echo_json(turn_json(turn) | ({"explain": why} if why is not None else {}))
    else:
        click.echo(turn.reply)
        if why is not None:
            for line in explanation_lines(why):
                click.echo(line)
    sys.exit(0 if turn.understood else 1)


def explanation(assistant: Assistant, text: str, turn: Turn | None = None) -> dict[str, object]:
    """Which layer answered, the best candidates of each and their slots, the thresholds.

    ``turn``: what the assistant did with ``text``, when a mini-program's manifest (not a
    skill's templates) understood it."""
    matcher = assistant.matcher
    threshold = matcher.threshold
    candidates = [
        {
            "intent": m.intent,
            "skill": m.skill,
            "confidence": m.confidence,
            "slots": dict(m.slots),
            "accepted": m.confidence >= threshold,
        }
        for m in matcher.ranked(text)
    ]
    found = matcher.match(text)
    guess = None if found is not None else matcher.guess(text)
    scores = matcher.learned_scores(text)
    learned = [
        {"intent": name or None, "probability": round(p, 4)}
        for name, p in sorted(scores.items(), key=lambda kv: -kv[1])[:3]
    ]
    layer: str | None = found.layer if found is not None else None
    if (
        found is not None
        and found.layer == "templates"
        and not any(c["accepted"] and c["intent"] == found.intent for c in candidates)
    ):
        layer = "templates, one clause"  # the rest of the sentence was left aside
    intent, slots = (found.intent, dict(found.slots)) if found is not None else (None, {})
    if turn is not None and (turn.intent or "").startswith("app."):
        layer = f"mini-program layer ({turn.service or turn.skill})"
        intent, slots, guess = turn.intent, dict(turn.slots), None
    return {
        "layer": layer,
        "intent": intent,
        "slots": slots,
        "asked": guess.intent if guess else None,
        "threshold": threshold,
        "candidates": candidates,
        "learned": {
            "accept": matcher.learned_accept,
            "ask": matcher.learned_ask,
            "candidates": learned,
        }
        if matcher.learned is not None
        else None,
    }


def explanation_lines(why: dict[str, object]) -> list[str]:
    """The explanation as lines of text."""
    threshold = float(why["threshold"])  # type: ignore[arg-type]
    candidates: list[dict[str, Any]] = why["candidates"]  # type: ignore[assignment]
    if why["layer"] is not None:
        slots = " ".join(f"{k}={v}" for k, v in why["slots"].items()) or "no slots"  # type: ignore[attr-defined]
        by = "the learned layer" if why["layer"] == "learned" else f"the {why['layer']}"
        lines = [f"why: {why['intent']} ({slots}), understood by {by}"]
    elif why.get("asked"):
        lines = [f"why: not sure; the learned layer guesses {why['asked']} and asks"]
    else:
        lines = ["why: not understood"]
    lines.append(f"templates (accepted at {threshold:.2f}):")
    if not candidates:
        lines.append("  no template shares a word with this")
    for rank, c in enumerate(candidates, 1):
        slots = " ".join(f"{k}={v}" for k, v in c["slots"].items()) or "no slots"
        mark = "" if c["accepted"] else " (below the threshold)"
        lines.append(f"  {rank}. {c['intent']} {c['confidence']:.2f}{mark}: {slots}")
    if len(candidates) > 1:
        gap = candidates[0]["confidence"] - candidates[1]["confidence"]
        lines.append(f"  the runner-up, {candidates[1]['intent']}, is {gap:.2f} behind")
    learned: dict[str, Any] | None = why.get("learned")  # type: ignore[assignment]
    if learned is not None:
        lines.append(
            f"learned layer (acts at {learned['accept']:.2f}, asks from {learned['ask']:.2f}):"
        )
        for rank, c in enumerate(learned["candidates"], 1):
            name = c["intent"] or "none of the skills"
            lines.append(f"  {rank}. {name} {c['probability']:.2f}")
    return lines


@click.command()
@json_option
@assistant_options
def chat(
    as_json: bool,
    config_path: Path | None,
    plugins_dirs: tuple[Path, ...],
    plugin_names: tuple[str, ...] | None,
) -> None:
    """A typed conversation with follow-ups and confirmation; Ctrl-D leaves."""
    interactive = sys.stdin.isatty()
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")  # undecodable bytes must not end the chat
    with make_assistant(config_path, plugins_dirs, plugin_names=plugin_names) as assistant:
        session = assistant.new_session()
        if interactive and not as_json:
            click.echo('Type to talk to Ting; "help" lists what it can do; Ctrl-D leaves.')
        lock = threading.Lock()  # one turn or one round of notices at a time

        def show(notice: Notice) -> None:
            if as_json:
                echo_json({"notice": notice.text, "skill": notice.skill})
            elif interactive:  # on a line of its own, then the prompt again
                click.echo(f"\r\033[Kting> {notice.text}\nyou> ", nl=False)
            else:
                click.echo(notice.text)

        watcher = NoticeWatcher(assistant, session, show, lock)
        watcher.start()
        try:
            while True:
                try:
                    line = input("you> " if interactive else "")
                except EOFError:
                    break
                except KeyboardInterrupt:
                    click.echo()
                    break
                if not line.strip():
                    continue
                with lock:
                    turn = assistant.handle(line, session)
                    if as_json:
                        echo_json(turn_json(turn))
                    else:
                        click.echo(f"ting> {turn.reply}" if interactive else turn.reply)
        finally:
            watcher.stop()


class NoticeWatcher(threading.Thread):
    """Tells what the skills have to say unprompted (a timer that ended) while a
    conversation waits for the user, asking every ``every`` seconds."""

    def __init__(
        self,
        assistant: Assistant,
        session: Session,
        show: Callable[[Notice], None],
        lock: threading.Lock,
        every: float = NOTICE_EVERY,
    ) -> None:
        super().__init__(name="ting-notices", daemon=True)
        self._assistant, self._session, self._show = assistant, session, show
        self._lock, self._every = lock, every
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(self._every):
            with self._lock:
                try:
                    for notice in self._assistant.notices(self._session):
                        self._show(notice)
                except OSError:  # the output went away (a closed pipe): nobody to tell
                    return

    def stop(self) -> None:
        """Stop asking; returns once the last round is over."""
        self._stopped.set()
        if self.is_alive():
            self.join()
