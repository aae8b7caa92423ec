"""`assistant eval`: score recognition against a label file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..assistant import Assistant
from ..evaluation import Label, UtteranceResult, read_labels, score, summarise
from .common import assistant_options, echo_json, json_option, make_assistant

__all__ = ["eval_command", "evaluate_text", "print_summary", "text_slot_checker"]


def text_slot_checker(assistant: Assistant):  # type: ignore[no-untyped-def]
    """A predicate telling whether an intent's slot holds free text."""

    def is_text_slot(intent: str | None, slot: str) -> bool:
        owner = assistant.intent_owner(intent) if intent else None
        if owner is None:
            return False
        spec = next(i for i in owner.skill.intents if i.name == intent)
        return slot in spec.slots and spec.slots[slot].type == "text"

    return is_text_slot


def evaluate_text(assistant: Assistant, labels: list[Label]) -> list[UtteranceResult]:
    """Recognise the `text` field of each label (no dialog state: one utterance each)."""
    is_text_slot = text_slot_checker(assistant)
    results = []
    for label in labels:
        if label.text is None:
            continue
        match = assistant.matcher.match(label.text)
        result = UtteranceResult(
            audio=label.audio,
            condition=label.condition,
            reference=label.text,
            heard=label.text,
            expected_intent=label.intent,
            expected_slots=dict(label.slots),
            intent=match.intent if match else None,
            slots=dict(match.slots) if match else {},
            confidence=round(match.confidence, 4) if match else 0.0,
        )
        results.append(score(result, is_text_slot))
    return results


def print_summary(summary: dict[str, object]) -> None:
    """The human-readable report."""
    def pct(key: str) -> str:
        value = summary.get(key)
        return "n/a" if value is None else f"{float(value) * 100:.1f}%"  # type: ignore[arg-type]

    click.echo(f"utterances:        {summary['n']}")
    click.echo(f"intent accuracy:   {pct('intent_accuracy')}")
    click.echo(f"slot P / R / F1:   {pct('slot_precision')} / {pct('slot_recall')} / {pct('slot_f1')}")
    click.echo(f"frame accuracy:    {pct('frame_accuracy')}")
    click.echo(f"OOD rejection:     {pct('ood_rejection')}")
    click.echo(f"false rejections:  {summary['false_rejections']}")
    for key, label in (("wer", "word error rate"), ("rtf", "real-time factor")):
        if summary.get(key) is not None:
            click.echo(f"{label + ':':<19}{summary[key]}")
    misses = summary["misses"]
    if misses:
        click.echo(f"\nmisses ({len(misses)}):")  # type: ignore[arg-type]
        for miss in misses:  # type: ignore[attr-defined]
            where = f"{miss['audio']}: " if miss.get("audio") else ""
            click.echo(
                f"  {where}\"{miss['heard']}\" → {miss['intent']} {miss['slots']}"
                f" (expected {miss['expected_intent']} {miss['expected_slots']})"
            )


@click.command("eval")
@click.argument("labels", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--text-only", is_flag=True, help="Score the labels' text fields, not the audio.")
@json_option
@assistant_options
def eval_command(
    labels: Path, text_only: bool, as_json: bool, config_path: Path | None, plugins_dirs: tuple[Path, ...]
) -> None:
    """Score intent recognition on a JSONL label file."""
    label_list = read_labels(labels)
    with make_assistant(config_path, plugins_dirs, quiet=as_json) as assistant:
        if not text_only:
            raise click.UsageError("audio evaluation needs the speech extra; use --text-only")
        results = evaluate_text(assistant, label_list)
    summary = summarise(results)
    if as_json:
        echo_json(summary)
    else:
        print_summary(summary)
    sys.exit(0 if summary["n"] else 1)
