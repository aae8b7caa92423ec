"""Each hook of assistant.hookspecs, exercised by small test plugins."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant import (
    Assistant,
    IntentRequest,
    IntentSpec,
    Reply,
    Settings,
    Skill,
    SkillContext,
    SlotList,
    SlotSpec,
    Turn,
    hookimpl,
)

Register = Callable[[Skill], None]

LAMP = Skill(
    name="lamp",
    description="Switch the lamp",
    intents=(
        IntentSpec(
            name="lamp.switch",
            templates=("(switch|turn) [the] lamp {state}", "(switch|turn) {state} [the] lamp"),
            slots={"state": SlotSpec(required=True, prompt="On or off?")},
        ),
        IntentSpec(
            name="lamp.buy",
            templates=("buy [a] [new] lamp",),
            side_effects=True,
        ),
    ),
    lists={"state": SlotList(values={"on": (), "off": ()})},
)


class LampPlugin:
    """Registers the lamp skill and answers its intents, recording each request."""

    name = "lamp"

    def __init__(self) -> None:
        self.requests: list[IntentRequest] = []
        self.contexts: list[SkillContext] = []

    @hookimpl
    def register_skills(self, register: Register) -> None:
        register(LAMP)

    @hookimpl
    def handle_intent(self, request: IntentRequest, context: SkillContext) -> Reply | None:
        self.requests.append(request)
        self.contexts.append(context)
        if request.intent == "lamp.buy":
            if not request.confirmed:
                return Reply(text="Buy a lamp for 99 yuan?", confirm=True)
            return Reply(text="Lamp ordered.", data={"order": 1})
        if request.intent == "lamp.switch":
            switches = context.state["switches"] = context.state.get("switches", 0) + 1
            return Reply(text=f"Lamp {request.slots['state']} ({switches}).")
        return None


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Callable[..., Assistant]]:
    """Build assistants from plugin objects only, closing them afterwards."""
    built: list[Assistant] = []

    def make(*plugins: object) -> Assistant:
        settings = Settings(data_dir=tmp_path / "data", plugins={"directory": tmp_path / "none"})
        assistant = Assistant.create(settings, plugins=list(plugins), entry_points=False)
        built.append(assistant)
        return assistant

    yield make
    for assistant in built:
        assistant.close()


def test_hook_register_skills(make: Callable[..., Assistant]) -> None:
    class Duplicate:
        name = "lamp_copy"

        @hookimpl
        def register_skills(self, register: Register) -> None:
            register(LAMP)

    class NotASkill:
        name = "broken"

        @hookimpl
        def register_skills(self, register: Register) -> None:
            register({"name": "broken"})  # type: ignore[arg-type]

    class Raises:
        name = "raises"

        @hookimpl
        def register_skills(self, register: Register) -> None:
            raise RuntimeError("boom")

    assistant = make(LampPlugin(), Duplicate(), NotASkill(), Raises())
    assert set(assistant.skills) - {"system"} == {"lamp"}
    loaded = assistant.skills["lamp"]
    assert (loaded.plugin, loaded.origin, loaded.skill) == ("lamp", "registered", LAMP)
    assert assistant.intent_owner("lamp.switch") is loaded
    failures = "\n".join(assistant.failures)
    assert "'lamp_copy'" in failures and "already registered by plugin 'lamp'" in failures
    assert "'broken'" in failures and "expects a Skill" in failures
    assert "'raises'" in failures and "boom" in failures
    assert assistant.handle("turn the lamp on").intent == "lamp.switch"


def test_hook_handle_intent(make: Callable[..., Assistant]) -> None:
    class Greedy:
        """Answers every intent: must never be asked about another plugin's."""

        name = "greedy"
        calls = 0

        @hookimpl
        def handle_intent(self, request: IntentRequest, context: SkillContext) -> Reply | None:
            Greedy.calls += 1
            return Reply(text="greedy")

    lamp = LampPlugin()
    assistant = make(lamp, Greedy())
    session = assistant.new_session()

    turn = assistant.handle("switch the lamp", session)
    assert turn.expecting == "state" and turn.reply == "On or off?"
    assert lamp.requests == []  # not called until the required slot is filled
    turn = assistant.handle("off", session)
    assert turn.reply == "Lamp off (1)." and turn.skill == "lamp"
    assert lamp.requests[-1] == IntentRequest(
        intent="lamp.switch", slots={"state": "off"}, text="off"
    )
    context = lamp.contexts[-1]
    assert context.skill.name == "lamp"
    assert context.data_dir == assistant.settings.data_dir / "skills" / "lamp"
    assert assistant.handle("turn the lamp on", session).reply == "Lamp on (2)."  # state kept

    turn = assistant.handle("buy a new lamp", session)
    assert (turn.reply, turn.expecting) == ("Buy a lamp for 99 yuan?", "confirmation")
    assert lamp.requests[-1].confirmed is False
    turn = assistant.handle("yes", session)
    assert (turn.reply, turn.data) == ("Lamp ordered.", {"order": 1})
    assert lamp.requests[-1].confirmed is True
    assert Greedy.calls == 0


def test_hook_handle_intent_failures_become_replies(make: Callable[..., Assistant]) -> None:
    class Silent(LampPlugin):
        @hookimpl
        def handle_intent(self, request: IntentRequest, context: SkillContext) -> Reply | None:
            return None

    class Crashing(LampPlugin):
        @hookimpl
        def handle_intent(self, request: IntentRequest, context: SkillContext) -> Reply | None:
            raise RuntimeError("bulb exploded")

    assert "could not handle" in make(Silent()).handle("turn the lamp on").reply
    turn = make(Crashing()).handle("turn the lamp on")
    assert "ran into a problem" in turn.reply and "bulb" not in turn.reply


def test_hook_assistant_startup(
    make: Callable[..., Assistant], caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[tuple[Assistant, set[str]]] = []

    class Watcher:
        name = "watcher"

        @hookimpl
        def assistant_startup(self, assistant: Assistant) -> None:
            seen.append((assistant, set(assistant.skills)))

    class Broken:
        name = "broken_startup"

        @hookimpl
        def assistant_startup(self, assistant: Assistant) -> None:
            raise RuntimeError("no start")

    with caplog.at_level(logging.ERROR):
        assistant = make(LampPlugin(), Watcher(), Broken())
    assert len(seen) == 1 and seen[0][0] is assistant  # once, with every skill loaded
    assert "lamp" in seen[0][1]
    assert "broken_startup" in caplog.text
    assert assistant.handle("turn the lamp on").reply == "Lamp on (1)."


def test_hook_assistant_shutdown(make: Callable[..., Assistant]) -> None:
    closed: list[Assistant] = []

    class Watcher:
        name = "watcher"

        @hookimpl
        def assistant_shutdown(self, assistant: Assistant) -> None:
            closed.append(assistant)

    class Broken:
        name = "broken_shutdown"

        @hookimpl
        def assistant_shutdown(self) -> None:  # fewer arguments than the spec is fine
            raise RuntimeError("no stop")

    assistant = make(Watcher(), Broken())
    assert closed == []
    with assistant:
        pass
    assert closed == [assistant]
    assistant.close()
    assert closed == [assistant]  # only once


def test_hook_observe_turn(make: Callable[..., Assistant]) -> None:
    turns: list[Turn] = []

    class Recorder:
        name = "recorder"

        @hookimpl
        def observe_turn(self, turn: Turn) -> None:
            turns.append(turn)

    class Broken:
        name = "broken_observer"

        @hookimpl
        def observe_turn(self, turn: Turn) -> None:
            raise RuntimeError("metrics down")

    assistant = make(LampPlugin(), Recorder(), Broken())
    session = assistant.new_session()
    first = assistant.handle("turn the lamp on", session)
    second = assistant.handle("the cat sat on the mat", session)
    assert turns == [first, second]
    assert (turns[0].intent, turns[0].skill, turns[0].reply) == (
        "lamp.switch",
        "lamp",
        "Lamp on (1).",
    )
    assert turns[1].intent is None and not turns[1].understood
    assert all(t.total_ms >= t.nlu_ms >= 0 for t in turns)


def test_hook_due_notices(make: Callable[..., Assistant], caplog: pytest.LogCaptureFixture) -> None:
    class Alarm:
        """Tells once that the lamp's bulb is due, from the time it is due."""

        name = "lamp"

        def __init__(self) -> None:
            self.asked: list[tuple[str, float]] = []

        @hookimpl
        def register_skills(self, register: Register) -> None:
            register(LAMP)

        @hookimpl
        def due_notices(self, context: SkillContext, now: float) -> list[str] | None:
            self.asked.append((context.skill.name, now))
            if now >= 100.0 and not context.state.get("told"):
                context.state["told"] = True
                return ["Time to change the bulb.", "  "]  # blank notices are dropped
            return None

    class Broken:
        name = "broken_notices"

        @hookimpl
        def register_skills(self, register: Register) -> None:
            register(Skill(name="broken", intents=(IntentSpec(name="broken.x", templates=("x",)),)))

        @hookimpl
        def due_notices(self) -> list[str]:
            raise RuntimeError("clock stopped")

    alarm = Alarm()
    assistant = make(alarm, Broken())
    session = assistant.new_session()
    assert assistant.notices(session, now=50.0) == []
    told = assistant.notices(session, now=100.0)
    assert [(n.skill, n.text) for n in told] == [("lamp", "Time to change the bulb.")]
    assert assistant.notices(session, now=101.0) == []  # told once
    assert alarm.asked == [("lamp", 50.0), ("lamp", 100.0), ("lamp", 101.0)]
    assert "broken" in caplog.text and "clock stopped" in caplog.text
