"""Helpers for skills answered by services: the directory, apologies, keys, the open app."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from typing import Any

from ..errors import ServiceError
from ..messages import IntentRequest, Reply
from ..skillcontext import SkillContext
from .directory import ServiceDirectory
from .invoke import CallResult
from .manifest import ServiceManifest

__all__ = [
    "close_app",
    "directory_of",
    "idempotency_key",
    "open_app",
    "pending_details",
    "remember_pending",
    "service_reply",
    "set_open_app",
    "what_it_offers",
]

_LOGGER = logging.getLogger(__name__)

_OPEN_APP = "open_app"
_PENDING = "pending"


def directory_of(context: SkillContext) -> ServiceDirectory:
    """The service directory, or a ServiceError when none is loaded."""
    services = context.services
    if not isinstance(services, ServiceDirectory):
        raise ServiceError("mini programs are not available right now")
    return services


def service_reply(text: str, result: CallResult, **fields: Any) -> Reply:
    """A reply naming the service and action that answered, with their data for --json."""
    data = {**result.data, **fields.pop("data", {})}
    return Reply(text=text, service=result.service, action=result.action, data=data, **fields)


def _fingerprint(request: IntentRequest) -> str:
    return json.dumps({"intent": request.intent, "slots": request.slots}, sort_keys=True)


def remember_pending(context: SkillContext, request: IntentRequest, **details: Any) -> None:
    """Before asking to confirm: remember the request with a fresh token and any details."""
    context.state[_PENDING] = {
        "token": uuid.uuid4().hex,
        "request": _fingerprint(request),
        **details,
    }


def pending_details(context: SkillContext, request: IntentRequest) -> dict[str, Any]:
    """What :func:`remember_pending` stored for this request (empty if it was another)."""
    pending = context.state.get(_PENDING)
    if isinstance(pending, dict) and pending.get("request") == _fingerprint(request):
        return dict(pending)
    return {}


def idempotency_key(context: SkillContext, request: IntentRequest) -> str:
    """The key of a confirmed request: the same pending request always gets the same key,
    so a confirmation sent twice never places two orders; a new request gets a new one."""
    pending = pending_details(context, request)
    if not pending:
        pending = {"token": uuid.uuid4().hex}
        _LOGGER.info("confirmed %s without a pending request; using a fresh key", request.intent)
    raw = f"{context.skill.name}|{pending['token']}|{_fingerprint(request)}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _shared(context: SkillContext) -> dict[str, Any]:
    """State every skill of the session can see."""
    return context.session_state


def set_open_app(context: SkillContext, service_id: str) -> None:
    """Remember the mini-program the user opened, for follow-ups."""
    context.state[_OPEN_APP] = service_id
    _shared(context)[_OPEN_APP] = service_id


def close_app(context: SkillContext) -> None:
    """Forget the open mini-program: what is said next goes to the skills alone."""
    context.state.pop(_OPEN_APP, None)
    _shared(context).pop(_OPEN_APP, None)


def open_app(context: SkillContext, *, capability: str | None = None) -> ServiceManifest | None:
    """The open mini-program (if it offers ``capability``), or None."""
    service_id = _shared(context).get(_OPEN_APP)
    if not isinstance(service_id, str) or not isinstance(context.services, ServiceDirectory):
        return None
    manifest = context.services.get(service_id)
    if manifest is None or (capability is not None and not manifest.offers(capability)):
        return None
    return manifest


def what_it_offers(manifest: ServiceManifest) -> str:
    """'see the menu, price a drink order and order drinks for pickup' from its actions."""
    phrases = [a.description[0].lower() + a.description[1:] for a in manifest.actions]
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]
