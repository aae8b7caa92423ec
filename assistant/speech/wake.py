"""Wake-phrase spotting: does an utterance start with "hey ting", and what follows it?

The recogniser's transcript of each utterance is checked at its start. The phrase and
what was heard are compared on a rough phonetic spelling, so that a recogniser's guesses
at an unusual name ("Hey, Ting", "Hating.", even "18.") still count, while ordinary
speech, which rarely starts with those sounds, does not. The false-accept rate on speech
without the phrase is measured in tests/test_wake.py and bench/bench_live.py; with Whisper,
the audio has the last word (:func:`assistant.speech.rescore.wake_heard`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from rapidfuzz import fuzz

from ..errors import ConfigError
from ..nlu import normalize
from .understand import phonetic_key, spoken_digits

__all__ = ["WAKE_SCORE", "WakeResult", "WakeSpotter"]

_LOGGER = logging.getLogger(__name__)

WAKE_SCORE = 70.0
"""Least similarity (0..100) of the utterance's first words to the wake phrase."""


@dataclass(frozen=True, slots=True)
class WakeResult:
    """Whether the wake phrase was heard, how well, and the command that followed it."""

    woke: bool
    score: float
    command: str


class WakeSpotter:
    """Spots a configurable wake phrase at the start of a transcript."""

    def __init__(self, phrase: str, *, threshold: float = WAKE_SCORE) -> None:
        words = normalize(phrase)
        if not words or len(" ".join(words).replace(" ", "")) < 4:
            raise ConfigError(
                f"wake phrase {phrase!r} is too short to spot reliably; set speech.wake_phrase "
                "to two or more words, e.g. 'hey ting'"
            )
        self.phrase = " ".join(words)
        self.threshold = threshold
        self._key = phonetic_key(self.phrase)
        self._size = len(words)

    @property
    def grammar(self) -> tuple[str, ...]:
        """Sentences for a grammar recogniser that listens for the phrase alone."""
        return (self.phrase, "[unk]")

    def check(self, text: str) -> WakeResult:
        """Look for the phrase in the first words of ``text``."""
        tokens = normalize(spoken_digits(text))  # "hey, ting!" comes out as "18"
        best = WakeResult(False, 0.0, " ".join(tokens))
        # The recogniser may split or merge the phrase's words: try one word fewer and more.
        for size in range(max(1, self._size - 1), min(len(tokens), self._size + 1) + 1):
            heard = " ".join(tokens[:size])
            score = float(fuzz.ratio(phonetic_key(heard), self._key))
            if score > best.score:
                woke = score >= self.threshold
                best = WakeResult(woke, score, " ".join(tokens[size:]) if woke else best.command)
        if best.woke:
            _LOGGER.debug("wake phrase heard (%.0f): %r", best.score, text)
        else:
            best = WakeResult(False, best.score, " ".join(tokens))
        return best
