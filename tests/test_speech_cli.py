"""`assistant run --audio`, `assistant transcribe` and `assistant skills check`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from speech_support import DEV, concatenate, espeak, korean_model, silence, whisper_model

from assistant.cli import cli, main
from assistant.cli.skillcheck import model_vocabulary, unknown_words


def _invoke(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(args)
    out, err = capsys.readouterr()
    return int(stop.value.code or 0), out, err


@pytest.mark.slow
def test_run_on_a_file_prints_one_json_object_per_utterance() -> None:
    path, spans = concatenate(
        [DEV / "coffee-3.joe.wav", silence(1.0), DEV / "travel-3.joe.wav", silence(0.7)],
        "two-for-cli.wav",
    )
    code, out, _ = _invoke(
        [
            "run",
            "--audio",
            str(path),
            "--engine",
            "whisper",
            "--model",
            str(whisper_model()),
            "--json",
        ]
    )
    assert code == 0, out
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["intent"] for r in rows] == ["coffee.order", "travel.guide"]
    assert rows[0]["slots"] == {"drink": "americano", "size": "small"}
    assert rows[1]["slots"] == {"city": "hong kong"}
    for row, (start, end) in zip(rows, spans, strict=True):
        assert row["file"] == str(path) and row["reply"]
        assert abs(row["start"] - start) < 0.4 and abs(row["end"] - end) < 0.4
        assert row["latency_ms"] > 0


@pytest.mark.slow
def test_run_on_a_folder_in_text() -> None:
    folder = Path(concatenate([DEV / "help-1.joe.wav"], "folder/help.wav")[0]).parent
    code, out, _ = _invoke(
        ["run", "--audio", str(folder), "--engine", "whisper", "--model", str(whisper_model())]
    )
    assert code == 0
    assert "you:" in out and "ting:" in out and "system.help" in out


def test_run_on_a_missing_file_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _main(["run", "--audio", "/nonexistent/x.wav", "--engine", "whisper"], capsys)
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "no such file or folder" in err


def test_an_unknown_engine_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    path = concatenate([silence(0.5)], "quiet.wav")[0]
    code, _, err = _main(["transcribe", str(path), "--engine", "nope"], capsys)
    assert code == 2 and "unknown speech engine 'nope'" in err and "Traceback" not in err


def test_a_model_that_is_not_one_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = concatenate([silence(0.5)], "quiet2.wav")[0]
    code, _, err = _main(
        ["transcribe", str(path), "--engine", "whisper", "--model", str(tmp_path)], capsys
    )
    assert code == 2 and "error:" in err and "Traceback" not in err


@pytest.mark.slow
def test_transcribe_prints_words_with_timings_and_confidences() -> None:
    path = espeak("여보세요")
    code, out, _ = _invoke(
        ["transcribe", str(path), "--engine", "vosk", "--model", str(korean_model()), "--json"]
    )
    assert code == 0
    row = json.loads(out)
    assert row["file"] == str(path) and row["engine"] == "vosk" and "여보세요" in row["text"]
    assert row["words"] and {"word", "start", "end", "confidence"} <= set(row["words"][0])
    code, text, _ = _invoke(
        ["transcribe", str(path), "--engine", "vosk", "--model", str(korean_model())]
    )
    assert code == 0 and text.startswith(f"{path}: ") and len(text.splitlines()) >= 2


@pytest.mark.slow
def test_transcribe_silence_finds_nothing() -> None:
    path = concatenate([silence(1.0)], "silent.wav")[0]
    code, out, _ = _invoke(
        ["transcribe", str(path), "--engine", "whisper", "--model", str(whisper_model()), "--json"]
    )
    assert code == 1 and json.loads(out)["text"] == ""


@pytest.mark.slow
def test_skills_check_lists_words_the_model_lacks() -> None:
    code, out, _ = _invoke(
        ["skills", "check", "--engine", "vosk", "--model", str(korean_model()), "--json"]
    )
    assert code == 1  # the Korean model knows no English template word
    report = json.loads(out)
    words = {row["word"]: row for row in report["unknown"]}
    assert "latte" in words and "coffee" in words["latte"]["skills"]
    assert all(isinstance(row["suggestions"], list) for row in report["unknown"])


def test_skills_check_with_whisper_has_nothing_to_report() -> None:
    code, out, _ = _invoke(["skills", "check", "--engine", "whisper"])
    assert code == 0 and "spells words freely" in out


def test_unknown_words_suggest_close_known_ones() -> None:
    rows = unknown_words(
        {"coffee": {"latte", "capuccino", "42"}, "shops": {"luckin"}},
        {"latte", "cappuccino", "lucky", "lucking"},
    )
    assert [row["word"] for row in rows] == ["capuccino", "luckin"]
    assert rows[0]["suggestions"][0] == "cappuccino" and rows[0]["skills"] == ["coffee"]
    assert "lucking" in rows[1]["suggestions"]  # type: ignore[operator]


def test_model_vocabulary_reads_words_txt(tmp_path: Path) -> None:
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "words.txt").write_text("<eps> 0\nhello 1\nworld 2\n<unk> 3\n")
    assert model_vocabulary(tmp_path) == {"hello", "world"}
