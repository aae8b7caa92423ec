"""Settings: a TOML file overridden by TING_* environment variables, validated with pydantic."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError

__all__ = [
    "APP_NAME",
    "NluSettings",
    "PluginSettings",
    "ServiceSettings",
    "Settings",
    "SpeechSettings",
    "default_config_path",
    "format_validation_error",
    "load_settings",
]

APP_NAME = "ting"
ENV_PREFIX = "TING_"
_SECTION = ConfigDict(frozen=True, extra="forbid")


class NluSettings(BaseModel):
    """Intent recognition."""

    model_config = _SECTION

    threshold: float = Field(
        0.65, ge=0.0, le=1.0, description="Matches below this confidence are rejected."
    )


class PluginSettings(BaseModel):
    """Where plugins come from."""

    model_config = _SECTION

    directory: Path | None = Field(
        None, description="Plugin directory (default: the platform's user data dir / plugins)."
    )
    load: list[str] | None = Field(
        None, description="Allow-list of plugin names to load; unset loads all."
    )


class SpeechSettings(BaseModel):
    """Speech recognition and output."""

    model_config = _SECTION

    engine: str = Field("vosk", description="Recognition engine: vosk or whisper.")
    model: str | None = Field(None, description="Model catalog name or path for the engine.")
    language: str = Field("en", description="Language of the speech model.")
    device: str | None = Field(None, description="Microphone name or index.")
    wake_phrase: str = Field("hey ting", description="Phrase that wakes the assistant.")
    wake: bool = Field(True, description="Wait for the wake phrase before each command.")
    speak: bool = Field(True, description="Speak replies aloud.")
    voice: str | None = Field(None, description="Piper voice (.onnx path or package name).")
    endpoint_silence_ms: int = Field(
        600, ge=100, le=5000, description="Silence that ends an utterance, milliseconds."
    )
    threads: int = Field(
        2, ge=1, le=64, description="CPU threads each recogniser may use (Whisper)."
    )


class ServiceSettings(BaseModel):
    """Mini-program services."""

    model_config = _SECTION

    timeout: float = Field(3.0, gt=0, description="Seconds before a service call gives up.")
    retries: int = Field(2, ge=0, le=10, description="Retries for actions without side effects.")
    manifests: Path | None = Field(
        None, description="Folder of extra service manifests (default: config dir / services)."
    )
    token: str | None = Field(
        None,
        min_length=16,
        description="Bearer token `services serve` asks for on actions with side effects "
        "(beyond loopback one is generated when unset).",
    )


class Settings(BaseModel):
    """All of Ting's settings. Environment variables override the file: TING_NLU__THRESHOLD."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nlu: NluSettings = Field(default_factory=NluSettings, description="Intent recognition.")
    plugins: PluginSettings = Field(default_factory=PluginSettings, description="Plugins.")
    speech: SpeechSettings = Field(default_factory=SpeechSettings, description="Speech.")
    services: ServiceSettings = Field(default_factory=ServiceSettings, description="Services.")
    skills: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="One section per skill, checked by the skill's model."
    )
    data_dir: Path = Field(
        default_factory=lambda: platformdirs.user_data_path(APP_NAME),
        description="Where orders, timers and the service directory are stored.",
    )
    source: Path | None = Field(
        None, exclude=True, description="The config file these settings were read from."
    )
    cache_dir: Path = Field(
        default_factory=lambda: platformdirs.user_cache_path(APP_NAME),
        description="Where downloaded speech models are kept.",
    )

    def plugin_directory(self) -> Path:
        """The user plugin directory."""
        return self.plugins.directory or platformdirs.user_data_path(APP_NAME) / "plugins"


def default_config_path() -> Path:
    """The config file used when neither --config nor TING_CONFIG names one."""
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Read the config file (``path``, else $TING_CONFIG, else the default) and the environment.

    A missing default file is fine; a missing file that was asked for is an error.
    """
    explicit = path is not None or bool(os.environ.get("TING_CONFIG"))
    config_path = Path(path or os.environ.get("TING_CONFIG") or default_config_path())
    data: dict[str, Any] = {}
    if config_path.exists():
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_path}: not valid TOML ({exc}); fix the syntax") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config_path}: cannot read the config file ({exc})") from exc
    elif explicit:
        raise ConfigError(
            f"{config_path}: config file not found; create it or drop --config / TING_CONFIG"
        )
    _merge(data, environment_overrides())
    data.update(overrides)
    if config_path.exists():
        data.setdefault("source", config_path)
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, config_path)) from exc


# Variables that are not settings keys: they name the file, the model or the plugin allow-list.
_NOT_KEYS = frozenset({"CONFIG", "MODEL", "LOAD_PLUGINS"})


def environment_overrides(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """TING_SECTION__KEY=value variables as nested settings data.

    Values are parsed as JSON where they can be (numbers, booleans, lists), else kept as text.
    """
    environ = dict(os.environ) if environ is None else environ
    data: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name[len(ENV_PREFIX) :] in _NOT_KEYS:
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX) :].split("__") if part]
        if not path:
            continue
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        if isinstance(value, dict):
            value = raw
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[path[-1]] = value
    return data


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    """Merge nested ``extra`` into ``base`` in place; extra wins."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def format_validation_error(
    exc: ValidationError, source: Path | str | None, prefix: tuple[str, ...] = ()
) -> str:
    """One line naming where the bad value came from, the key and the problem.

    :param prefix: the section the validated data sits in, e.g. ("skills", "coffee").
    """
    error = exc.errors()[0]
    loc = (*prefix, *(str(part) for part in error["loc"]))
    key = ".".join(loc)
    env_name = ENV_PREFIX + "__".join(loc).upper()
    if env_name in os.environ:
        where = f"environment variable {env_name}"
    else:
        where = str(source or "config")
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown key; check its spelling or remove it"
    elif error["type"] == "missing":
        message = "required key is missing"
    return f"{where}: {key}: {message}"
