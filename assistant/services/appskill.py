"""Answering a mini-program's intents (``app.<service>.<action>``) from its manifest alone:
the call, the confirmation with the price the service quotes, and the reply read from the
result."""

from __future__ import annotations

from typing import Any

from ..errors import ServiceError
from ..messages import IntentRequest, Reply
from ..skillcontext import SkillContext
from .directory import ServiceDirectory
from .manifest import Action, ServiceManifest
from .skillkit import (
    directory_of,
    idempotency_key,
    pending_details,
    remember_pending,
    service_reply,
    set_open_app,
    what_it_offers,
)
from .voice import HELP_ACTION, AppVoice, price_of, split_intent, spoken_forms

__all__ = ["LAST_CALL", "answer", "describe_result"]

LAST_CALL = "app_last_call"
"""Session state: service id → (action, arguments, entries listed) of its last call, so that
"book the first one" after a search takes the search's cities and its first train."""

_MAX_READ = 5  # entries read out of a list
_QUOTE_VERBS = ("quote", "estimate", "price")


def answer(request: IntentRequest, context: SkillContext) -> Reply | None:
    """The reply to an app intent, or None for any other intent."""
    parts = split_intent(request.intent)
    if parts is None:
        return None
    service, action_name = parts
    directory = directory_of(context)
    manifest = directory.get(service)
    if manifest is None:
        raise ServiceError(f"there is no mini program called {service!r}")
    set_open_app(context, service)
    if action_name == HELP_ACTION:
        return _help(manifest)
    action = manifest.action(action_name)
    if action is None:
        raise ServiceError(f"{manifest.name} cannot do that")
    about = request.slots.get("about") if "about" not in action.parameters else None
    args = {k: v for k, v in request.slots.items() if k in action.parameters}
    if action.side_effects and not request.confirmed:
        return _confirm(directory, manifest, action, args, request, context)
    key = idempotency_key(context, request) if action.side_effects else None
    result = directory.call(service, action.name, args, idempotency_key=key)
    entries = _entries(result.data)
    context.session_state.setdefault(LAST_CALL, {})[service] = (action.name, args, entries)
    text = describe_result(manifest, action, result.data, about=about, args=args)
    return service_reply(text, result)


def _help(manifest: ServiceManifest) -> Reply:
    voice = AppVoice(manifest)
    tries = [voice.examples(a.name)[0] for a in manifest.actions[:3]]
    text = f"{manifest.name} can {what_it_offers(manifest)}. Try: " + "; ".join(
        f'"{t}"' for t in tries
    )
    return Reply(
        text=text + ".",
        service=manifest.id,
        action=HELP_ACTION,
        data={"actions": [a.name for a in manifest.actions], "try": tries},
    )


def _confirm(
    directory: ServiceDirectory,
    manifest: ServiceManifest,
    action: Action,
    args: dict[str, Any],
    request: IntentRequest,
    context: SkillContext,
) -> Reply:
    action.check_arguments(manifest.id, dict(args))
    price, currency = _price(directory, manifest, action, args)
    what = _summary(action, args)
    text = f"{_sentence(action.description)} at {manifest.name}"
    text += f": {what}" if what else ""
    if price is not None:
        text += f", {_money(price, currency)}"
    text += ". Shall I go ahead?"
    if not pending_details(context, request):
        remember_pending(context, request, price=price)
    return Reply(
        text=text,
        confirm=True,
        service=manifest.id,
        action=action.name,
        data={"arguments": args, "price": price, "currency": currency},
    )


def _price(
    directory: ServiceDirectory, manifest: ServiceManifest, action: Action, args: dict[str, Any]
) -> tuple[float | None, str]:
    """What the service quotes for the call: its quote action's answer if it has one that
    takes these arguments, else the listed price of the chosen entry times the quantity."""
    for quote in manifest.actions:
        verb = quote.description.split()[0].lower() if quote.description.split() else ""
        if quote.side_effects or not (quote.name.startswith(_QUOTE_VERBS) or verb in _QUOTE_VERBS):
            continue
        required = {n for n, p in quote.parameters.items() if p.required}
        if not required <= set(args):
            continue
        given = {k: v for k, v in args.items() if k in quote.parameters}
        try:
            data = directory.call(manifest.id, quote.name, given).data
        except ServiceError:
            return None, ""
        return price_of(data), str(data.get("currency", ""))
    voice = AppVoice(manifest)
    for name, param in voice.actions[action.name].params.items():
        if param.values_from is None or name not in args:
            continue
        try:
            data = directory.call(manifest.id, param.values_from, {}).data
        except ServiceError:
            return None, ""
        for entry in _entries(data):
            if args[name] in entry.values():
                unit = price_of(entry)
                quantity = _quantity(args)
                if unit is not None:
                    return round(unit * quantity, 2), str(data.get("currency", ""))
    return None, ""


def _quantity(args: dict[str, Any]) -> int:
    for name in ("quantity", "count", "amount", "number"):
        value = args.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return 1


def _summary(action: Action, args: dict[str, Any]) -> str:
    """ "2 × mangoes 1kg", "to airport", "G17 from beijing to shanghai, tomorrow"."""
    parts: list[str] = []
    quantity = _quantity(args)
    for name, value in args.items():
        if name in ("quantity", "count"):
            continue
        words = set(name.split("_"))
        if words & {"origin", "from", "pickup", "start"}:
            parts.append(f"from {value}")
        elif words & {"destination", "to", "dropoff"}:
            parts.append(f"to {value}")
        elif isinstance(value, str) and action.parameters[name].type == "string":
            parts.append(f"{quantity} × {value}" if quantity > 1 and not parts else str(value))
        else:
            parts.append(f"{name.replace('_', ' ')} {value}")
    return " ".join(parts)


def _sentence(description: str) -> str:
    return description.rstrip(". ")


def _money(value: float, currency: str) -> str:
    unit = {"CNY": "yuan", "RMB": "yuan", "USD": "dollars", "EUR": "euros"}.get(
        currency.upper(), currency or "yuan"
    )
    return f"{value:g} {unit}"


def _entries(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        for value in data.values():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                return value
    return []


def describe_result(
    manifest: ServiceManifest,
    action: Action,
    data: dict[str, Any],
    *,
    about: Any = None,
    args: dict[str, Any] | None = None,
) -> str:
    """The result read out: the entries of a list (or the one asked about), else its fields
    (those the call was given aside)."""
    currency = str(data.get("currency", ""))
    entries = _entries(data)
    if entries:
        if about is not None:
            chosen = [e for e in entries if about in e.values()]
            if chosen:
                return f"At {manifest.name}, {_entry(chosen[0], currency, ' is ')}."
        listed = "; ".join(_entry(e, currency) for e in entries[:_MAX_READ])
        more = f" and {len(entries) - _MAX_READ} more" if len(entries) > _MAX_READ else ""
        return f"{manifest.name}: {listed}{more}."
    if "items" in data or any(isinstance(v, list) for v in data.values()):
        if not any(v for v in data.values() if isinstance(v, list)):
            return f"{manifest.name} has nothing to show for that."
    given = args or {}
    shown = {
        k: v
        for k, v in data.items()
        if not k.startswith("unit_")
        and not (k in given and given[k] == v)
        and not (k == "quantity" and v == 1)
    }
    fields = _fields(shown, currency)
    done = "Done. " if action.side_effects else ""
    return f"{done}{manifest.name}: {fields}." if fields else f"{done}{manifest.name} has answered."


def _entry(entry: dict[str, Any], currency: str, joint: str = ", ") -> str:
    label = next((v for v in entry.values() if isinstance(v, str)), None)
    rest = {k: v for k, v in entry.items() if v is not label}
    details = _fields(rest, currency, label_prices=False)
    if label is None:
        return details
    return f"{label}{joint}{details}" if details else str(label)


def _fields(data: dict[str, Any], currency: str, *, label_prices: bool = True) -> str:
    """ "order PG0012, total 59.6 yuan, delivery in 35 minutes"; a price alone is said
    without its name when ``label_prices`` is False ("mangoes 1kg, 29.8 yuan")."""
    said: list[str] = []
    for key, value in data.items():
        if key in ("currency", "status") or isinstance(value, list):
            continue
        words = key.replace("_", " ")
        if isinstance(value, dict):
            prices = [v for v in value.values() if isinstance(v, int | float)]
            if prices and any(p in key for p in ("fare", "price", "cost")):
                said.append(f"{words} from {_money(min(prices), currency)}")
            continue
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float) and any(
            p in key for p in ("price", "total", "fare", "cost", "amount")
        ):
            money = _money(float(value), currency)
            said.append(money if not label_prices and key == "price" else f"{words} {money}")
        elif key.endswith(("_km", "_kg")):
            said.append(f"{words[:-3]} {value} {key[-2:]}")
        elif key.endswith("_minutes"):
            said.append(f"{words.removesuffix(' minutes')} {value} minutes")
        elif key.endswith("_no") or key.endswith("_id"):
            said.append(f"{words.removesuffix(' no').removesuffix(' id')} {value}")
        else:
            said.append(f"{words} {value}")
    status = data.get("status")
    if isinstance(status, str):
        said.insert(0, status)
    return ", ".join(said[:6])


def spoken_value(value: str) -> str:
    """How a listed value is said back ("mangoes 1kg" → "mangoes")."""
    forms = spoken_forms(value)
    return forms[-1] if forms else value
