"""The skills' sentences choose what was heard: n-best and repairs, scored by the audio.

A recogniser that gives an n-best and an acoustic scorer (Whisper does: the beam's
hypotheses, and CTranslate2's ``align`` over the encoder output computed once) lets the
loaded skills take part in recognition. The candidates are

- the n-best itself, each with the beam's log-probability;
- the transcript repairs of :meth:`Understanding.prepare` on the first hypotheses;
- the first hypothesis with one or two spans of up to three words replaced by a known
  word or value that sounds alike ("medium row" → "medium roast", "maka" → "mocha"), kept
  only where the matcher is more confident with it.

Each candidate is scored as its acoustic log-probability (an edit: its base hypothesis's beam
score plus what the edit changes in the aligned probabilities), plus :data:`EXACT_BONUS` when
the matcher finds every word in a template and :data:`MATCH_WEIGHT` times its confidence. A
sentence forced onto the grammar must therefore sound nearly as likely as what was heard
freely: "play some jazz" does not become a coffee order, because no coffee sentence fits that
audio within a few nats.

Without an n-best (Vosk, or ``speech.rescore = false``), :meth:`Understanding.prepare` on the
transcript is the plain path, as before.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from ..nlu import normalize
from .understand import HOMOPHONES, phonetic_key, spoken_digits

if TYPE_CHECKING:
    from .engines import Transcript
    from .understand import Understanding
    from .wake import WakeSpotter

__all__ = ["EXACT_BONUS", "MATCH_WEIGHT", "WAKE_LOSS", "Rescorer", "after_wake", "wake_heard"]

_LOGGER = logging.getLogger(__name__)

EXACT_BONUS = 6.0
"""Nats a sentence gains when the matcher is sure of it (confidence ≥ 0.999): what a
forced parse may cost acoustically, at most, against the free hypothesis."""

MATCH_WEIGHT = 4.0
"""Nats per unit of matcher confidence."""

WAKE_LOSS = 20.0
"""Nats the audio may find the wake phrase less likely than the words heard in its place, at
most. Whisper writes "hey ting" as "Hating" or "Hey doing", 3-12 nats likelier than the
phrase (more when the audio is poor); "I think" and "a thing", which the spelling alone takes
for it, lose 23 or more."""

_SURE = 0.999
_REPAIRED = 3  # hypotheses repaired by Understanding.prepare
_TRIED = 16  # substitutions the matcher reads, at most: the nearest in sound first
_UNKNOWN = 15.0  # how much nearer a span with a word no skill knows counts
_NEAR = 60.0  # rapidfuzz ratio of phonetic keys for a substitution target
_TARGETS = 4  # targets tried per span
_SPAN = 3  # words replaced at most by one substitution
_KEEP = 8  # single substitutions scored acoustically, by matcher gain
_PAIR_LOSS = -8.0  # substitutions that may combine: acoustic loss above this
_PAIRED = 4  # ... and at most this many, the cheapest
_KEPT = 0.75  # a candidate keeps this share of the first hypothesis's sounds, at least
_FILLS = 5  # values of a missing required slot tried in place of unknown words, per run
_RUNS = 2  # runs of unknown words tried so
_SHORT_LOSS = 1.0  # nats a one-word hypothesis of the beam may lose to the first and be taken
_FILL_MARGIN = 5.0  # nats by which the audio must prefer one value to the others ...
_FILL_BONUS = 8.0  # ... for the sentence with it to gain this (the intent needs a value)


@dataclass
class _Candidate:
    text: str
    base: int  # index of the n-best hypothesis it was made from
    edited: bool
    confidence: float
    acoustic: float = -math.inf
    score: float = -math.inf


@dataclass
class Rescorer:
    """Chooses among what a recogniser may have heard, with the skills' sentences."""

    understanding: Understanding
    _confidences: dict[str, float] = field(default_factory=dict, repr=False)

    @cached_property
    def _targets(self) -> dict[str, str]:
        """Phonetic key → known value or word, values first (they are what is misheard)."""
        joined = {form.replace(" ", "") for form in self.understanding.forms}
        targets: dict[str, str] = {}
        for form in self.understanding.forms:
            targets.setdefault(phonetic_key(form), form)
        for word in sorted(self.understanding.vocabulary):
            if word.isalpha() and len(word) >= 3 and word not in joined:
                targets.setdefault(phonetic_key(word), word)
        return targets

    def confidence(self, text: str) -> float:
        if text not in self._confidences:
            scorer = self.understanding.scorer
            self._confidences[text] = scorer(text) if scorer is not None and text else 0.0
        return self._confidences[text]

    def choose(self, transcript: Transcript) -> str:
        """The sentence the matcher should read for this transcript."""
        prepare = self.understanding.prepare
        if not transcript.alternatives or transcript.acoustic is None:
            return prepare(transcript.text)
        if len(self._confidences) > 10_000:
            self._confidences.clear()
        heard = [" ".join(normalize(spoken_digits(a.text))) for a in transcript.alternatives]
        if self.confidence(heard[0]) >= _SURE:
            return heard[0]
        if len(heard[0].split()) == 1:
            return self._one_word(transcript, heard)
        candidates: dict[str, _Candidate] = {}
        for i, text in enumerate(heard):
            if text and text not in candidates:
                found = _Candidate(text, i, False, self.confidence(text))
                found.acoustic = transcript.alternatives[i].score
                candidates[text] = found
        for i, alternative in enumerate(transcript.alternatives[:_REPAIRED]):
            text = prepare(alternative.text)
            if text not in candidates:
                candidates[text] = _Candidate(text, i, True, self.confidence(text))
        singles = self._substitutions(heard[0].split())
        for text, _ in singles:
            candidates.setdefault(text, _Candidate(text, 0, True, self.confidence(text)))
        edits = [c for c in candidates.values() if c.edited and c.confidence > 0]
        self._align(transcript, heard, edits)
        pairs = self._pairs(heard[0].split(), singles, candidates)
        if pairs:
            self._align(transcript, heard, pairs)
            for pair in pairs:
                candidates.setdefault(pair.text, pair)
        best: _Candidate | None = None
        least = _KEPT * len(phonetic_key(heard[0]))
        sounds: dict[str, float] = {}
        for candidate in candidates.values():  # homophones sound the same: "to", "two"
            key = _sounds(candidate.text)
            sounds[key] = max(sounds.get(key, -math.inf), candidate.acoustic)
        for candidate in candidates.values():
            if candidate.text != heard[0]:
                if candidate.confidence <= 0:
                    continue  # the beam's own order stands where no skill hears anything
                if len(phonetic_key(candidate.text)) < least:
                    continue  # a beam that stopped early, or a repair that drops words
            candidate.acoustic = sounds[_sounds(candidate.text)]
            bonus = EXACT_BONUS if candidate.confidence >= _SURE else 0.0
            candidate.score = candidate.acoustic + bonus + MATCH_WEIGHT * candidate.confidence
            if best is None or candidate.score > best.score:
                best = candidate
        assert best is not None
        filled = self._fill(transcript, heard, best, least)
        if filled is not None and filled.score > best.score:
            candidates[filled.text] = best = filled
        if _LOGGER.isEnabledFor(logging.DEBUG):
            ranked = sorted(candidates.values(), key=lambda c: -c.score)[:4]
            _LOGGER.debug(
                "candidates: %s",
                "; ".join(f"{c.text!r} {c.acoustic:.2f}/{c.confidence:.2f}" for c in ranked),
            )
        if best.text != heard[0]:
            _LOGGER.debug("heard %r, chose %r (%.2f)", heard[0], best.text, best.score)
        return best.text

    def _one_word(self, transcript: Transcript, heard: list[str]) -> str:
        """A single word heard: too little sound for the skills' sentences to outweigh it.

        Short words are near ties in the beam ("six", "Thanks."; "A.", "Okay."), so a bonus
        for what the skills know would make a command of any short sound. Another of the
        beam's words is taken only if the matcher is sure of it and the audio finds it
        nearly as likely (:data:`_SHORT_LOSS`); nothing is edited.
        """
        top = transcript.alternatives[0].score
        for text, alternative in zip(heard[1:], transcript.alternatives[1:], strict=False):
            if text and top - alternative.score <= _SHORT_LOSS and self.confidence(text) >= _SURE:
                return text
        return heard[0]

    # -- candidates ------------------------------------------------------------------------

    def _substitutions(self, tokens: list[str]) -> list[tuple[str, tuple[int, int, str]]]:
        """Single replacements of a span by a known form, best matcher gain first."""
        base = self.confidence(" ".join(tokens))
        vocabulary = self.understanding.vocabulary
        near: dict[str, tuple[float, tuple[int, int, str]]] = {}
        for span in range(1, _SPAN + 1):
            for i in range(len(tokens) - span + 1):
                words = " ".join(tokens[i : i + span])
                if len(words.replace(" ", "")) < 3:
                    continue
                unknown = any(w not in vocabulary for w in tokens[i : i + span])
                hits = process.extract(
                    phonetic_key(words),
                    self._targets.keys(),
                    scorer=fuzz.ratio,
                    limit=_TARGETS,
                    score_cutoff=_NEAR,
                )
                for key, similarity, _ in hits:
                    target = self._targets[key]
                    if target == words:
                        continue
                    text = " ".join([*tokens[:i], target, *tokens[i + span :]])
                    rank = similarity + (_UNKNOWN if unknown else 0.0)
                    if text not in near or near[text][0] < rank:
                        near[text] = (rank, (i, i + span, target))
        found: list[tuple[float, str, tuple[int, int, str]]] = []
        for text, (_, edit) in sorted(near.items(), key=lambda n: -n[1][0])[:_TRIED]:
            gain = self.confidence(text) - base
            if gain > 0:
                found.append((gain, text, edit))
        found.sort(key=lambda f: -f[0])
        return [(text, edit) for _, text, edit in found[:_KEEP]]

    def _pairs(
        self,
        tokens: list[str],
        singles: list[tuple[str, tuple[int, int, str]]],
        candidates: dict[str, _Candidate],
    ) -> list[_Candidate]:
        """Two substitutions at once, of those that cost little acoustically on their own."""
        top = candidates.get(" ".join(tokens))
        if top is None:
            return []
        costs = sorted(
            (top.acoustic - candidates[text].acoustic, edit)
            for text, edit in singles
            if candidates[text].acoustic - top.acoustic > _PAIR_LOSS
        )
        cheap = [edit for _, edit in costs[:_PAIRED]]
        pairs: list[_Candidate] = []
        for a in range(len(cheap)):
            for b in range(a + 1, len(cheap)):
                first, second = sorted((cheap[a], cheap[b]))
                if first[1] > second[0]:
                    continue
                words = [
                    *tokens[: first[0]],
                    first[2],
                    *tokens[first[1] : second[0]],
                    second[2],
                    *tokens[second[1] :],
                ]
                text = " ".join(words)
                if text not in candidates:
                    confidence = self.confidence(text)
                    if confidence > 0:
                        pairs.append(_Candidate(text, 0, True, confidence))
        return pairs

    def _fill(
        self, transcript: Transcript, heard: list[str], best: _Candidate, least: float
    ) -> _Candidate | None:
        """The chosen sentence with a required slot it leaves empty filled in by ear.

        Where the matcher finds an intent but not a value its intent cannot do without ("a
        twenty ounce triple shot motor", no drink), the words no skill knows are replaced by
        each of that slot's values nearest in spelling, and the audio picks among them:
        noise garbles a value past what its spelling resembles, but not past what it sounds
        like. A value the audio clearly prefers to the slot's other values gains
        :data:`_FILL_BONUS`, as the intent needs one; the sentence with it still competes with
        the other candidates on the same score.
        """
        understanding = self.understanding
        if understanding.parser is None or not understanding.required:
            return None
        parsed = understanding.parser(best.text)
        if parsed is None:
            return None
        intent, slots = parsed
        missing = [
            forms
            for slot, forms in understanding.required.get(intent, {}).items()
            if slot not in slots
        ]
        if not missing:
            return None
        tokens = best.text.split()
        vocabulary = understanding.vocabulary
        runs: list[tuple[int, int]] = []
        i = 0
        while i < len(tokens) and len(runs) < _RUNS:
            if tokens[i] in vocabulary:
                i += 1
                continue
            j = i
            while j < len(tokens) and j - i < _SPAN and tokens[j] not in vocabulary:
                j += 1
            runs.append((i, j))
            i = j
        fills: dict[str, _Candidate] = {}
        forms = list(dict.fromkeys(form for found in missing for form in found))
        keys = [phonetic_key(form) for form in forms]
        for start, end in runs:
            key = phonetic_key(" ".join(tokens[start:end]))
            for _, _, index in process.extract(key, keys, scorer=fuzz.ratio, limit=_FILLS):
                text = " ".join([*tokens[:start], forms[index], *tokens[end:]])
                if text not in fills and len(phonetic_key(text)) >= least:
                    fills[text] = _Candidate(text, best.base, True, 0.0)
        if not fills:
            return None
        self._align(transcript, heard, list(fills.values()))
        ranked = sorted(fills.values(), key=lambda c: -c.acoustic)
        top = ranked[0]
        top.confidence = self.confidence(top.text)
        if top.confidence <= 0:
            return None
        clear = len(ranked) == 1 or top.acoustic - ranked[1].acoustic >= _FILL_MARGIN
        bonus = EXACT_BONUS if top.confidence >= _SURE else 0.0
        bonus += _FILL_BONUS if clear else 0.0
        top.score = top.acoustic + bonus + MATCH_WEIGHT * top.confidence
        return top

    # -- scores ----------------------------------------------------------------------------

    @staticmethod
    def _align(transcript: Transcript, heard: list[str], edits: list[_Candidate]) -> None:
        """Edits scored as their base's beam score plus what the edit changes under align."""
        if not edits or transcript.acoustic is None:
            return
        like = transcript.alternatives[0].text
        bases = sorted({e.base for e in edits})
        texts = [render(heard[b], like) for b in bases] + [render(e.text, like) for e in edits]
        scores = transcript.acoustic(texts)
        base_scores = dict(zip(bases, scores[: len(bases)], strict=True))
        for edit, score in zip(edits, scores[len(bases) :], strict=True):
            beam = transcript.alternatives[edit.base].score
            edit.acoustic = beam + score - base_scores[edit.base]


def _sounds(text: str) -> str:
    """The sentence with number homophones written as the number ("to" → "two")."""
    return " ".join(HOMOPHONES.get(word, word) for word in text.split())


def _lower_first(text: str) -> str:
    return text if text.startswith(("I ", "I'")) else text[:1].lower() + text[1:]


def render(text: str, like: str) -> str:
    """A normalised sentence written the way the recogniser writes one (case, "I", the stop)."""
    words = ["I" if w == "i" else ("I'm" if w == "i'm" else w) for w in text.split()]
    if not words:
        return ""
    out = " ".join(words)
    out = out[0].upper() + out[1:]
    end = like.rstrip()[-1:] if like.rstrip() else ""
    return out + (end if end in ".?!" else "")


def after_wake(transcript: Transcript, wake: WakeSpotter, command: str) -> Transcript:
    """The transcript of the command after the wake phrase, its alternatives and scorer too."""
    heard = " ".join(normalize(spoken_digits(transcript.text)))
    prefix = heard[: len(heard) - len(command)].strip() if heard.endswith(command) else ""
    alternatives = []
    for alternative in transcript.alternatives:
        spotted = wake.check(alternative.text)
        if spotted.woke and spotted.command:
            alternatives.append(replace(alternative, text=spotted.command))
    if not alternatives or not prefix or transcript.acoustic is None:
        return replace(transcript, text=command, alternatives=(), acoustic=None)
    scorer = transcript.acoustic

    lead = prefix[:1].upper() + prefix[1:]

    def acoustic(texts: Sequence[str]) -> list[float]:
        return scorer([f"{lead}, {_lower_first(t)}" for t in texts])

    return replace(transcript, text=command, alternatives=tuple(alternatives), acoustic=acoustic)


def wake_heard(transcript: Transcript, wake: WakeSpotter, command: str) -> bool:
    """Whether the audio bears out the wake phrase that the transcript's spelling suggests.

    The words heard where the phrase would be are replaced by the phrase, and the sentence is
    scored again under the same audio: speech that only looks like the phrase when spelt
    roughly ("I think we should go") sounds far less like it. True without an acoustic
    scorer (Vosk), where the spelling alone decides.
    """
    if transcript.acoustic is None or not transcript.alternatives:
        return True
    heard = transcript.alternatives[0].text
    words = heard.split()
    consumed = len(normalize(spoken_digits(heard))) - len(command.split())
    tail, count = "", 0
    for i, word in enumerate(words):
        if count >= consumed:
            tail = " ".join(words[i:])
            break
        count += len(normalize(spoken_digits(word)))
    phrase = " ".join(word.capitalize() for word in wake.phrase.split())
    if tail:
        forms = [f"{phrase}, {tail}", f"{phrase} {tail}"]
    else:
        forms = [f"{phrase}.", f"{phrase}!", phrase]
    scores = transcript.acoustic([heard, *forms])
    loss = scores[0] - max(scores[1:])
    if loss > WAKE_LOSS:
        _LOGGER.debug("%r: the wake phrase sounds %.1f nats less likely; not woken", heard, loss)
        return False
    return True
