"""A bad file in a batch is named on one line, counted, and the rest goes on (exit status 1)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from speech_support import korean_model

from assistant.cli import cli, main
from assistant.errors import AudioError
from assistant.speech.audio import load_audio

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], list[Path]]:
    """A folder of two spoken files and bad ones: (folder, good, bad), in sorted order."""
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.skip("espeak-ng and sox are needed to make test audio")
    folder = tmp_path_factory.mktemp("batch")
    good = [folder / "a-hello.wav", folder / "e-thanks.flac"]
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(good[0]), "안녕하세요"], check=True)
    spoken = folder / "thanks.tmp"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(spoken), "감사합니다"], check=True)
    subprocess.run(["sox", "-t", "wav", str(spoken), "-r", "44100", "-c", "2", str(good[1])])
    spoken.unlink()
    bad = [folder / "b-notes.wav", folder / "c-random.flac", folder / "d-gone.wav"]
    bad[0].write_text("buy milk\nand eggs\n")
    bad[1].write_bytes(bytes(np.random.default_rng(7).integers(0, 256, 20000, dtype=np.uint8)))
    bad[2].symlink_to(folder / "moved-away.wav")  # a link whose file is gone
    if not IS_ROOT:  # root reads a file whatever its mode, so this case needs another user
        locked = folder / "d-locked.wav"
        shutil.copy(good[0], locked)
        locked.chmod(0)
        bad.append(locked)
    return folder, good, sorted(bad)


def _invoke(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _vosk() -> list[str]:
    return ["--engine", "vosk", "--model", str(korean_model())]


def _assert_named(err: str, bad: list[Path]) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == len(bad), err
    for line, path in zip(lines, bad, strict=True):
        assert line.startswith(f"error: {path}: ") and ";" in line  # what is wrong; the fix
    assert "Traceback" not in err and "0 samples" not in err


def test_random_bytes_named_flac_are_not_audio(batch: tuple[Path, list[Path], list[Path]]) -> None:
    path = batch[0] / "c-random.flac"
    with pytest.raises(AudioError, match="not an audio file") as info:
        load_audio(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_a_link_to_nothing_is_named(batch: tuple[Path, list[Path], list[Path]]) -> None:
    with pytest.raises(AudioError, match="a link to a file that does not exist"):
        load_audio(batch[0] / "d-gone.wav")


@pytest.mark.skipif(IS_ROOT, reason="root can read a file with mode 000")
def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "locked.wav"
    path.write_bytes(b"RIFF")
    path.chmod(0)
    with pytest.raises(AudioError, match="cannot read the file .*check its permissions"):
        load_audio(path)


@pytest.mark.slow
def test_transcribe_goes_on_past_bad_files(batch: tuple[Path, list[Path], list[Path]]) -> None:
    folder, good, bad = batch
    code, out, err = _invoke(["transcribe", str(folder), *_vosk(), "--json"])
    assert code == 1
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["file"] for row in rows] == [str(path) for path in good]
    assert all(row["text"] for row in rows)
    _assert_named(err, bad)


@pytest.mark.slow
def test_run_goes_on_past_bad_files(batch: tuple[Path, list[Path], list[Path]]) -> None:
    folder, good, bad = batch
    code, out, err = _invoke(["run", "--audio", str(folder), *_vosk(), "--json"])
    assert code == 1
    files = {json.loads(line)["file"] for line in out.splitlines()}
    assert files == {str(path) for path in good}
    _assert_named(err, bad)


@pytest.mark.slow
def test_eval_scores_bad_files_as_misses(
    batch: tuple[Path, list[Path], list[Path]], tmp_path: Path
) -> None:
    folder, good, bad = batch
    labels = tmp_path / "labels.jsonl"
    rows = [{"audio": str(p), "text": "x", "intent": None} for p in sorted(good + bad)]
    labels.write_text("".join(json.dumps(row) + "\n" for row in rows))
    report = tmp_path / "report.html"
    code, out, err = _invoke(["eval", str(labels), *_vosk(), "--json", "--report", str(report)])
    assert code == 1
    summary = json.loads(out)
    assert summary["n"] == len(good) + len(bad)
    assert [e["audio"] for e in summary["errors"]] == [str(p) for p in bad]
    failed = {m["audio"]: m for m in summary["misses"] if m.get("error")}
    assert set(failed) == {str(p) for p in bad}
    assert all(not r.get("error") for r in summary["results"] if r["audio"] in map(str, good))
    assert summary["intent_accuracy"] <= len(good) / summary["n"]
    _assert_named(err, bad)
    assert report.read_text(encoding="utf-8").count("not scored:") == len(bad)


def _eval_text(labels: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(["eval", str(labels), "--text-only", "--json"])
    out, err = capsys.readouterr()
    return int(stop.value.code or 0), out, err


def test_a_label_file_with_a_byte_order_mark_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = tmp_path / "labels.jsonl"
    row = {"text": "help", "intent": "system.help", "slots": {}}
    labels.write_text(json.dumps(row) + "\n", encoding="utf-8-sig")
    code, out, _ = _eval_text(labels, capsys)
    assert code == 0 and json.loads(out)["n"] == 1


def test_bad_label_lines_are_each_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labels = tmp_path / "labels.jsonl"
    lines = [
        json.dumps({"text": "help", "intent": "system.help"}),
        json.dumps({"intent": "system.help"}),  # no text
        "[" * 100000 + "]" * 100000,  # nested beyond any parser's depth
        json.dumps({"text": "help", "intent": "system.help", "slots": [1]}),
        '{"text": ' + "[" * 5000 + "]" * 5000 + "}",
    ]
    labels.write_text("\n".join(lines) + "\n")
    code, out, err = _eval_text(labels, capsys)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "RecursionError" not in err
    reported = err.strip().splitlines()
    assert len(reported) == 4
    for line, number in zip(reported, (2, 3, 4, 5), strict=True):
        assert f"{labels}:{number}: " in line
    assert 'no "text" field' in reported[0] and "nested too deeply" in reported[1]


def test_audio_labels_without_audio_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = tmp_path / "labels.jsonl"
    (tmp_path / "a.wav").write_bytes(b"")
    rows = [{"audio": "a.wav", "text": "help", "intent": None}, {"text": "hi", "intent": None}]
    labels.write_text("".join(json.dumps(row) + "\n" for row in rows))
    with pytest.raises(SystemExit) as stop:
        main(["eval", str(labels), "--engine", "whisper"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and f"{labels}:2: " in err and "--text-only" in err


def test_an_out_of_domain_file_that_could_not_be_read_rejected_nothing() -> None:
    from assistant.evaluation import UtteranceResult, summarise

    def ood(**extra: object) -> UtteranceResult:
        return UtteranceResult(
            heard="", expected_intent=None, expected_slots={}, intent=None, slots={},
            confidence=0.0, **extra,
        )  # fmt: skip

    summary = summarise([ood(), ood(error="not an audio file")])
    assert summary["ood_rejection"] == 0.5
