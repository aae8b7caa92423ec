"""The miniprogram skill: searches the mini-program directory and opens a mini program."""

from __future__ import annotations

from collections.abc import Callable

from assistant import IntentRequest, Reply, SkillContext, hookimpl
from assistant.services.skillkit import (
    close_app,
    directory_of,
    open_app,
    set_open_app,
    what_it_offers,
)
from assistant.services.voice import AppVoice

from .vocab import load_skill

__all__ = ["handle_intent", "register_skills"]

__version__ = "0.1.0"

# What to say next, by an action the opened mini program offers.
_TRY = {
    "order_drink": "order a latte",
    "list_coupons": "show my coupons",
    "next_bus": "when is the next bus number forty two",
    "track_parcels": "where is my package",
    "forecast": "what's the weather tomorrow",
    "guide": "show me a travel guide for chengdu",
}


@hookimpl
def register_skills(register: Callable[..., None]) -> None:
    register(load_skill("miniprogram"))


@hookimpl
def handle_intent(request: IntentRequest, context: SkillContext) -> Reply | None:
    if request.intent == "miniprogram.search":
        return _search(request, context)
    if request.intent == "miniprogram.open":
        return _open(request, context)
    if request.intent == "miniprogram.close":
        return _close(request, context)
    return None


def _search(request: IntentRequest, context: SkillContext) -> Reply:
    query = str(request.slots["query"])
    hits = directory_of(context).search(query, limit=3)
    data = {"query": query, "results": [hit.as_dict() for hit in hits]}
    if not hits:
        return Reply(
            text=f"I found no mini program for {query}.",
            service="directory",
            action="search",
            data=data,
        )
    best = hits[0].manifest
    others = [hit.manifest.name for hit in hits[1:]]
    if hits[0].partial:
        text = f'No mini program matches "{query}" in full. The closest is {best.name}: '
        text += best.description
    else:
        text = f"The best match is {best.name}: {best.description}"
    if others:
        text += f" Also: {', '.join(others)}."
    text += f' Say "open {best.id.replace("_", " ")}" to use it.'
    return Reply(text=text, service="directory", action="search", data=data)


def _open(request: IntentRequest, context: SkillContext) -> Reply:
    name = str(request.slots["app"])
    manifest = directory_of(context).resolve(name)
    if manifest is None:
        return Reply(text=f"Sorry, I could not find a mini program called {name}.")
    set_open_app(context, manifest.id)
    text = f"{manifest.name} is open. {manifest.description} You can {what_it_offers(manifest)}."
    hint = next((_TRY[a.name] for a in manifest.actions if a.name in _TRY), None)
    if hint is None:  # a mini-program no skill speaks for: what its manifest lets one say
        hint = AppVoice(manifest).examples(manifest.actions[0].name)[0]
    if hint:
        text += f' Try "{hint}".'
    return Reply(
        text=text,
        service=manifest.id,
        action="open",
        data={
            "id": manifest.id,
            "name": manifest.name,
            "actions": [a.name for a in manifest.actions],
        },
    )


def _close(request: IntentRequest, context: SkillContext) -> Reply:
    current = open_app(context)
    name = request.slots.get("app")
    named = directory_of(context).resolve(str(name)) if name is not None else current
    if current is None or named is None or named.id != current.id:
        which = named.name if named is not None else "No mini program"
        return Reply(text=f"{which} is not open.")
    close_app(context)
    return Reply(text=f"{current.name} is closed.", service=current.id, action="close")
