"""Settings take numbers as written and blame the environment variable that set a bad one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import ConfigError, load_settings


def bad(message: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings()
    text = str(caught.value)
    assert "\n" not in text
    assert message in text, text
    return text


def test_a_key_set_inside_a_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TING_NLU__THRESHOLD__X", "1")
    text = bad("environment variable TING_NLU__THRESHOLD__X: nlu.threshold:")
    assert "config.toml" not in text


def test_with_no_file_and_no_variable_the_settings_are_blamed() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(nlu={"threshold": 2})
    assert str(caught.value).startswith("settings: nlu.threshold:")


def test_a_variable_inside_another_ones_value_names_both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TING_NLU__THRESHOLD", "0.5")
    monkeypatch.setenv("TING_NLU__THRESHOLD__X", "1")
    bad("TING_NLU__THRESHOLD__X: TING_NLU__THRESHOLD already sets nlu.threshold")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TING_SERVICES__RETRIES", "true", "services.retries: Input should be a valid integer"),
        ("TING_SERVICES__RETRIES", "2.0", "services.retries: Input should be a valid integer"),
        ("TING_SPEECH__THREADS", "false", "speech.threads: Input should be a valid integer"),
        ("TING_SERVICES__TIMEOUT", "1e309", "services.timeout: Input should be a finite number"),
        ("TING_SERVICES__TIMEOUT", "NaN", "services.timeout: Input should be a finite number"),
        ("TING_SERVICES__TIMEOUT", "-Infinity", "services.timeout: Input should be a finite"),
        ("TING_SERVICES__TIMEOUT", "true", "services.timeout: Input should be a valid number"),
        ("TING_SERVICES__TIMEOUT", "1e300", "services.timeout: Input should be less than"),
        ("TING_NLU__THRESHOLD", "NaN", "nlu.threshold: Input should be a finite number"),
    ],
)
def test_environment_numbers_are_strict(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    assert bad(message).startswith(f"environment variable {name}: ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[services]\nretries = true\n", "services.retries: Input should be a valid integer"),
        ("[services]\ntimeout = inf\n", "services.timeout: Input should be a finite number"),
        ("[services]\ntimeout = nan\n", "services.timeout: Input should be a finite number"),
        ("[speech]\nendpoint_silence_ms = true\n", "speech.endpoint_silence_ms: Input should"),
    ],
)
def test_file_numbers_are_strict(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"^{config}: {message}"):
        load_settings(config)


def test_plain_numbers_still_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TING_SERVICES__TIMEOUT", "5")
    monkeypatch.setenv("TING_SERVICES__RETRIES", "0")
    monkeypatch.setenv("TING_NLU__THRESHOLD", "1")
    settings = load_settings()
    assert settings.services.timeout == 5.0
    assert settings.services.retries == 0
    assert settings.nlu.threshold == 1.0


def test_a_deeply_nested_variable_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TING_SKILLS__COFFEE", "[" * 50_000 + "]" * 50_000)
    bad("environment variable TING_SKILLS__COFFEE: nested more than 32 levels deep")


def test_the_cli_says_it_in_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "services", "list"],
        capture_output=True,
        text=True,
        timeout=20,
        env={**os.environ, "TING_SERVICES__RETRIES": "true"},
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: environment variable TING_SERVICES__RETRIES: services.retries: "
        "Input should be a valid integer"
    )
