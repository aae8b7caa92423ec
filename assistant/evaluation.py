"""Scoring intent recognition against a label file: accuracy, slot F1, frames, rejection."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import AssistantError
from .nlu import normalize
from .skill import SlotValue

__all__ = [
    "Label",
    "UtteranceResult",
    "by_condition",
    "by_field",
    "read_labels",
    "score",
    "summarise",
    "undeclared_names",
]


class Label(BaseModel):
    """One line of a label file (see ../shared/spec/builtin-skills.md)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    audio: str | None = Field(None, description="Audio file, relative to the label file.")
    text: str | None = Field(None, description="The spoken words, lower case.")
    intent: str | None = Field(None, description="Expected intent; null for out-of-domain.")
    slots: dict[str, SlotValue] = Field(default_factory=dict, description="Expected slots.")
    condition: str | None = Field(None, description="Recording condition, for breakdowns.")


class UtteranceResult(BaseModel):
    """What was recognised for one labelled utterance, and whether it was right."""

    model_config = ConfigDict(extra="allow")

    audio: str | None = None
    condition: str | None = None
    reference: str | None = Field(None, description="The labelled words.")
    heard: str = Field(description="The text that was recognised (or typed).")
    expected_intent: str | None
    expected_slots: dict[str, SlotValue]
    intent: str | None
    slots: dict[str, SlotValue]
    confidence: float
    intent_correct: bool = False
    frame_correct: bool = False
    slot_tp: int = 0
    slot_fp: int = 0
    slot_fn: int = 0


def read_labels(path: Path, need: str | None = None) -> list[Label]:
    """Parse a JSONL label file (UTF-8, with or without a byte-order mark).

    ``need`` names a field every line must have ("text" to score the text, "audio" to score
    the recordings). Every bad line is reported, one line each naming the file and line
    number, in one :class:`AssistantError`.
    """
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise AssistantError(f"{path}: cannot read the label file ({exc})") from exc
    labels = []
    problems = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        problem = _label_problem(line, need)
        if isinstance(problem, Label):
            labels.append(problem)
        else:
            problems.append(f"{path}:{number}: {problem}")
    if problems:
        raise AssistantError("\n".join(problems))
    if not labels:
        raise AssistantError(f"{path}: the label file has no labels")
    return labels


_FIELD_FIXES = {
    "text": "add the spoken words, or leave the line out",
    "audio": "add the recording (relative to the label file), or use --text-only to score the text",
}


def _label_problem(line: str, need: str | None) -> Label | str:
    """The label a line holds, or what is wrong with it."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"not a valid label line ({exc})"
    except RecursionError:
        return "not a valid label line (nested too deeply); one flat JSON object per line"
    if not isinstance(data, dict):
        return f"not a valid label line (a JSON {type(data).__name__}, not an object)"
    try:
        label = Label.model_validate(data)
    except ValidationError as exc:
        return f"not a valid label line ({str(exc).splitlines()[0]})"
    except RecursionError:
        return "not a valid label line (nested too deeply); one flat JSON object per line"
    if need is not None and not getattr(label, need, None):
        return f'no "{need}" field; {_FIELD_FIXES.get(need, "add it")}'
    return label


def undeclared_names(labels: Iterable[Label], declared: Mapping[str, Collection[str]]) -> list[str]:
    """One line for each distinct intent, and each slot of an intent, that the labels name and
    no loaded skill declares (such a label can never score).

    :param declared: every loaded intent → the names of its slots.
    """
    problems: dict[str, None] = {}
    for label in labels:
        if label.intent is None:
            continue
        slots = declared.get(label.intent)
        if slots is None:
            problems[f"label intent {label.intent!r} is not declared by any loaded skill"] = None
            continue
        for slot in label.slots:
            if slot not in slots:
                problems[f"label slot {slot!r} is not declared by intent {label.intent!r}"] = None
    return list(problems)


def _words(value: SlotValue) -> set[str]:
    return {word.rstrip("s") for word in normalize(str(value))}


def score(
    result: UtteranceResult, is_text_slot: Callable[[str | None, str], bool]
) -> UtteranceResult:
    """Fill in the correctness fields. A free-text slot is right when it holds the key words."""
    expected, predicted = result.expected_slots, result.slots
    tp = fp = fn = 0
    for name, value in expected.items():
        if name not in predicted:
            fn += 1
        elif _slot_equal(value, predicted[name], is_text_slot(result.expected_intent, name)):
            tp += 1
        else:
            fp += 1
            fn += 1
    fp += sum(1 for name in predicted if name not in expected)
    result.slot_tp, result.slot_fp, result.slot_fn = tp, fp, fn
    result.intent_correct = result.intent == result.expected_intent
    result.frame_correct = result.intent_correct and fp == 0 and fn == 0
    return result


def _slot_equal(expected: SlotValue, got: SlotValue, free_text: bool) -> bool:
    if free_text:
        return _words(expected) <= _words(got)
    return expected == got


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def summarise(results: Sequence[UtteranceResult]) -> dict[str, Any]:
    """The summary printed by `assistant eval --json`."""
    n = len(results)
    tp = sum(r.slot_tp for r in results)
    fp = sum(r.slot_fp for r in results)
    fn = sum(r.slot_fn for r in results)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    ood = [r for r in results if r.expected_intent is None]
    in_domain = [r for r in results if r.expected_intent is not None]
    return {
        "n": n,
        "intent_accuracy": _ratio(sum(r.intent_correct for r in results), n),
        "slot_precision": round(precision, 4),
        "slot_recall": round(recall, 4),
        "slot_f1": round(f1, 4),
        "frame_accuracy": _ratio(sum(r.frame_correct for r in results), n),
        # A file that could not be read rejected nothing: it counts against rejection too.
        "ood_rejection": _ratio(
            sum(r.intent is None and not getattr(r, "error", None) for r in ood), len(ood)
        ),
        "false_rejections": sum(r.intent is None for r in in_domain),
        **_asked(results),
        "misses": [r.model_dump(mode="json") for r in results if not r.frame_correct],
        "results": [r.model_dump(mode="json") for r in results],
    }


def _asked(results: Sequence[UtteranceResult]) -> dict[str, Any]:
    """How often "Did you mean ...?" would be asked, and which layer answered the rest."""
    out: dict[str, Any] = {}
    asked = [r for r in results if getattr(r, "asked", None)]
    if asked:
        out["asked"] = {
            "n": len(asked),
            "right": sum(getattr(r, "asked", None) == r.expected_intent for r in asked),
            "out_of_domain": sum(r.expected_intent is None for r in asked),
        }
    layers: dict[str, int] = {}
    for r in results:
        layer = getattr(r, "layer", None)
        if layer:
            layers[layer] = layers.get(layer, 0) + 1
    if layers:
        out["by_layer"] = layers
    return out


def by_field(
    labels: Sequence[Label], results: Sequence[UtteranceResult], field: str
) -> dict[str, dict[str, Any]]:
    """The headline figures for each value of a label field (``kind``, ``speaker``...).

    Results are paired with labels by their reference text and audio; a label without the
    field is counted under "unlabelled".
    """
    values: dict[tuple[str | None, str | None], str] = {}
    for label in labels:
        value = getattr(label, field, None)
        if value is None and label.model_extra:
            value = label.model_extra.get(field)
        values.setdefault((label.audio, label.text), "unlabelled" if value is None else str(value))
    groups: dict[str, list[UtteranceResult]] = {}
    for result in results:
        name = values.get((result.audio, result.reference), "unlabelled")
        groups.setdefault(name, []).append(result)
    keys = ("n", "intent_accuracy", "frame_accuracy", "ood_rejection")
    return {
        name: {key: value for key, value in summarise(group).items() if key in keys}
        for name, group in sorted(groups.items())
    }


def by_condition(results: Iterable[UtteranceResult]) -> dict[str, dict[str, Any]]:
    """The summary's headline figures for each recording condition."""
    groups: dict[str, list[UtteranceResult]] = {}
    for result in results:
        groups.setdefault(result.condition or "unlabelled", []).append(result)
    keys = ("n", "intent_accuracy", "slot_f1", "frame_accuracy", "ood_rejection")
    return {
        name: {key: value for key, value in summarise(group).items() if key in keys}
        for name, group in sorted(groups.items())
    }
