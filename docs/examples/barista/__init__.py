"""The barista: a coffee maker's skill (one intent, ``orderDrink``), declared in skill.toml."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant import IntentRequest, Reply, Skill, SkillContext, hookimpl

__version__ = "1.0.0"

_ORDER = ("size", "roast", "numberOfShots", "coffeeDrink")


@hookimpl
def register_skills(register: Callable[..., None]) -> None:
    register(Skill.from_toml(Path(__file__).with_name("skill.toml")))


@hookimpl
def handle_intent(request: IntentRequest, context: SkillContext) -> Reply | None:
    if request.intent != "orderDrink":
        return None
    slots = request.slots
    drink = " ".join(str(slots[name]) for name in _ORDER if name in slots)
    extras = [str(slots[name]) for name in ("milkAmount", "sugarAmount") if name in slots]
    with_ = f" with {' and '.join(extras)}" if extras else ""
    return Reply(text=f"Brewing a {drink}{with_}.")
