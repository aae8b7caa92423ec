"""The transit skill: bus arrivals from a city-bus mini program."""

from __future__ import annotations

from collections.abc import Callable

from assistant import IntentRequest, Reply, SkillContext, hookimpl
from assistant.services.skillkit import directory_of, service_reply

from .vocab import load_skill

__all__ = ["handle_intent", "register_skills"]

__version__ = "0.1.0"

NEXT_BUS = "next_bus"


@hookimpl
def register_skills(register: Callable[..., None]) -> None:
    register(load_skill("transit"))


@hookimpl
def handle_intent(request: IntentRequest, context: SkillContext) -> Reply | None:
    if request.intent != "transit.next_bus":
        return None
    return _next_bus(request, context)


def _minutes(n: int) -> str:
    return "1 minute" if n == 1 else f"{n} minutes"


def _next_bus(request: IntentRequest, context: SkillContext) -> Reply:
    directory = directory_of(context)
    services = directory.find(NEXT_BUS)
    if not services:
        return Reply(text="Sorry, no bus mini program is installed.")
    args: dict[str, object] = {"line": int(request.slots["line"])}
    if "stop" in request.slots:
        args["stop"] = request.slots["stop"]
    result = directory.call(services[0].id, NEXT_BUS, args)
    data = result.data
    line, stop = data["line"], str(data["stop"]).title()
    arrivals = [int(m) for m in data.get("arrivals_in_minutes", [])]
    if not arrivals:
        return service_reply(
            f"No more {line} buses at {stop} tonight; the first one leaves at "
            f"{data.get('first_bus', 'dawn')}.",
            result,
        )
    text = f"The {line} bus towards {str(data['towards']).title()} reaches {stop} in "
    text += _minutes(arrivals[0])
    if len(arrivals) > 1:
        text += ", then in " + " and ".join(str(m) for m in arrivals[1:]) + " minutes"
    return service_reply(text + ".", result)
