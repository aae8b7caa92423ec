"""The bundled engines, registered through the ``register_engines`` hook like any plugin's."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..config import Settings
from ..hookspecs import hookimpl

if TYPE_CHECKING:
    from ..config import SpeechSettings
    from .engines import Recognizer

__all__ = ["register_engines", "vosk_factory", "whisper_factory"]

_LOGGER = logging.getLogger(__name__)


def vosk_factory(model: str | None, settings: SpeechSettings) -> Recognizer:
    """Vosk with ``model`` (catalog name or path), else the configured or default model."""
    from .models import resolve_model
    from .vosk_engine import VoskRecognizer

    path = resolve_model("vosk", model, _full(settings))
    return VoskRecognizer(path)


def whisper_factory(model: str | None, settings: SpeechSettings) -> Recognizer:
    """faster-whisper on the CPU (int8, two threads)."""
    from .models import resolve_model
    from .whisper_engine import WhisperRecognizer

    path = resolve_model("whisper", model, _full(settings))
    return WhisperRecognizer(path, language=settings.language, threads=settings.threads)


def _full(speech: SpeechSettings) -> Settings:
    """The full settings these speech settings belong to (for the model cache folder)."""
    from .engines import CURRENT_SETTINGS  # numpy and the rest only when an engine loads

    current = CURRENT_SETTINGS.get()
    if current is not None and current.speech == speech:
        return current
    return Settings(speech=speech)


@hookimpl
def register_engines(register: Callable[..., None]) -> None:
    """vosk (the default, streaming, grammars) and whisper (optional extra)."""
    register("vosk", vosk_factory)
    register("whisper", whisper_factory)
