"""Ting: an offline voice assistant whose skills are pluggy plugins."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .hookspecs import hookimpl

if TYPE_CHECKING:
    from .assistant import Assistant
    from .config import Settings, load_settings
    from .dialog import Session
    from .errors import (
        AssistantError,
        AudioError,
        ConfigError,
        DeviceError,
        ModelError,
        PluginError,
        ServiceError,
        TemplateError,
    )
    from .messages import IntentRequest, Notice, Reply, Turn
    from .services.skillkit import (
        close_app,
        directory_of,
        idempotency_key,
        open_app,
        pending_details,
        remember_pending,
        service_reply,
        set_open_app,
        what_it_offers,
    )
    from .skill import IntentSpec, Skill, SlotList, SlotSpec
    from .skillcontext import LoadedSkill, SkillContext

__version__ = "0.1.0"

# Public names and the modules they live in; imported on first use so that importing
# `assistant` (as every plugin and the pytest plugin do) stays cheap.
_EXPORTS = {
    "Assistant": "assistant",
    "Settings": "config",
    "load_settings": "config",
    "Session": "dialog",
    "AssistantError": "errors",
    "AudioError": "errors",
    "ConfigError": "errors",
    "DeviceError": "errors",
    "ModelError": "errors",
    "PluginError": "errors",
    "ServiceError": "errors",
    "TemplateError": "errors",
    "IntentRequest": "messages",
    "Reply": "messages",
    "Notice": "messages",
    "Turn": "messages",
    "IntentSpec": "skill",
    "Skill": "skill",
    "SlotList": "skill",
    "SlotSpec": "skill",
    "LoadedSkill": "skillcontext",
    "SkillContext": "skillcontext",
    # Helpers for skills answered by mini-program services (docs/writing-a-skill.md).
    "close_app": "services.skillkit",
    "directory_of": "services.skillkit",
    "idempotency_key": "services.skillkit",
    "open_app": "services.skillkit",
    "pending_details": "services.skillkit",
    "remember_pending": "services.skillkit",
    "service_reply": "services.skillkit",
    "set_open_app": "services.skillkit",
    "what_it_offers": "services.skillkit",
}

__all__ = [
    "Assistant",
    "AssistantError",
    "AudioError",
    "ConfigError",
    "DeviceError",
    "IntentRequest",
    "IntentSpec",
    "LoadedSkill",
    "ModelError",
    "Notice",
    "PluginError",
    "Reply",
    "ServiceError",
    "Session",
    "Settings",
    "Skill",
    "SkillContext",
    "SlotList",
    "SlotSpec",
    "TemplateError",
    "Turn",
    "__version__",
    "close_app",
    "directory_of",
    "hookimpl",
    "idempotency_key",
    "load_settings",
    "open_app",
    "pending_details",
    "remember_pending",
    "service_reply",
    "set_open_app",
    "what_it_offers",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
