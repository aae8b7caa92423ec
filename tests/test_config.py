"""Configuration: the file, environment overrides, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from assistant import Assistant, ConfigError, Skill, hookimpl, load_settings
from assistant.config import default_config_path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_no_file_exists() -> None:
    settings = load_settings()
    assert settings.nlu.threshold == 0.65
    assert settings.speech.engine == "vosk"
    assert not default_config_path().exists()


def test_values_come_from_the_file(tmp_path: Path) -> None:
    config = write(tmp_path / "c.toml", "[nlu]\nthreshold = 0.7\n[speech]\nengine = 'whisper'\n")
    settings = load_settings(config)
    assert settings.nlu.threshold == 0.7
    assert settings.speech.engine == "whisper"


def test_default_location_is_read(tmp_path: Path) -> None:
    path = default_config_path()
    path.parent.mkdir(parents=True)
    write(path, "[nlu]\nthreshold = 0.66\n")
    assert load_settings().nlu.threshold == 0.66


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path / "c.toml", "[nlu]\nthreshold = 0.7\n")
    monkeypatch.setenv("TING_NLU__THRESHOLD", "0.9")
    assert load_settings(config).nlu.threshold == 0.9


def test_ting_config_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path / "c.toml", "[nlu]\nthreshold = 0.61\n")
    monkeypatch.setenv("TING_CONFIG", str(config))
    assert load_settings().nlu.threshold == 0.61


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[nlu]\nthreshold = 3\n", "nlu.threshold: Input should be less than or equal to 1"),
        ("[nlu]\nthreshhold = 0.5\n", "nlu.threshhold: unknown key"),
        ("[speech]\nendpoint_silence_ms = 'long'\n", "speech.endpoint_silence_ms:"),
        ("[nlu\nthreshold = 0.5\n", "not valid TOML"),
    ],
)
def test_bad_config_names_file_key_and_problem(tmp_path: Path, text: str, expected: str) -> None:
    config = write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    message = str(info.value)
    assert str(config) in message
    assert expected in message
    assert "\n" not in message


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TING_NLU__THRESHOLD", "high")
    with pytest.raises(
        ConfigError, match="environment variable TING_NLU__THRESHOLD: nlu.threshold"
    ):
        load_settings()


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


class GreeterConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = "friend"
    times: int = 1


class Greeter:
    name = "greeter"

    @hookimpl
    def register_skills(self, register):  # type: ignore[no-untyped-def]
        register(
            Skill.model_validate(
                {
                    "name": "greeter",
                    "intents": [{"name": "greet.hello", "templates": ["say hello"]}],
                    "config_model": GreeterConfig,
                }
            )
        )

    @hookimpl
    def handle_intent(self, request, context):  # type: ignore[no-untyped-def]
        from assistant import Reply

        return Reply(text=" ".join([f"hello {context.config.name}"] * context.config.times))


def test_skill_section_is_validated_by_the_skills_model(tmp_path: Path) -> None:
    config = write(tmp_path / "c.toml", "[skills.greeter]\nname = 'Ada'\ntimes = 2\n")
    assistant = Assistant.create(load_settings(config), plugins=[Greeter()], entry_points=False)
    assert assistant.handle("say hello").reply == "hello Ada hello Ada"


def test_bad_skill_section_skips_that_skill_with_a_message(tmp_path: Path) -> None:
    config = write(tmp_path / "c.toml", "[skills.greeter]\ntimes = 'many'\n")
    assistant = Assistant.create(load_settings(config), plugins=[Greeter()], entry_points=False)
    assert "greeter" not in assistant.skills
    assert any(str(config) in f and "skills.greeter.times:" in f for f in assistant.failures)
