"""The travel skill: city guides from a travel-guide mini program."""

from __future__ import annotations

from collections.abc import Callable

from assistant import IntentRequest, Reply, SkillContext, hookimpl
from assistant.services.skillkit import directory_of, service_reply

from .vocab import load_skill

__all__ = ["handle_intent", "register_skills"]

__version__ = "0.1.0"

GUIDE = "guide"


@hookimpl
def register_skills(register: Callable[..., None]) -> None:
    register(load_skill("travel"))


@hookimpl
def handle_intent(request: IntentRequest, context: SkillContext) -> Reply | None:
    if request.intent != "travel.guide":
        return None
    return _guide(request, context)


def _guide(request: IntentRequest, context: SkillContext) -> Reply:
    directory = directory_of(context)
    services = directory.find(GUIDE, category="travel") or directory.find(GUIDE)
    if not services:
        return Reply(text="Sorry, no travel guide mini program is installed.")
    city = str(request.slots["city"])
    result = directory.call(services[0].id, GUIDE, {"city": city})
    data = result.data
    sights = list(data["sights"])
    listed = ", ".join(sights[:-1]) + " and " + sights[-1] if len(sights) > 1 else sights[0]
    name = "Xi'an" if city == "xian" else city.title()
    text = (
        f"In {name}, see {listed}. Try {data['food']}. The best time to go is "
        f"{data['best_time']}. Tip: {data['tip']}. (From {services[0].name}.)"
    )
    return service_reply(text, result)
