"""The barista example of docs/examples/ understands coffee orders said every way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.testing import assert_intent, assert_not_understood

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


@pytest.fixture
def barista(ting_assistant_factory: Any) -> Any:
    return ting_assistant_factory(EXAMPLES)  # the folder of examples, as --plugins-dir


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("make me a small americano", {"size": "small", "coffeeDrink": "americano"}),
        (
            "could i have a triple shot medium roast espresso",
            {"numberOfShots": "triple shot", "roast": "medium roast", "coffeeDrink": "espresso"},
        ),
        ("i would like a dark roasted large mocha", {"size": "large", "roast": "dark roast"}),
        ("get me a cafe latte with lots of milk", {"coffeeDrink": "latte"}),
        ("a twelve oz house coffee please", {"size": "twelve ounce"}),
    ],
)
def test_orders_in_any_order(barista: Any, text: str, slots: dict[str, str]) -> None:
    turn = barista.handle(text, barista.new_session())
    assert_intent(turn, "orderDrink", **slots)
    assert turn.reply.startswith("Brewing a ")


def test_a_canonical_value_is_a_repair_target(barista: Any) -> None:
    from assistant.speech.understand import Understanding

    understanding = Understanding.from_assistant(barista)
    assert "light roast" in understanding.forms
    match = barista.matcher.match(understanding.prepare("a large light rose latte"))
    assert match is not None and match.slots["roast"] == "light roast"


@pytest.mark.parametrize("text", ["play some jazz", "what is the weather like tomorrow"])
def test_other_requests_are_not_coffee(barista: Any, text: str) -> None:
    assert_not_understood(barista.handle(text, barista.new_session()))
