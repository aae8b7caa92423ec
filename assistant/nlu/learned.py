"""The learned layer: which intent a sentence the templates do not cover expresses.

Templates are the precise first layer. Behind them, a linear model over word and character
n-grams (scikit-learn's logistic regression, as Snips NLU's probabilistic parser) is trained
from what the skills already declare: the sentences their templates generate, their examples
and value lists. A background class, trained on sentences no skill should take (commands for
other assistants, and questions *about* the skills' own values: "what is a coupon", "how many
calories are in a mocha"), gives it a way to say "none of these".

Training runs when the skills change and its result is cached on disk; scikit-learn is
imported only then. Prediction is a sparse dot product in NumPy, well under a millisecond.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import random
import tempfile
import time
import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from .normalize import FILLERS, normalize
from .phrases import walk
from .slots import DAY, DURATION, NUMBER, TEXT, ListFinder

if TYPE_CHECKING:
    import numpy as np

    from .catalog import Catalog

__all__ = ["NONE", "Learned", "features", "training_sentences"]

log = logging.getLogger(__name__)

NONE = ""
"""The background class: the sentence is for no loaded skill."""

FORMAT = 2
"""Bumped whenever features, training data or the model change, so old caches are rebuilt."""

PER_TEMPLATE = 40
"""Random sentences drawn from each template (duplicates dropped)."""
PER_INTENT = 600
"""Most training sentences of one intent, examples first."""
BACKGROUND_PER_VALUE_FRAME = 1
"""Questions about each value list generated from each background frame."""
KEEP = 8
"""Models kept in the cache folder, the most recent."""
C = 16.0
"""Inverse regularisation strength of the logistic regression."""

_SAMPLES: dict[int, tuple[str, ...]] = {
    id(NUMBER): ("one", "two", "three", "five", "twelve", "forty two", "eighty eight", "3", "15"),
    id(DURATION): ("five minutes", "an hour", "ninety seconds", "half an hour", "ten minutes"),
    id(DAY): ("today", "tomorrow", "monday", "friday", "the weekend"),
    id(TEXT): (
        "books",
        "second hand furniture",
        "a birthday present",
        "cheap flights",
        "a yoga class",
        "dog food",
        "the news",
        "piano lessons",
        "a good dentist",
    ),
}


_MAX_VALUE_WORDS = 4


def value_slots(catalog: Catalog) -> dict[str, frozenset[str]]:
    """Every spoken form of every list value, with the "intent slot" names it fills."""
    out: dict[str, set[str]] = {}
    for name, (_, _, finders) in catalog.intents.items():
        for slot, finder in finders.items():
            if isinstance(finder, ListFinder):
                for form in finder.forms:
                    if len(form.split()) <= _MAX_VALUE_WORDS:
                        out.setdefault(form, set()).add(f"{name} {slot}")
    return {form: frozenset(slots) for form, slots in out.items()}


@dataclass(frozen=True)
class Trained:
    """What a model was trained on, for ``assistant skills``."""

    intents: int
    sentences: int
    background: int
    built: float
    seconds: float
    key: str


def features(
    tokens: Sequence[str], values: Mapping[str, frozenset[str]] | None = None
) -> list[str]:
    """Word unigrams and bigrams, character 3- to 5-grams inside each word, and which slots
    the words are a value of.

    Fillers are left out; character n-grams let "cappucino" and "cappuccinos" share most of
    their features with "cappuccino"; ``values`` (spoken form → "intent slot" names) lets
    "oolong" speak for the tea intents even in words no template has.
    """
    words = [t for t in tokens if t not in FILLERS]
    out = [f"w {w}" for w in words]
    if values:
        for size in range(1, _MAX_VALUE_WORDS + 1):
            for i in range(len(words) - size + 1):
                out.extend(f"v {slot}" for slot in values.get(" ".join(words[i : i + size]), ()))
    padded = ["<s>", *words, "</s>"]
    out.extend(f"b {a} {b}" for a, b in zip(padded, padded[1:], strict=False))
    for word in words:
        marked = f"#{word}#"
        for size in (3, 4, 5):
            out.extend(f"c {marked[i : i + size]}" for i in range(len(marked) - size + 1))
    return out


def training_sentences(catalog: Catalog) -> dict[str, list[str]]:
    """Sentences per intent: examples, then random walks of each template (deterministic)."""
    out: dict[str, dict[str, None]] = {}
    for name, (_, spec, _) in catalog.intents.items():
        out[name] = {" ".join(normalize(e)): None for e in spec.examples}
    seen: dict[str, int] = {}
    for template in catalog.templates:
        # Seeded by the intent and the template's place in it: the same skills give the same
        # sentences whatever order the plugins loaded in.
        number = seen[template.intent] = seen.get(template.intent, -1) + 1
        rng = random.Random(zlib.crc32(f"{template.intent} {number}".encode()))
        bucket = out.setdefault(template.intent, {})
        for _ in range(PER_TEMPLATE):
            sentence = " ".join(walk(template.tree, template.finders, rng, _SAMPLES))
            if sentence:
                bucket.setdefault(sentence, None)
    return {name: list(sentences)[:PER_INTENT] for name, sentences in out.items() if sentences}


def background_sentences(catalog: Catalog, taken: Collection[str]) -> list[str]:
    """Sentences for no skill: the bundled background file, and its ``{value}`` frames filled
    with the loaded skills' own list values ("how many calories are in a mocha")."""
    text = _background_text()
    plain: list[str] = []
    frames: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            (frames if "{value}" in line else plain).append(line)
    lists: dict[int, tuple[str, ...]] = {}
    for template in catalog.templates:
        for finder in template.finders.values():
            if isinstance(finder, ListFinder) and finder.forms:
                lists.setdefault(id(finder), finder.forms)
    rng = random.Random(0)
    out = {" ".join(normalize(s)): None for s in plain}
    for forms in lists.values():  # each list's values are asked about
        for frame in frames:
            for value in rng.sample(forms, min(BACKGROUND_PER_VALUE_FRAME, len(forms))):
                out.setdefault(" ".join(normalize(frame.replace("{value}", value))), None)
    return [s for s in out if s and s not in taken]


_MEMO: dict[str, Learned] = {}
"""Models built in this process, by key: an assistant built again for the same skills (a
reload, a test) does not train again."""


class Learned:
    """A trained intent classifier: ``scores(tokens)`` gives each class its probability.

    A model found in the cache is read on first use, so that a command the templates answer
    never pays for it.
    """

    def __init__(self, key: str, path: Path | None, catalog: Catalog) -> None:
        self.key = key
        self.path = path
        self._catalog: Catalog | None = catalog
        self._model: _Model | None = None
        self._value_slots: dict[str, frozenset[str]] | None = None

    def _values(self) -> dict[str, frozenset[str]]:
        if self._value_slots is None:
            self._value_slots = value_slots(self._catalog) if self._catalog is not None else {}
        return self._value_slots

    @property
    def trained(self) -> Trained:
        """What the model was trained on, and when."""
        return self._loaded().trained

    def scores(self, tokens: Sequence[str]) -> dict[str, float]:
        """Probability of each class (intent names, and ``NONE``), summing to one."""
        import numpy as np

        model = self._loaded()
        found = features(tokens, self._values())
        rows = sorted({i for f in found if (i := model.vocabulary.get(f)) is not None})
        logits = model.bias.astype(np.float64)
        if rows:
            logits += model.weights[rows].sum(axis=0) / math.sqrt(len(rows))
        logits -= logits.max()
        probs = np.exp(logits)
        probs /= probs.sum()
        return {name: float(p) for name, p in zip(model.classes, probs, strict=True)}

    @classmethod
    def build(cls, catalog: Catalog, cache_dir: Path | None) -> Learned | None:
        """The model for ``catalog``'s skills: trained now if the skills changed since it was
        cached (and cached), else read from ``cache_dir`` on first use. None when there is
        nothing to learn, or when scikit-learn is missing and nothing is cached (logged)."""
        if not catalog.intents:
            return None
        key = _key(catalog)
        path = None if cache_dir is None else cache_dir / "learned" / f"{key}.npz"
        learned = cls(key, path, catalog)
        if key in _MEMO:
            learned._model = _MEMO[key]._model
            if path is not None and learned._model is not None and not path.is_file():
                _save(learned._model, path)
        elif path is None or not path.is_file():
            try:
                learned._train()
            except ImportError as exc:
                log.warning("the learned layer is off: %s is not installed", exc.name)
                return None
        return learned

    def _loaded(self) -> _Model:
        if self._model is None and self.path is not None:
            self._model = _load(self.path, self.key)
        if self._model is None:  # unreadable cache: train again
            self._train()
        assert self._model is not None
        return self._model

    def _train(self) -> None:
        assert self._catalog is not None
        data = training_sentences(self._catalog)
        taken = {sentence for sentences in data.values() for sentence in sentences}
        background = background_sentences(self._catalog, taken)
        self._model = _train(data, background, self.key, self._values())
        _MEMO[self.key] = self
        if self.path is not None:
            _save(self._model, self.path)


@dataclass(frozen=True)
class _Model:
    classes: list[str]
    vocabulary: dict[str, int]
    weights: np.ndarray
    bias: np.ndarray
    trained: Trained


def _key(catalog: Catalog) -> str:
    """Changes whenever what the model learns from changes: the skills' intents and lists,
    the background sentences, or how training works."""
    digest = hashlib.sha256(f"{FORMAT} {C} {PER_TEMPLATE} {PER_INTENT}".encode())
    digest.update(_background_text().encode())
    seen: set[str] = set()
    for name in sorted(catalog.intents):
        skill, spec, _ = catalog.intents[name]
        digest.update(spec.model_dump_json().encode())
        if skill.name not in seen:
            seen.add(skill.name)
            lists = {k: v.model_dump(mode="json") for k, v in sorted(skill.lists.items())}
            digest.update(json.dumps([skill.name, lists], sort_keys=True).encode())
    return digest.hexdigest()[:24]


def _background_text() -> str:
    return resources.files("assistant.nlu").joinpath("background.txt").read_text("utf-8")


def _train(
    data: dict[str, list[str]],
    background: list[str],
    key: str,
    values: Mapping[str, frozenset[str]],
) -> _Model:
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    started = time.perf_counter()
    classes = [NONE, *sorted(data)]
    labels: list[int] = []
    rows: list[list[str]] = []
    for index, name in enumerate(classes):
        for sentence in background if name == NONE else data[name]:
            rows.append(features(sentence.split(), values))
            labels.append(index)
    vocabulary: dict[str, int] = {}
    indptr: list[int] = [0]
    indices: list[int] = []
    cells: list[float] = []
    for row in rows:  # binary features, each row of unit length
        found = sorted({vocabulary.setdefault(f, len(vocabulary)) for f in row})
        indices.extend(found)
        cells.extend([1.0 / math.sqrt(len(found))] * len(found))
        indptr.append(len(indices))
    matrix = csr_matrix((cells, indices, indptr), shape=(len(rows), len(vocabulary)))
    # Every class weighs the same, however many sentences its templates make.
    counts = np.bincount(labels, minlength=len(classes))
    weight = len(labels) / (len(classes) * np.maximum(counts, 1))
    model = LogisticRegression(C=C, max_iter=2000)
    model.fit(matrix, np.array(labels), sample_weight=weight[np.array(labels)])
    order = list(model.classes_)
    weights = np.zeros((len(vocabulary), len(classes)), dtype=np.float32)
    bias = np.zeros(len(classes), dtype=np.float32)
    if len(order) == 2:  # binary: one weight vector for the second class
        weights[:, order[1]] = model.coef_[0]
        bias[order[1]] = model.intercept_[0]
    else:
        for position, label in enumerate(order):
            weights[:, label] = model.coef_[position]
            bias[label] = model.intercept_[position]
    trained = Trained(
        intents=len(data),
        sentences=sum(len(s) for s in data.values()),
        background=len(background),
        built=time.time(),
        seconds=round(time.perf_counter() - started, 2),
        key=key,
    )
    return _Model(classes, vocabulary, weights, bias, trained)


def _save(model: _Model, path: Path) -> None:
    """Written whole or not at all: a temporary file renamed into place."""
    import numpy as np

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"classes": model.classes, "trained": model.trained.__dict__}
        words = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            np.savez(
                out,
                meta=np.array(json.dumps(meta)),
                vocabulary=np.array("\n".join(words)),
                weights=model.weights,
                bias=model.bias,
            )
        os.replace(temporary, path)
        # A few models stay (plugin sets switched back and forth); older ones are dropped.
        models = sorted(path.parent.glob("*.npz"), key=lambda p: p.stat().st_mtime)
        for old in models[:-KEEP]:
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not cache the learned layer in %s: %s", path.parent, exc)


def _load(path: Path, key: str) -> _Model | None:
    """The cached model, or None if missing or unreadable (it is then trained again)."""
    import numpy as np

    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            meta = json.loads(str(stored["meta"]))
            words = str(stored["vocabulary"]).split("\n")
            weights = stored["weights"]
            bias = stored["bias"]
        classes = list(meta["classes"])
        trained = Trained(**meta["trained"])
        if trained.key != key:
            raise ValueError("it was trained for other skills")
        if weights.shape != (len(words), len(classes)) or bias.shape != (len(classes),):
            raise ValueError("shapes do not agree")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("the cached learned layer %s is unreadable (%s); training it again", path, exc)
        return None
    return _Model(classes, {w: i for i, w in enumerate(words)}, weights, bias, trained)
