"""The speech model catalog: which models exist, where they are installed, and which one to use."""

from __future__ import annotations

import json
import logging
import os
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..config import Settings
from ..errors import ModelError

__all__ = [
    "CATALOG_PATH",
    "INSTALL_RECORD",
    "MODEL_ENV",
    "CatalogEntry",
    "ModelCheck",
    "download_model",
    "find_entry",
    "install_record",
    "installed_path",
    "layout_problem",
    "load_catalog",
    "models_dir",
    "resolve_model",
    "verify_model",
]

_LOGGER = logging.getLogger(__name__)

CATALOG_PATH = Path(str(resources.files("ting_models").joinpath("catalog.toml")))
INSTALL_RECORD = ".ting-install.json"
MODEL_ENV = "TING_MODEL"


class CatalogEntry(BaseModel):
    """One downloadable speech model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    engine: Literal["vosk", "whisper"] = Field(description="Engine that loads the model.")
    name: str = Field(description="Catalog name, also the folder name in the cache.")
    language: str = Field(description="Language (BCP 47 tag) the model recognises.")
    size: int = Field(gt=0, description="Download size in bytes.")
    size_exact: bool = Field(
        False, description="True if `size` is the archive's exact size, checked after download."
    )
    url: str = Field(description="Official download address (archive or repository).")
    sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the archive, where known."
    )
    archive: Literal["zip", "tar.gz", "huggingface"] = Field(
        description="How the model is packed: a zip or tar.gz archive, or a Hugging Face repo."
    )
    default: bool = Field(False, description="The engine's default model, fetched on first use.")
    license: str | None = Field(None, description="Licence of the model.")
    description: str = Field("", description="One line for `assistant models list`.")

    @property
    def repo_id(self) -> str:
        """For Hugging Face models, ``owner/name`` taken from the URL."""
        return "/".join(self.url.rstrip("/").split("/")[-2:])


class ModelCheck(BaseModel):
    """What `assistant models verify` found for one model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="Catalog name.")
    engine: str = Field(description="Engine of the model.")
    path: str | None = Field(description="Install folder, if installed.")
    installed: bool = Field(description="Whether the model is in the cache.")
    checksum: Literal["verified", "unknown", "mismatch", "not recorded"] | None = Field(
        description="Archive checksum at install against the catalog's."
    )
    problems: list[str] = Field(default_factory=list, description="What is wrong, with fixes.")

    @property
    def ok(self) -> bool:
        return self.installed and not self.problems


def load_catalog(path: Path | None = None) -> list[CatalogEntry]:
    """The models in ``models/catalog.toml`` (or ``path``)."""
    return list(_load_catalog(path or CATALOG_PATH))


@lru_cache(maxsize=4)
def _load_catalog(path: Path) -> tuple[CatalogEntry, ...]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        entries = tuple(CatalogEntry(**item) for item in data.get("model", []))
    except (OSError, tomllib.TOMLDecodeError, ValidationError, TypeError) as exc:
        raise ModelError(f"{path}: the model catalog is unreadable ({exc})") from exc
    names = [entry.name for entry in entries]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ModelError(f"{path}: model names listed twice: {', '.join(duplicates)}")
    return entries


def find_entry(name: str, catalog: list[CatalogEntry] | None = None) -> CatalogEntry | None:
    """The catalog entry called ``name``, or None."""
    return next((e for e in catalog or load_catalog() if e.name == name), None)


def models_dir(settings: Settings) -> Path:
    """Where downloaded models live: the cache dir / models."""
    return settings.cache_dir / "models"


def installed_path(entry: CatalogEntry, settings: Settings) -> Path | None:
    """The install folder of ``entry`` if it is installed, else None."""
    path = models_dir(settings) / entry.name
    return path if path.is_dir() and layout_problem(entry.engine, path) is None else None


def install_record(path: Path) -> dict[str, object]:
    """What was written at install time (source, archive checksum, date); {} if nothing."""
    try:
        data = json.loads((path / INSTALL_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def layout_problem(engine: str, path: Path) -> str | None:
    """Why ``path`` is not a model folder for ``engine``, or None if it looks like one."""
    if not path.is_dir():
        return f"{path} is not a folder"
    if engine == "vosk":
        if (path / "am").is_dir() or (path / "conf").is_dir() or (path / "final.mdl").is_file():
            return None
        return f"{path} is not a Vosk model (no am/ or conf/ folder inside)"
    if engine == "whisper":
        if (path / "model.bin").is_file():
            return None
        return f"{path} is not a faster-whisper (CTranslate2) model (no model.bin inside)"
    return f"unknown engine {engine!r}"


def _fix(name: str) -> str:
    return (
        f"run `assistant models download {name}`, or "
        f"`assistant models download {name} --from FILE_OR_URL` with an archive or mirror"
    )


def resolve_model(
    engine: str,
    model: str | None,
    settings: Settings,
    *,
    download: bool = True,
    progress: bool = True,
) -> Path:
    """The folder of the model to load for ``engine``.

    Looks at ``model`` (a catalog name or a path), then $TING_MODEL, then the config's
    ``speech.model``, then the engine's default model. The default model downloads itself on
    first use; any other missing model is a :class:`ModelError` naming the command to run.
    """
    catalog = load_catalog()
    wanted = model or os.environ.get(MODEL_ENV) or settings.speech.model
    if wanted:
        entry = find_entry(wanted, catalog)
        if entry is None:
            return _resolve_path(engine, wanted)
        if entry.engine != engine:
            raise ModelError(
                f"{entry.name} is a {entry.engine} model, not a {engine} one; "
                f"use --engine {entry.engine} or pick a {engine} model (`assistant models list`)"
            )
    else:
        defaults = [e for e in catalog if e.engine == engine and e.default]
        if not defaults:
            raise ModelError(f"no default model for engine {engine!r}; give one with --model")
        entry = defaults[0]
    path = installed_path(entry, settings)
    if path is not None:
        return path
    if not (entry.default and download):
        raise ModelError(f"speech model {entry.name} is not installed; {_fix(entry.name)}")
    _LOGGER.warning("downloading the default %s model %s (first use)", engine, entry.name)
    try:
        return download_model(entry, settings, progress=progress)
    except ModelError as exc:
        raise ModelError(
            f"the default {engine} model {entry.name} is not installed and fetching it failed "
            f"({exc}); {_fix(entry.name)}"
        ) from exc


def _resolve_path(engine: str, wanted: str) -> Path:
    path = Path(wanted).expanduser()
    if not path.exists():
        raise ModelError(
            f"{wanted!r} is neither a model in the catalog nor an existing folder; "
            "`assistant models list` shows the catalog"
        )
    problem = layout_problem(engine, path)
    if problem is not None:
        raise ModelError(f"{problem}; give the folder that holds the model files")
    return path.resolve()


def verify_model(entry: CatalogEntry, settings: Settings) -> ModelCheck:
    """Check an installed model: its files, and the archive checksum recorded at install."""
    path = models_dir(settings) / entry.name
    if not path.is_dir():
        return ModelCheck(
            name=entry.name,
            engine=entry.engine,
            path=None,
            installed=False,
            checksum=None,
            problems=[f"not installed; {_fix(entry.name)}"],
        )
    problems: list[str] = []
    layout = layout_problem(entry.engine, path)
    if layout is not None:
        problems.append(f"{layout}; reinstall: {_fix(entry.name)}")
    record = install_record(path)
    recorded = record.get("sha256")
    checksum: Literal["verified", "unknown", "mismatch", "not recorded"]
    if not record:
        checksum = "not recorded"
        problems.append(f"no install record ({INSTALL_RECORD}); reinstall: {_fix(entry.name)}")
    elif entry.sha256 is None:
        checksum = "unknown"  # the catalog has no sum to compare with
    elif recorded == entry.sha256:
        checksum = "verified"
    elif recorded is None:
        checksum = "unknown"  # installed from a folder: no archive to sum
    else:
        checksum = "mismatch"
        problems.append(
            f"installed from an archive with sha256 {recorded}, not the catalog's "
            f"{entry.sha256}; reinstall: {_fix(entry.name)}"
        )
    return ModelCheck(
        name=entry.name,
        engine=entry.engine,
        path=str(path),
        installed=True,
        checksum=checksum,
        problems=problems,
    )


def download_model(
    entry: CatalogEntry,
    settings: Settings,
    *,
    source: str | None = None,
    progress: bool = True,
) -> Path:
    """Fetch, check and unpack ``entry`` into the cache; see :mod:`assistant.speech.download`."""
    from .download import install

    return install(entry, models_dir(settings), source=source, progress=progress)
