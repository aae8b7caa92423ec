"""Ting: an offline voice assistant whose skills are pluggy plugins."""

from __future__ import annotations

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
from .hookspecs import hookimpl
from .messages import IntentRequest, Reply, Turn
from .skill import IntentSpec, Skill, SlotList, SlotSpec
from .skillcontext import LoadedSkill, SkillContext

__version__ = "0.1.0"

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
    "hookimpl",
    "load_settings",
]
