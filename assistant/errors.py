"""Errors raised by Ting; the CLI turns each into a one-line message and exit status 2."""

from __future__ import annotations

__all__ = [
    "AssistantError",
    "AudioError",
    "ConfigError",
    "DeviceError",
    "ManifestError",
    "ModelError",
    "PluginError",
    "ServiceError",
    "TemplateError",
]


class AssistantError(Exception):
    """Base class of every error Ting reports to a user."""


class ConfigError(AssistantError):
    """The configuration file or an environment override is invalid."""


class PluginError(AssistantError):
    """A plugin could not be loaded or declared something invalid."""


class ManifestError(PluginError):
    """A service manifest is unreadable, invalid, or repeats an id that is already taken."""


class TemplateError(PluginError):
    """An intent template does not follow the template syntax."""


class AudioError(AssistantError):
    """An audio file or stream cannot be read."""


class DeviceError(AssistantError):
    """A microphone or speaker is missing or unusable."""


class ModelError(AssistantError):
    """A speech model is missing, corrupt or of the wrong kind."""


class ServiceError(AssistantError):
    """A mini-program service failed, timed out or answered nonsense."""
