"""`assistant eval` on audio: the dev-set bar, real recordings, workers, the HTML report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from speech_support import (
    DEV,
    RECOGNISED_REAL,
    dev_eval,
    labels,
    real_transcripts,
    subset_labels,
    whisper_model,
)

from assistant.cli import cli, main
from assistant.speech.metrics import percentile, word_error_rate

AUDIO_KEYS = {"wer", "rtf", "latency_p50_ms", "latency_p95_ms", "by_condition"}


def _eval(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["eval", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def _subset(name: str, per_intent: int = 1) -> Path:
    seen: dict[object, int] = {}
    keep = []
    for label in labels(DEV / "labels.jsonl"):
        if label["condition"] != "joe":
            continue
        seen[label["intent"]] = seen.get(label["intent"], 0) + 1
        if seen[label["intent"]] <= per_intent:
            keep.append(label)
    return subset_labels(name, keep[:6], DEV)


@pytest.mark.slow
def test_dev_set_bar_with_whisper_tiny() -> None:
    summary = dev_eval()
    print(
        f"\ndev set, whisper tiny.en: intent {summary['intent_accuracy']}, frame "
        f"{summary['frame_accuracy']}, WER {summary['wer']}, RTF {summary['rtf']}, latency "
        f"p50/p95 {summary['latency_p50_ms']}/{summary['latency_p95_ms']} ms"
    )
    for name, figures in summary["by_condition"].items():  # type: ignore[attr-defined]
        print(f"  {name}: {figures}")
    assert AUDIO_KEYS <= set(summary)
    assert summary["intent_accuracy"] >= 0.90  # type: ignore[operator]
    assert summary["frame_accuracy"] >= 0.85  # type: ignore[operator]
    assert summary["ood_rejection"] == 1.0
    assert set(summary["by_condition"]) == {"joe", "joe-fast-brown15", "usm3"}  # type: ignore[arg-type]
    assert 0.0 <= summary["wer"] < 0.4  # type: ignore[operator]
    assert 0.0 < summary["rtf"] < 1.0  # type: ignore[operator]


@pytest.mark.slow
def test_real_recordings_are_transcribed_with_a_reported_wer() -> None:
    rows = real_transcripts()
    by_folder: dict[str, tuple[list[str], list[str]]] = {}
    for folder, reference, heard in rows:
        refs, hyps = by_folder.setdefault(folder, ([], []))
        refs.append(reference)
        hyps.append(heard)
    from assistant.speech.understand import spoken_digits

    print()
    for folder in RECOGNISED_REAL:
        refs, hyps = by_folder[folder]
        spelt = [spoken_digits(h) for h in hyps]
        print(
            f"  real/{folder}: {len(refs)} recordings, WER {word_error_rate(refs, hyps):.3f}"
            f" as written, {word_error_rate(refs, spelt):.3f} with digits as words"
        )

    wer = word_error_rate([r for _, r, _ in rows], [spoken_digits(h) for _, _, h in rows])
    print(f"  all real recordings: WER {wer:.3f} with digits written as words")
    assert wer < 0.5
    librispeech = by_folder["librispeech-samples-arm"]
    assert word_error_rate(*librispeech) < 0.25


@pytest.mark.slow
def test_workers_give_the_same_results() -> None:
    path = _subset("workers.jsonl")
    base = ["--engine", "whisper", "--model", str(whisper_model()), "--json"]
    code1, out1 = _eval([str(path), *base])
    code2, out2 = _eval([str(path), *base, "--workers", "2"])
    assert code1 == code2 == 0
    one, two = json.loads(out1), json.loads(out2)
    assert [r["intent"] for r in one["results"]] == [r["intent"] for r in two["results"]]
    assert one["intent_accuracy"] == two["intent_accuracy"]
    assert AUDIO_KEYS <= set(two)


@pytest.mark.slow
def test_report_has_summary_chart_confusions_and_players(tmp_path: Path) -> None:
    path = _subset("report.jsonl")
    report = tmp_path / "out" / "report.html"
    report.parent.mkdir()
    code, out = _eval(
        [str(path), "--engine", "whisper", "--model", str(whisper_model()), "--report", str(report)]
    )
    assert code == 0 and "word error rate" in out and f"report: {report}" in out
    html = report.read_text()
    assert "<svg" in html and "Confusion matrix" in html and "intent accuracy" in html
    assert "coffee.order" in html
    if "<audio" in html:
        src = html.split('<audio controls preload="none" src="')[1].split('"')[0]
        assert (report.parent / src).resolve().is_file()


def test_text_only_still_scores_the_text(dev_labels: Path) -> None:
    code, out = _eval([str(dev_labels), "--text-only", "--json"])
    summary = json.loads(out)
    assert code == 0 and summary["n"] == 123 and "wer" not in summary


def test_missing_audio_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "labels.jsonl"
    bad.write_text(json.dumps({"audio": "gone.wav", "text": "help", "intent": "system.help"}))
    with pytest.raises(SystemExit) as stop:
        main(["eval", str(bad), "--engine", "whisper"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "1 audio file(s) missing" in err and "gone.wav" in err


def test_labels_without_audio_point_at_text_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "labels.jsonl"
    bad.write_text(json.dumps({"text": "help", "intent": "system.help"}))
    with pytest.raises(SystemExit) as stop:
        main(["eval", str(bad)])
    assert stop.value.code == 2 and "--text-only" in capsys.readouterr().err


def test_metrics() -> None:
    assert word_error_rate(["order a latte"], ["order latte please"]) == pytest.approx(2 / 3, 1e-3)
    assert word_error_rate([""], ["anything"]) == 0.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([], 95) is None
