"""Dialog across turns: slot filling, confirmation, cancel, help, not understood."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant, IntentRequest, Reply, Settings, Skill, SkillContext, hookimpl


class Cafe:
    """A test skill: ordering has side effects, so it asks before it acts."""

    name = "cafe"

    def __init__(self) -> None:
        self.placed: list[dict[str, object]] = []
        self.calls: list[IntentRequest] = []

    @hookimpl
    def register_skills(self, register):  # type: ignore[no-untyped-def]
        register(
            Skill.model_validate(
                {
                    "name": "cafe",
                    "description": "Orders drinks",
                    "lists": {
                        "drink": {"values": {"latte": [], "mocha": [], "flat white": []}},
                        "size": {"values": {"small": [], "large": []}},
                    },
                    "intents": [
                        {
                            "name": "cafe.order",
                            "side_effects": True,
                            "examples": ["order a latte"],
                            "templates": [
                                "order [a] [{size}] {drink}",
                                "order [a] (coffee|drink)",
                            ],
                            "slots": {
                                "drink": {"required": True, "prompt": "Which drink?"},
                                "size": {},
                            },
                        },
                        {"name": "cafe.menu", "templates": ["what is on the menu"]},
                    ],
                }
            )
        )

    @hookimpl
    def handle_intent(self, request: IntentRequest, context: SkillContext) -> Reply | None:
        self.calls.append(request)
        if request.intent == "cafe.menu":
            context.state["menu_reads"] = context.state.get("menu_reads", 0) + 1
            return Reply(text=f"Latte, mocha. (read {context.state['menu_reads']} times)")
        size = request.slots.get("size", "medium")
        if not request.confirmed:
            return Reply(text=f"Order a {size} {request.slots['drink']} for 30 yuan?", confirm=True)
        self.placed.append(dict(request.slots))
        return Reply(text=f"Order {len(self.placed)} placed.", data={"order": len(self.placed)})


@pytest.fixture
def cafe() -> Cafe:
    return Cafe()


@pytest.fixture
def assistant(cafe: Cafe, tmp_path: Path) -> Assistant:
    return Assistant.create(Settings(data_dir=tmp_path), plugins=[cafe], entry_points=False)


def test_two_values_for_one_slot_are_asked_about_before_anything_is_done(
    assistant: Assistant, cafe: Cafe
) -> None:
    session = assistant.new_session()
    first = assistant.handle("order a latte and a mocha", session)
    assert (first.intent, first.reply, first.expecting) == (
        "cafe.order",
        "Which drink: latte or mocha?",
        "drink",
    )
    assert "drink" not in first.slots and cafe.calls == []
    second = assistant.handle("the mocha", session)
    assert (second.reply, second.expecting) == ("Order a medium mocha for 30 yuan?", "confirmation")
    assert assistant.handle("yes", session).reply == "Order 1 placed."
    assert cafe.placed == [{"drink": "mocha"}]


def test_a_whole_new_request_answers_the_question_too(assistant: Assistant, cafe: Cafe) -> None:
    session = assistant.new_session()
    assistant.handle("order a latte or a mocha", session)
    answer = assistant.handle("order a large latte", session)
    assert (answer.slots, answer.expecting) == ({"size": "large", "drink": "latte"}, "confirmation")


def test_a_change_before_yes_is_asked_again_and_then_done(assistant: Assistant, cafe: Cafe) -> None:
    session = assistant.new_session()
    assert assistant.handle("order a latte", session).reply == "Order a medium latte for 30 yuan?"
    changed = assistant.handle("make it a large", session)
    assert (changed.reply, changed.expecting) == (
        "Order a large latte for 30 yuan?",
        "confirmation",
    )
    again = assistant.handle("no, a mocha", session)
    assert again.reply == "Order a large mocha for 30 yuan?"
    assert cafe.placed == []  # nothing is done before yes
    assert assistant.handle("yes", session).reply == "Order 1 placed."
    assert cafe.placed == [{"size": "large", "drink": "mocha"}]


def test_a_new_request_for_the_same_intent_keeps_what_it_does_not_change(
    assistant: Assistant, cafe: Cafe
) -> None:
    session = assistant.new_session()
    assistant.handle("order a large latte", session)
    assert assistant.handle("order a mocha", session).reply == "Order a large mocha for 30 yuan?"


@pytest.mark.parametrize("answer", ["not a large", "don't make it a mocha"])
def test_what_not_to_do_changes_nothing(assistant: Assistant, cafe: Cafe, answer: str) -> None:
    session = assistant.new_session()
    assistant.handle("order a latte", session)
    turn = assistant.handle(answer, session)
    assert turn.expecting == "confirmation"
    assert turn.reply == "Please say yes or no. Order a medium latte for 30 yuan?"


def test_a_follow_up_changes_a_slot_of_the_last_request(assistant: Assistant, cafe: Cafe) -> None:
    session = assistant.new_session()
    assert assistant.handle("what about a mocha", session).understood is False  # no last one
    assistant.handle("order a large latte", session)
    assistant.handle("yes", session)
    again = assistant.handle("what about a mocha", session)
    assert (again.intent, again.slots) == ("cafe.order", {"size": "large", "drink": "mocha"})
    assert again.reply == "Order a large mocha for 30 yuan?"
    assert assistant.handle("no", session).reply == "OK, I won't do that."
    assert assistant.handle("the cat sat on the mat", session).understood is False
    assert cafe.placed == [{"size": "large", "drink": "latte"}]


def test_thanks_is_answered_and_leaves_the_question_open(assistant: Assistant, cafe: Cafe) -> None:
    session = assistant.new_session()
    assert assistant.handle("thanks", session).reply == "You're welcome."
    assistant.handle("order a latte", session)
    thanked = assistant.handle("thank you", session)
    assert thanked.reply == "You're welcome. Order a medium latte for 30 yuan?"
    assert thanked.expecting == "confirmation"
    assert assistant.handle("yes", session).reply == "Order 1 placed."


def test_slot_filling_then_confirmation(assistant: Assistant, cafe: Cafe) -> None:
    session = assistant.new_session()
    first = assistant.handle("order a coffee", session)
    assert (first.intent, first.reply, first.expecting) == ("cafe.order", "Which drink?", "drink")
    assert cafe.calls == []  # nothing is handled before the required slot is there
    second = assistant.handle("a large mocha please", session)
    assert second.reply == "Order a large mocha for 30 yuan?"
    assert second.expecting == "confirmation"
    assert cafe.placed == []  # nothing is done before the user says yes
    third = assistant.handle("yes please", session)
    assert third.intent == "system.confirm"
    assert third.reply == "Order 1 placed."
    assert third.data == {"order": 1}
    assert cafe.placed == [{"drink": "mocha", "size": "large"}]
    assert session.expecting is None


def test_slot_answer_may_be_a_bare_value(assistant: Assistant, cafe: Cafe) -> None:
    session = assistant.new_session()
    assistant.handle("order a drink", session)
    assert assistant.handle("flat white", session).reply == "Order a medium flat white for 30 yuan?"


def test_no_drops_the_action(assistant: Assistant, cafe: Cafe) -> None:
    session = assistant.new_session()
    assistant.handle("order a latte", session)
    turn = assistant.handle("no thanks", session)
    assert turn.intent == "system.deny"
    assert "won't" in turn.reply
    assert cafe.placed == []
    assert assistant.handle("yes", session).reply == "There's nothing to confirm right now."
    assert cafe.placed == []


@pytest.mark.parametrize("word", ["cancel", "never mind", "stop"])
def test_cancel_at_any_point(assistant: Assistant, cafe: Cafe, word: str) -> None:
    session = assistant.new_session()
    assistant.handle("order a coffee", session)
    assert assistant.handle(word, session).reply == "OK, cancelled."
    assert session.expecting is None
    assistant.handle("order a latte", session)
    assert assistant.handle(word, session).intent == "system.cancel"
    assert session.expecting is None and cafe.placed == []
    assert assistant.handle(word, session).reply == "There's nothing to cancel."


def test_a_new_request_replaces_a_pending_question(assistant: Assistant, cafe: Cafe) -> None:
    session = assistant.new_session()
    assistant.handle("order a latte", session)
    turn = assistant.handle("what is on the menu", session)
    assert turn.intent == "cafe.menu"
    assert session.expecting is None
    assert assistant.handle("yes", session).reply == "There's nothing to confirm right now."
    assert cafe.placed == []


def test_unclear_answers_reprompt_then_give_up(assistant: Assistant, cafe: Cafe) -> None:
    session = assistant.new_session()
    assistant.handle("order a latte", session)
    turn = assistant.handle("the cat sat on the mat", session)
    assert turn.intent is None and not turn.understood
    assert turn.reply == "Please say yes or no. Order a medium latte for 30 yuan?"
    assert session.expecting == "confirmation"
    assistant.handle("purple elephants", session)
    last = assistant.handle("more purple elephants", session)
    assert "start over" in last.reply
    assert session.expecting is None and cafe.placed == []


def test_skill_state_survives_across_turns(assistant: Assistant) -> None:
    session = assistant.new_session()
    assistant.handle("what is on the menu", session)
    assert assistant.handle("what is on the menu", session).reply.endswith("(read 2 times)")
    assert assistant.handle("what is on the menu").reply.endswith("(read 1 times)")


def test_help_lists_what_loaded_skills_can_do(assistant: Assistant) -> None:
    session = assistant.new_session()
    assistant.handle("order a coffee", session)
    turn = assistant.handle("what can you do", session)
    assert turn.intent == "system.help"
    assert "Orders drinks" in turn.reply and "order a latte" in turn.reply
    assert session.expecting == "drink"  # help does not drop the question being asked


@pytest.mark.parametrize(
    "text",
    ["", "   ", "the cat sat on the mat", "你好，帮我点咖啡", "\x00\x01\x02\xff", "x" * 10_000],
)
def test_input_that_means_nothing_is_not_understood(assistant: Assistant, text: str) -> None:
    turn = assistant.handle(text)
    assert turn.intent is None and not turn.understood
    assert "didn't understand" in turn.reply
