"""Intent and slot names from other ecosystems (Rhino, Alexa, Home Assistant) work as they are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import IntentRequest, IntentSpec, Reply, Skill, SlotList, SlotSpec, hookimpl
from assistant.cli.evaluate import evaluate_text
from assistant.evaluation import read_labels, summarise
from assistant.testing import AssistantFactory, Conversation, assert_intent

SKILL = Skill(
    name="drinks",
    lists={
        "coffeeDrink": SlotList(values={"latte": ("caffe latte",), "flat white": ()}),
        "size": SlotList(values={"small": (), "large": ("big",)}),
    },
    rules={"order-verb": "(order|get me)"},
    intents=(
        IntentSpec(
            name="orderDrink",
            templates=("<order-verb> [a] [{drinkSize}] {coffeeDrink}",),
            slots={
                "coffeeDrink": SlotSpec(required=True, prompt="Which drink?"),
                "drinkSize": SlotSpec(list="size"),
            },
        ),
        IntentSpec(
            name="HassTurnOn",
            templates=("turn on [the] {name}",),
            slots={"name": SlotSpec(type="text")},
        ),
        IntentSpec(name="drinks.menu-read", templates=("read the menu",)),
    ),
)


class Drinks:
    name = "drinks"

    @hookimpl
    def register_skills(self, register):  # type: ignore[no-untyped-def]
        register(SKILL)

    @hookimpl
    def handle_intent(self, request: IntentRequest) -> Reply:
        return Reply(text=f"{request.intent} {sorted(request.slots.items())}")


@pytest.mark.parametrize(
    "name", ["orderDrink", "HassTurnOn", "coffee.order", "coffee-order", "a.b-c_d", "Order2"]
)
def test_intent_names_accepted(name: str) -> None:
    assert IntentSpec(name=name, templates=("hello",)).name == name


@pytest.mark.parametrize("name", ["", "1order", "order drink", "order.", ".order", "a..b", "{x}"])
def test_unreasonable_intent_names_refused(name: str) -> None:
    with pytest.raises(ValueError):
        IntentSpec(name=name, templates=("hello",))


@pytest.mark.parametrize("slot", ["coffeeDrink", "drink_size", "HassName"])
def test_slot_names_accepted(slot: str) -> None:
    spec = IntentSpec(name="x", templates=(f"say {{{slot}}}",), slots={slot: SlotSpec(type="text")})
    assert slot in spec.slots


def test_one_intent_name_twice_is_refused() -> None:
    intent = IntentSpec(name="orderDrink", templates=("order",))
    with pytest.raises(ValueError, match="declared twice"):
        Skill(name="drinks", intents=(intent, intent))


def test_templates_match_and_slots_fill(ting_assistant_factory: AssistantFactory) -> None:
    conversation = Conversation(ting_assistant_factory(Drinks()))
    turn = conversation.say("get me a big flat white")
    assert_intent(turn, "orderDrink", coffeeDrink="flat white", drinkSize="large")
    assert_intent(conversation.say("turn on the kitchen light"), "HassTurnOn", name="kitchen light")
    assert_intent(conversation.say("read the menu"), "drinks.menu-read")


def test_a_missing_slot_is_asked_for(ting_assistant_factory: AssistantFactory) -> None:
    conversation = Conversation(ting_assistant_factory(Drinks()))
    assert conversation.say("order a large").expecting == "coffeeDrink"
    assert_intent(conversation.say("a caffe latte"), "orderDrink", coffeeDrink="latte")


def test_a_collision_is_still_refused(ting_assistant_factory: AssistantFactory) -> None:
    class Other(Drinks):
        name = "other"

        @hookimpl
        def register_skills(self, register):  # type: ignore[no-untyped-def]
            register(SKILL.model_copy(update={"name": "other"}))

    assistant = ting_assistant_factory(Drinks(), Other(), strict=False)
    assert "other" not in assistant.skills
    assert any("'orderDrink' is already registered" in f for f in assistant.failures)


def test_toml_declaration(tmp_path: Path) -> None:
    path = tmp_path / "skill.toml"
    path.write_text(
        '[skill]\nname = "drinks"\n[lists.coffeeDrink]\nlatte = []\n'
        '[intents.orderDrink]\ntemplates = ["order {coffeeDrink}"]\n'
        "[intents.orderDrink.slots]\ncoffeeDrink = {}\n"
    )
    skill = Skill.from_toml(path)
    assert [i.name for i in skill.intents] == ["orderDrink"]


def test_eval_scores_labels_with_those_names(
    ting_assistant_factory: AssistantFactory, tmp_path: Path
) -> None:
    labels = tmp_path / "labels.jsonl"
    rows = [
        {"text": "order a big latte", "intent": "orderDrink",
         "slots": {"coffeeDrink": "latte", "drinkSize": "large"}},
        {"text": "turn on the porch light", "intent": "HassTurnOn", "slots": {"name": "porch light"}},
    ]  # fmt: skip
    labels.write_text("".join(json.dumps(row) + "\n" for row in rows))
    results = evaluate_text(ting_assistant_factory(Drinks()), read_labels(labels))
    summary = summarise(results)
    assert summary["frame_accuracy"] == 1.0, summary["misses"]
