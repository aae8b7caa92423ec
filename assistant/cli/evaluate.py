"""`assistant eval`: score recognition against a label file."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..assistant import Assistant
from ..evaluation import (
    Label,
    UtteranceResult,
    by_field,
    read_labels,
    score,
    summarise,
    undeclared_names,
)
from ..plugins import ALLOW_ENV
from .common import assistant_options, echo_json, json_option, make_assistant, model_value

__all__ = [
    "declared_slots",
    "eval_command",
    "evaluate_audio",
    "evaluate_text",
    "print_summary",
    "text_slot_checker",
]


def text_slot_checker(assistant: Assistant) -> Callable[[str | None, str], bool]:
    """A predicate telling whether an intent's slot holds free text."""

    def is_text_slot(intent: str | None, slot: str) -> bool:
        owner = assistant.intent_owner(intent) if intent else None
        if owner is None or intent is None:
            return False
        slots = owner.skill.intent(intent).slots
        return slot in slots and slots[slot].type == "text"

    return is_text_slot


def declared_slots(assistant: Assistant) -> dict[str, set[str]]:
    """Every loaded intent and the names of its slots."""
    return {
        intent.name: set(intent.slots)
        for loaded in assistant.skills.values()
        for intent in loaded.skill.intents
    }


def evaluate_text(assistant: Assistant, labels: list[Label]) -> list[UtteranceResult]:
    """Recognise the `text` field of each label (no dialog state: one utterance each)."""
    is_text_slot = text_slot_checker(assistant)
    results = []
    for label in labels:
        if label.text is None:
            continue
        match = assistant.matcher.match(label.text)
        guess = None if match else assistant.matcher.guess(label.text)
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
            layer=match.layer if match else None,
            asked=guess.intent if guess else None,
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
    click.echo(
        f"slot P / R / F1:   {pct('slot_precision')} / {pct('slot_recall')} / {pct('slot_f1')}"
    )
    click.echo(f"frame accuracy:    {pct('frame_accuracy')}")
    click.echo(f"OOD rejection:     {pct('ood_rejection')}")
    click.echo(f"false rejections:  {summary['false_rejections']}")
    asked: dict[str, int] | None = summary.get("asked")  # type: ignore[assignment]
    if asked:
        click.echo(
            f"did you mean:      {asked['n']} asked ({asked['right']} the right intent, "
            f"{asked['out_of_domain']} out of domain)"
        )
    layers: dict[str, int] | None = summary.get("by_layer")  # type: ignore[assignment]
    if layers:
        click.echo("answered by:       " + ", ".join(f"{k} {v}" for k, v in layers.items()))
    for key, label in (
        ("wer", "word error rate"),
        ("rtf", "real-time factor"),
        ("latency_p50_ms", "latency p50 (ms)"),
        ("latency_p95_ms", "latency p95 (ms)"),
    ):
        if summary.get(key) is not None:
            click.echo(f"{label + ':':<19}{summary[key]}")
    conditions = summary.get("by_condition") or {}
    for name, figures in conditions.items():  # type: ignore[attr-defined]
        click.echo(
            f"  {name:<22} intent {figures['intent_accuracy']}  frame "
            f"{figures['frame_accuracy']}  wer {figures.get('wer')}"
        )
    for field, groups in (summary.get("by") or {}).items():  # type: ignore[attr-defined]
        click.echo(f"by {field}:")
        for name, figures in groups.items():
            click.echo(
                f"  {name:<22} n {figures['n']}  intent {figures['intent_accuracy']}  frame "
                f"{figures['frame_accuracy']}  ood rejection {figures['ood_rejection']}"
            )
    misses = summary["misses"]
    if misses:
        click.echo(f"\nmisses ({len(misses)}):")  # type: ignore[arg-type]
        for miss in misses:  # type: ignore[attr-defined]
            where = f"{miss['audio']}: " if miss.get("audio") else ""
            if miss.get("error"):
                click.echo(f"  {where}not scored: {miss['error']}")
                continue
            click.echo(
                f'  {where}"{miss["heard"]}" → {miss["intent"]} {miss["slots"]}'
                f" (expected {miss['expected_intent']} {miss['expected_slots']})"
            )


def evaluate_audio(
    assistant: Assistant,
    label_file: Path,
    labels: list[Label],
    *,
    engine: str | None,
    model: str | None,
    workers: int,
    config_path: Path | None,
    plugins_dirs: tuple[Path, ...],
    progress: bool,
) -> list[UtteranceResult]:
    """Recognise each label's audio and score what was understood."""
    from ..speech.audio_eval import (
        AudioJob,
        Evaluator,
        check_audio,
        default_threads,
        run_jobs,
        to_result,
    )
    from ..speech.engines import load_recognizer
    from ..speech.understand import Understanding

    pairs = check_audio(label_file, labels)
    settings = assistant.settings
    threads = settings.speech.threads if workers <= 1 else default_threads(workers)
    job = AudioJob(config_path, plugins_dirs, engine, model, threads)

    def local() -> Evaluator:
        recognizer = load_recognizer(assistant, engine, model)
        return Evaluator(assistant, recognizer, Understanding.from_assistant(assistant))

    if workers <= 1:
        evaluator = local()  # load the model before the progress bar starts
        local = lambda: evaluator  # noqa: E731
    is_text_slot = text_slot_checker(assistant)
    figures = run_jobs([path for _, path in pairs], job, workers, local)
    results = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not progress,
        transient=True,
    ) as bar:
        task = bar.add_task("recognising", total=len(pairs))
        for (label, _), one in zip(pairs, figures, strict=True):
            if "error" in one:  # named here, scored as a miss, and the rest goes on
                click.echo(f"error: {one['error']}", err=True)
            results.append(to_result(label, one, is_text_slot))
            bar.advance(task)
    return results


@click.command("eval")
@click.argument("labels", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--text-only", is_flag=True, help="Score the labels' text fields, not the audio.")
@click.option("--engine", help="Recognition engine for the audio (default: speech.engine).")
@click.option("--model", callback=model_value, help="Model catalog name or path for the engine.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes recognising in parallel (each loads the model once).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write an HTML report (summary, chart, confusions, worst utterances).",
)
@click.option(
    "--by",
    "by_fields",
    multiple=True,
    metavar="FIELD",
    help="Also report the figures for each value of this label field (kind, condition, "
    "speaker...). Repeatable.",
)
@json_option
@assistant_options
def eval_command(
    labels: Path,
    text_only: bool,
    engine: str | None,
    model: str | None,
    workers: int,
    report_path: Path | None,
    by_fields: tuple[str, ...],
    as_json: bool,
    config_path: Path | None,
    plugins_dirs: tuple[Path, ...],
    plugin_names: tuple[str, ...] | None,
) -> None:
    """Score recognition on a JSONL label file: the audio, or with --text-only the text.

    Exit status 1 when nothing was scored or an audio file could not be read (each such
    file is named on stderr and scored as a miss; the others are still scored).
    """
    label_list = read_labels(labels, need="text" if text_only else "audio")
    if plugin_names is not None:  # worker processes build their assistants from the environment
        os.environ[ALLOW_ENV] = ",".join(plugin_names)
    with make_assistant(
        config_path, plugins_dirs, plugin_names=plugin_names, quiet=as_json
    ) as assistant:
        for problem in undeclared_names(label_list, declared_slots(assistant)):
            click.secho(f"warning: {problem}", fg="yellow", err=True)
        if text_only:
            results = evaluate_text(assistant, label_list)
            summary = summarise(results)
        else:
            from ..speech.audio_eval import audio_summary

            results = evaluate_audio(
                assistant,
                labels,
                label_list,
                engine=engine,
                model=model,
                workers=workers,
                config_path=config_path,
                plugins_dirs=plugins_dirs,
                progress=not as_json and sys.stderr.isatty(),
            )
            summary = audio_summary(summarise(results), results)
    if by_fields:
        summary["by"] = {f: by_field(label_list, results, f) for f in by_fields}
    if report_path is not None:
        from ..speech.report import write_report

        write_report(
            report_path, summary, title=f"Ting evaluation: {labels.name}", label_dir=labels.parent
        )
    if as_json:
        echo_json(summary)
    else:
        print_summary(summary)
        if report_path is not None:
            click.echo(f"\nreport: {report_path}")
    sys.exit(0 if summary["n"] and not summary.get("errors") else 1)
