"""The dialog runs over any host that matches, parses slots and calls skills."""

from __future__ import annotations

from collections.abc import Iterable

from assistant import Reply, Skill
from assistant.dialog import Session
from assistant.messages import IntentRequest
from assistant.nlu import Match, Matcher
from assistant.skillcontext import LoadedSkill
from assistant.turns import Dialog

_BAKERY = Skill.model_validate(
    {
        "name": "bakery",
        "lists": {"bread": {"values": {"sourdough": [], "rye": ["rye bread"]}}},
        "intents": [
            {
                "name": "bakery.order",
                "templates": ["order [a] [loaf of] {bread}", "order bread"],
                "slots": {"bread": {"required": True, "prompt": "Which bread?"}},
                "side_effects": True,
            }
        ],
    }
)
_SYSTEM = Skill.model_validate(
    {
        "name": "system",
        "intents": [
            {"name": "system.confirm", "templates": ["yes"]},
            {"name": "system.deny", "templates": ["no"]},
            {"name": "system.cancel", "templates": ["cancel"]},
        ],
    }
)


class _Host:
    """A host of two skills and a record of every call: no plugins, no assistant."""

    def __init__(self) -> None:
        self.matcher = Matcher.build([_BAKERY, _SYSTEM])
        self.skills = {
            s.name: LoadedSkill(skill=s, plugin=s.name, origin="registered", version=None)
            for s in (_BAKERY, _SYSTEM)
        }
        self.calls: list[IntentRequest] = []

    def recognise(
        self, text: str, intents: Iterable[str] | None = None
    ) -> tuple[Match | None, float]:
        return self.matcher.match(text, intents=set(intents) if intents else None), 0.0

    def parse_slot(self, text: str, skill: str, intent: str, slot: str) -> str | int | None:
        return self.matcher.parse_slot(text, skill, intent, slot)

    def intent_owner(self, intent: str) -> LoadedSkill | None:
        return self.skills.get(intent.split(".")[0])

    def call_skill(self, loaded: LoadedSkill, request: IntentRequest, session: Session) -> Reply:
        self.calls.append(request)
        bread = request.slots["bread"]
        if not request.confirmed:
            return Reply(text=f"Order a loaf of {bread}?", confirm=True)
        return Reply(text=f"Ordered a loaf of {bread}.")


def test_the_dialog_asks_for_a_slot_confirms_and_only_then_acts() -> None:
    host = _Host()
    dialog, session = Dialog(host), Session()

    assert dialog.turn("order bread", session).reply == "Which bread?"
    assert host.calls == []
    assert dialog.turn("rye", session).reply == "Order a loaf of rye?"
    assert [c.confirmed for c in host.calls] == [False]
    assert dialog.turn("yes", session).reply == "Ordered a loaf of rye."
    assert [c.confirmed for c in host.calls] == [False, True]


def test_cancel_drops_what_was_pending() -> None:
    host = _Host()
    dialog, session = Dialog(host), Session()
    dialog.turn("order a loaf of sourdough", session)
    dialog.turn("cancel", session)
    assert "nothing to confirm" in dialog.turn("yes", session).reply.lower()
    assert [c.confirmed for c in host.calls] == [False]
