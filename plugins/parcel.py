"""The parcel skill: asks the couriers' mini programs where your parcels are."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from assistant import IntentRequest, Reply, SkillContext, hookimpl
from assistant.services import CallResult, ServiceCallError, ServiceManifest
from assistant.services.skillkit import directory_of, open_app, service_reply

from .vocab import load_skill

__all__ = ["handle_intent", "register_skills"]

__version__ = "0.1.0"

TRACK = "track_parcels"
_ORDER = {"out for delivery": 0, "in transit": 1, "picked up": 2, "delivered": 3}


@hookimpl
def register_skills(register: Callable[..., None]) -> None:
    register(load_skill("parcel"))


_SPOKEN = 3
"""Parcels read out at most in one reply; the rest by asking about their courier."""


@hookimpl
def handle_intent(request: IntentRequest, context: SkillContext) -> Reply | None:
    if request.intent != "parcel.track":
        return None
    return _track(request, context)


def _when(iso: str) -> str:
    moment = datetime.fromisoformat(iso)
    part = "morning" if moment.hour < 12 else "afternoon" if moment.hour < 18 else "evening"
    return f"{moment.strftime('%A')} {part}"


def _say(parcel: dict[str, Any], courier: str) -> str:
    what = f"your {courier} parcel, {parcel['item']} from {parcel['from']},"
    if parcel["status"] == "delivered":
        return f"{what} has been delivered to {parcel['location']}"
    if parcel["status"] == "out for delivery":
        return f"{what} is out for delivery and should arrive today"
    place = "at" if parcel["status"] == "in transit" else "from"
    return (
        f"{what} is {parcel['status']} {place} {parcel['location']}; expected "
        f"{_when(parcel['estimated_delivery'])}"
    )


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."


def _track(request: IntentRequest, context: SkillContext) -> Reply:
    directory = directory_of(context)
    carrier = request.slots.get("carrier")
    couriers: list[ServiceManifest]
    if carrier is not None:
        found = directory.resolve(str(carrier), capability=TRACK)
        if found is None:
            return Reply(text=f"Sorry, I could not find a tracking mini program for {carrier}.")
        couriers = [found]
    else:
        opened = open_app(context, capability=TRACK)
        couriers = [opened] if opened is not None else directory.find(TRACK)
    if not couriers:
        return Reply(text="Sorry, no parcel tracking mini program is installed.")
    answered: list[tuple[CallResult, ServiceManifest]] = []
    failed: list[ServiceCallError] = []
    for courier in couriers:
        try:
            answered.append((directory.call(courier.id, TRACK), courier))
        except ServiceCallError as exc:
            failed.append(exc)
    if not answered:
        raise failed[0]  # the assistant apologises, naming the courier
    parcels = [(p, m.name, r) for r, m in answered for p in r.data.get("parcels", [])]
    parcels.sort(key=lambda item: _ORDER.get(item[0]["status"], 9))
    names = ", ".join(m.name for _, m in answered)
    if not parcels:
        return service_reply(f"{names} have no parcels for you.", answered[0][0])
    text = " ".join(_sentence(_say(p, name)) for p, name, _ in parcels[:_SPOKEN])
    if len(parcels) > _SPOKEN:
        rest = parcels[_SPOKEN:]
        other = "other one" if len(rest) == 1 else f"other {len(rest)}"
        text = f"You have {len(parcels)} parcels; the first {_SPOKEN}: {text}"
        text += f' To hear about the {other}, ask "track my {rest[0][1]} parcel".'
    elif len(parcels) > 1:
        text = f"You have {len(parcels)} parcels. " + text
    if failed:
        text += f" {failed[0]}, so I could not check it."
    first = parcels[0][2]
    return service_reply(
        text,
        first,
        data={"parcels": [p for p, _, _ in parcels], "services": [m.id for _, m in answered]},
    )
