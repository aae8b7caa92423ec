"""Settings: a TOML file overridden by TING_* environment variables, validated with pydantic."""

from __future__ import annotations

import json
import os
import stat
import tempfile
import tomllib
from pathlib import Path
from typing import Annotated, Any

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from .errors import AssistantError, ConfigError

__all__ = [
    "APP_NAME",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "NluSettings",
    "PluginSettings",
    "ServiceSettings",
    "Settings",
    "SpeechSettings",
    "data_dir_problem",
    "default_config_path",
    "format_validation_error",
    "load_settings",
    "read_data_file",
]

APP_NAME = "ting"
ENV_PREFIX = "TING_"
_SECTION = ConfigDict(frozen=True, extra="forbid")
MAX_FILE_BYTES = 1_000_000
"""The largest config file or service manifest Ting reads."""
MAX_DEPTH = 32
"""How deeply tables and arrays may nest in a config file, a manifest or an override."""

# A bool is not a number, and a count is not 2.0: numbers are taken as they are written.
_Int = Annotated[int, Strict()]
_Float = Annotated[float, Strict()]


class NluSettings(BaseModel):
    """Intent recognition."""

    model_config = _SECTION

    threshold: _Float = Field(
        0.65,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="Matches below this confidence are rejected.",
    )
    learned: bool = Field(
        True,
        description="Behind the templates, a layer learned from the skills' own sentences "
        "understands phrasings the templates do not cover.",
    )
    learned_accept: _Float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="The learned layer acts on its guess at this probability or above.",
    )
    learned_ask: _Float = Field(
        0.4,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description='From this probability up to learned_accept it asks "Did you mean ...?" '
        "instead; below it, the sentence is not understood.",
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
    timeout: float = Field(
        5.0,
        ge=0,
        le=3600,
        allow_inf_nan=False,
        description="Seconds a plugin's code may run per call (import, hooks) before Ting "
        "gives up on it and goes on; 0: no limit.",
    )
    trusted: list[str] = Field(
        default_factory=list,
        description="Plugin folders to read even though other users can write to them or own "
        "them (as git's safe.directory); '*' trusts every folder.",
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
    endpoint_silence_ms: _Int = Field(
        600, ge=100, le=5000, description="Silence that ends an utterance, milliseconds."
    )
    threads: _Int = Field(
        2, ge=1, le=64, description="CPU threads each recogniser may use (Whisper)."
    )
    rescore: bool = Field(
        True,
        description="Let the skills' sentences choose among what the recogniser may have "
        "heard (Whisper's n-best and nearby sentences, scored by the audio).",
    )


class ServiceSettings(BaseModel):
    """Mini-program services."""

    model_config = _SECTION

    timeout: _Float = Field(
        3.0, gt=0, le=600, allow_inf_nan=False, description="Seconds before a call gives up."
    )
    retries: _Int = Field(2, ge=0, le=10, description="Retries for actions without side effects.")
    manifests: Path | None = Field(
        None, description="Folder of extra service manifests (default: config dir / services)."
    )
    prefer: dict[str, str] = Field(
        default_factory=dict,
        description="The mini-program that answers an action several offer, by action name "
        '(get_forecast = "myweather"); otherwise the first loaded keeps it.',
    )
    voice: bool = Field(
        True,
        description="Understand what is said to any mini-program from its manifest "
        "(its actions, parameters and values), not only through skills.",
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
        """The user plugin directory (``~`` expanded)."""
        configured = self.plugins.directory
        if configured is not None:
            return configured.expanduser()
        return platformdirs.user_data_path(APP_NAME) / "plugins"


def default_config_path() -> Path:
    """The config file used when neither --config nor TING_CONFIG names one."""
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Read the config file (``path``, else $TING_CONFIG, else the default) and the environment.

    A missing default file is fine; a missing file that was asked for is an error, and so is
    a data folder that cannot hold files.
    """
    explicit = path is not None or bool(os.environ.get("TING_CONFIG"))
    config_path = Path(path or os.environ.get("TING_CONFIG") or default_config_path())
    data: dict[str, Any] = {}
    found = os.path.lexists(config_path)
    if found:
        data = read_data_file(config_path, ConfigError, "config file")
    elif explicit:
        raise ConfigError(
            f"{config_path}: config file not found; create it or drop --config / TING_CONFIG"
        )
    from_file = "data_dir" in data
    _merge(data, environment_overrides())
    data.update(overrides)
    if found:
        data.setdefault("source", config_path)
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, config_path if found else None)) from exc
    problem = data_dir_problem(settings.data_dir)
    if problem is not None:
        where = _where(("data_dir",), config_path if from_file else None)
        raise ConfigError(f"{where}: data_dir: {problem}; set it to a folder Ting can write to")
    return settings


def read_data_file(path: Path, error: type[AssistantError], what: str) -> dict[str, Any]:
    """The table a small TOML file (or, named ``*.json``, JSON file) holds.

    Only a regular file of at most MAX_FILE_BYTES is read, and it is opened without
    blocking: a FIFO or a device would wait or read forever. Tables nested deeper than
    MAX_DEPTH are refused. ``error`` is raised with a message naming the file, the problem
    and ``what`` the file should be ("config file", "manifest").
    """
    kind = "JSON" if path.suffix == ".json" else "TOML"
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{path}: {_file_kind(info.st_mode)}, not a file; make it a {what}")
        if info.st_size > MAX_FILE_BYTES:
            raise error(f"{path}: larger than 1 MB; a {what} must be smaller")
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(descriptor, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise error(f"{path}: not a regular file; make it a {what}")
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror or exc})") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise error(f"{path}: larger than 1 MB; a {what} must be smaller")
    try:
        text = raw.decode("utf-8")
        data = json.loads(text) if kind == "JSON" else tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8") from exc
    except RecursionError:
        data = None  # nested past what the parser can follow: far deeper than MAX_DEPTH
    except ValueError as exc:  # JSONDecodeError and TOMLDecodeError
        raise error(f"{path}: not valid {kind} ({exc}); fix the syntax") from exc
    if data is None or _too_deep(data):
        raise error(f"{path}: nested more than {MAX_DEPTH} levels deep; flatten the {what}")
    if not isinstance(data, dict):
        raise error(f"{path}: a {what} must be one object, not {type(data).__name__}")
    return data


def data_dir_problem(path: Path) -> str | None:
    """Why files cannot be kept in ``path`` (not a folder, not writable), or None.

    Nothing is left behind: a folder that does not exist yet is judged by the nearest one
    above it that does, and the test file is anonymous.
    """
    folder = path
    try:
        while not os.path.isdir(folder):
            if os.path.lexists(folder):
                return f"{folder} is not a folder"
            if folder.parent == folder:
                return f"{path} cannot be made"
            folder = folder.parent
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return f"cannot create files in {folder} ({exc.strerror or exc})"
    return None


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _too_deep(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether tables and arrays nest more than ``limit`` levels (without recursing)."""
    stack = [(data, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children = list(node.values())
        elif isinstance(node, list | tuple):
            children = list(node)
        else:
            continue
        if level > limit:
            return True
        stack.extend((child, level + 1) for child in children)
    return False


# Variables that are not settings keys: they name the file, the model or the plugin allow-list.
_NOT_KEYS = frozenset({"CONFIG", "MODEL", "LOAD_PLUGINS"})


def environment_overrides(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """TING_SECTION__KEY=value variables as nested settings data.

    Values are parsed as JSON where they can be (numbers, booleans, lists), else kept as text.
    A variable that sets a key inside a value another one sets is a ConfigError.
    """
    environ = dict(os.environ) if environ is None else environ
    data: dict[str, Any] = {}
    for name, raw in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name[len(ENV_PREFIX) :] in _NOT_KEYS:
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX) :].split("__") if part]
        if not path:
            continue
        deep = False
        try:
            value: Any = json.loads(raw)
        except RecursionError:
            value, deep = raw, True
        except ValueError:
            value = raw
        if deep or _too_deep(value, MAX_DEPTH - len(path)):
            raise ConfigError(
                f"environment variable {name}: nested more than {MAX_DEPTH} levels deep"
            )
        if isinstance(value, dict):
            value = raw
        node = data
        for depth, part in enumerate(path[:-1], 1):
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                other = ENV_PREFIX + "__".join(path[:depth]).upper()
                raise ConfigError(
                    f"environment variable {name}: {other} already sets "
                    f"{'.'.join(path[:depth])} to a value; drop one of the two"
                )
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
    where = _where(loc, source)
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown key; check its spelling or remove it"
    elif error["type"] == "missing":
        message = "required key is missing"
    return f"{where}: {key}: {message}"


def _where(loc: tuple[str, ...], source: Path | str | None) -> str:
    """Where the value at ``loc`` came from: the environment variable that set it (or set a
    key inside it, or the section around it), else the config file, else the settings."""
    key = tuple(part.lower() for part in loc)
    for name in sorted(os.environ):
        if not name.startswith(ENV_PREFIX) or name[len(ENV_PREFIX) :] in _NOT_KEYS:
            continue
        path = tuple(part.lower() for part in name[len(ENV_PREFIX) :].split("__") if part)
        if path and (path[: len(key)] == key or key[: len(path)] == path):
            return f"environment variable {name}"
    return str(source) if source is not None else "settings"
