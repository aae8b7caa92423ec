"""Any-order groups: "(a;b;c)" says the parts may come in any order, each once."""

from __future__ import annotations

import pytest

from assistant import Skill
from assistant.errors import TemplateError
from assistant.nlu import Matcher, parse_template

_CAFE = Skill.model_validate(
    {
        "name": "cafe",
        "lists": {
            "drink": {"values": {"latte": [], "mocha": []}},
            "size": {"values": {"small": [], "large": []}},
            "milk": {"values": {"oat milk": ["oat"], "soy milk": ["soy"]}},
        },
        "intents": [
            {
                "name": "cafe.order",
                "templates": ["(order|get me) [a] ([{size}];{drink};[with {milk}])"],
                "slots": {"drink": {"required": True}, "size": {}, "milk": {}},
            }
        ],
    }
)


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("order a large latte with oat milk", {"size": "large", "drink": "latte", "milk": "oat milk"}),
        ("get me a latte large with soy", {"size": "large", "drink": "latte", "milk": "soy milk"}),
        ("order with oat milk a small mocha", {"size": "small", "drink": "mocha", "milk": "oat milk"}),
        ("order a mocha", {"drink": "mocha"}),
    ],
)  # fmt: skip
def test_the_parts_are_understood_in_any_order(text: str, slots: dict[str, str]) -> None:
    match = Matcher.build([_CAFE]).match(text)
    assert match is not None and match.intent == "cafe.order"
    assert dict(match.slots) == slots
    assert match.confidence > 0.95


def test_a_part_is_said_once_only() -> None:
    exact = Matcher.build([_CAFE]).best("order a latte latte large")
    assert exact is None or exact.confidence < 1.0


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("order (a;b;c;d;e;f)", "at most 5 parts"),
        ("order (a;;b)", "empty part of an any-order group"),
        ("order [a;b]", "closed by ';'"),
        ("order a;b", "unbalanced ';'"),
    ],
)
def test_bad_any_order_groups_are_refused(template: str, problem: str) -> None:
    with pytest.raises(TemplateError, match=problem):
        parse_template(template)
