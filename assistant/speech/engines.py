"""Speech recognisers: what every engine provides, and the registry that names them."""

from __future__ import annotations

import contextvars
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import pluggy

from ..errors import ConfigError, PluginError
from ..pluginrun import run_plugin_code

if TYPE_CHECKING:
    from ..assistant import Assistant
    from ..config import Settings, SpeechSettings
    from .audio import Audio

__all__ = [
    "AcousticScorer",
    "Alternative",
    "BUILTIN_PLUGIN",
    "CURRENT_SETTINGS",
    "EngineFactory",
    "EngineRegistry",
    "load_recognizer",
    "Hints",
    "Partial",
    "Recognizer",
    "Transcript",
    "Word",
    "engine_registry",
]

_LOGGER = logging.getLogger(__name__)

BUILTIN_PLUGIN = "ting-speech-engines"
"""Plugin name under which the bundled engines (vosk, whisper) are registered."""

CURRENT_SETTINGS: contextvars.ContextVar[Settings | None] = contextvars.ContextVar(
    "ting_settings", default=None
)
"""The full settings while a factory runs (engines get ``settings.speech``; a bundled engine
also needs the cache folder to find its model)."""

_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,39}$")


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word with its timing in the audio (seconds) and confidence (0..1)."""

    word: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True, slots=True)
class Partial:
    """The words heard so far in an utterance that has not ended."""

    text: str


@dataclass(frozen=True, slots=True)
class Alternative:
    """One sentence the recogniser may have heard, with its log-probability (nats)."""

    text: str
    score: float


AcousticScorer = Callable[[Sequence[str]], list[float]]
"""``(sentences) -> log-probabilities``: how well each sentence fits the utterance's audio."""


@dataclass(frozen=True, slots=True)
class Transcript:
    """What a recogniser heard in one utterance or file.

    An engine that can may also give :attr:`alternatives` (its n-best, best first, the first
    being :attr:`text`) and an :attr:`acoustic` scorer for other sentences under the same
    audio; :mod:`assistant.speech.rescore` lets the skills' sentences choose among them.
    """

    text: str
    words: tuple[Word, ...] = ()
    confidence: float = 0.0
    duration: float = 0.0
    engine: str = ""
    source: str = field(default="", compare=False)  # "grammar" or "free" for Vosk
    alternatives: tuple[Alternative, ...] = field(default=(), compare=False)
    acoustic: AcousticScorer | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form (for `assistant transcribe --json`)."""
        return {
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "duration": round(self.duration, 3),
            "engine": self.engine,
            "words": [
                {
                    "word": w.word,
                    "start": round(w.start, 3),
                    "end": round(w.end, 3),
                    "confidence": round(w.confidence, 4),
                }
                for w in self.words
            ],
        }


@dataclass(frozen=True, slots=True)
class Hints:
    """What the loaded skills can tell a recogniser about the words it will hear.

    :ivar grammar: sentences a grammar-capable engine may decode against (Vosk); ``[unk]``
        stands for any out-of-grammar word.
    :ivar prompt: text that primes a sequence-to-sequence engine (Whisper's initial prompt).
    :ivar hotwords: words to favour while decoding (Whisper's hotwords).
    """

    grammar: tuple[str, ...] = ()
    prompt: str | None = None
    hotwords: str | None = None


@runtime_checkable
class Recognizer(Protocol):
    """A loaded speech model that turns 16-bit-ready float32 mono audio into text.

    Streaming engines return partial transcripts from :meth:`accept`; the others buffer the
    audio and decode it in :meth:`result`. Both reset after :meth:`result`.
    """

    name: str
    rate: int
    streaming: bool

    def configure(self, hints: Hints | None) -> None:
        """Use (or, with None, stop using) the skills' vocabulary."""

    def accept(self, chunk: np.ndarray) -> Partial | None:
        """Feed float32 samples at :attr:`rate`; a new partial transcript, if any."""

    def result(self) -> Transcript:
        """End the utterance: the final transcript of everything accepted since the last one."""

    # Optional: ``settle()``. A streaming engine may define it; the pipeline calls it once the
    # speaker has paused for half the endpointing silence, so that the decoding work of
    # result() can be done while the endpointer waits for the silence to run out.

    def reset(self) -> None:
        """Drop the audio accepted so far."""

    def transcribe(self, audio: Audio, *, words: bool = True) -> Transcript:
        """Recognise a whole recording (any number of utterances) in one go."""

    def close(self) -> None:
        """Release the model."""


EngineFactory = Callable[[str | None, "SpeechSettings"], Recognizer]
"""``(model, settings) -> Recognizer``: ``model`` is a catalog name, a path or None."""


@dataclass
class EngineRegistry:
    """Engines by name, each with the plugin that registered it."""

    factories: dict[str, EngineFactory] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    """One line per engine (or plugin) that was refused; the others stay usable."""

    def add(self, name: object, factory: object, plugin: str) -> None:
        """Validate and add one engine; a name taken by another plugin is refused."""
        if not isinstance(name, str) or not _NAME.match(name):
            raise PluginError(
                f"plugin {plugin!r} registered an engine named {name!r}; use a lower-case name "
                "such as 'vosk'"
            )
        if not callable(factory):
            raise PluginError(
                f"plugin {plugin!r} registered engine {name!r} without a callable factory"
            )
        if name in self.factories:
            raise PluginError(
                f"engine {name!r} of plugin {plugin!r} skipped: plugin {self.owners[name]!r} "
                "registered that name first; rename it or disable one of them"
            )
        self.factories[name] = factory  # type: ignore[assignment]
        self.owners[name] = plugin

    @property
    def names(self) -> list[str]:
        """Registered engine names, sorted."""
        return sorted(self.factories)

    def create(self, name: str, model: str | None, settings: Settings) -> Recognizer:
        """Load engine ``name`` with ``model``; an unknown name is a ConfigError."""
        factory = self.factories.get(name)
        if factory is None:
            known = ", ".join(self.names) or "none"
            raise ConfigError(f"unknown speech engine {name!r}; use --engine with one of: {known}")
        _LOGGER.debug("loading engine %s (model %s)", name, model)
        token = CURRENT_SETTINGS.set(settings)
        try:
            return factory(model, settings.speech)
        finally:
            CURRENT_SETTINGS.reset(token)


def engine_registry(plugin_manager: pluggy.PluginManager) -> EngineRegistry:
    """Collect every ``register_engines`` contribution, the bundled engines included.

    The bundled engines are a core plugin, registered when the plugin manager is built
    (:func:`~assistant.plugins.get_plugin_manager`). An engine that is refused, or a plugin
    whose hook fails, is recorded in ``problems`` and logged; every other engine stays.
    """
    registry = EngineRegistry()
    for impl in plugin_manager.hook.register_engines.get_hookimpls():  # in registration order
        collected: list[tuple[object, object]] = []

        def register(
            name: object, factory: object, _into: list[tuple[object, object]] = collected
        ) -> None:
            _into.append((name, factory))

        try:
            run_plugin_code(
                partial(impl.function, register=register),
                f"plugin {impl.plugin_name!r} in register_engines",
            )
        except Exception as exc:
            registry.problems.append(
                f"plugin {impl.plugin_name!r} skipped: register_engines failed: {exc}"
            )
            continue
        for name, factory in collected:
            try:
                registry.add(name, factory, impl.plugin_name)
            except PluginError as exc:
                registry.problems.append(str(exc))
    for problem in registry.problems:
        _LOGGER.warning("%s", problem)
    return registry


def pcm16(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] as little-endian 16-bit PCM bytes."""
    clipped = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    return (clipped * 32767.0).astype("<i2").tobytes()


def join_words(words: Sequence[Word]) -> str:
    """The text of a word sequence."""
    return " ".join(w.word for w in words)


def load_recognizer(
    assistant: Assistant, engine: str | None = None, model: str | None = None
) -> Recognizer:
    """The named engine (default: the configured one) with its model loaded."""
    settings = assistant.settings
    registry = engine_registry(assistant.plugin_manager)
    return registry.create(engine or settings.speech.engine, model, settings)
