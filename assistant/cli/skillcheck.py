"""`assistant skills check`: template words the speech model cannot recognise."""

from __future__ import annotations

import logging
import struct
import sys
from pathlib import Path

import click
from rapidfuzz import fuzz, process

from ..errors import ModelError
from ..nlu import Matcher
from .common import echo_json, json_option, make_assistant, model_value

__all__ = ["check", "model_vocabulary", "unknown_words"]

_LOGGER = logging.getLogger(__name__)

_FST_MAGIC = 2125659606
_SYMBOLS_MAGIC = 2125658996
_SPECIAL = frozenset({"<eps>", "!SIL", "<s>", "</s>", "<unk>", "[unk]", "#0"})


def _read_string(handle: object) -> str:
    (size,) = struct.unpack("<i", handle.read(4))  # type: ignore[attr-defined]
    return handle.read(size).decode("utf-8", "replace")  # type: ignore[attr-defined,no-any-return]


def _fst_output_symbols(path: Path) -> set[str]:
    """The word list embedded in an OpenFst file's header (Vosk's Gr.fst carries one)."""
    with path.open("rb") as handle:
        (magic,) = struct.unpack("<i", handle.read(4))
        if magic != _FST_MAGIC:
            raise ModelError(f"{path}: not an OpenFst file; the model is damaged")
        _read_string(handle)
        _read_string(handle)
        _version, flags = struct.unpack("<ii", handle.read(8))
        handle.read(32)  # properties, start, states, arcs
        tables = []
        for bit in (1, 2):  # input symbols, then output symbols
            if not flags & bit:
                continue
            (magic,) = struct.unpack("<i", handle.read(4))
            if magic != _SYMBOLS_MAGIC:
                break
            _read_string(handle)
            _available, size = struct.unpack("<qq", handle.read(16))
            words = set()
            for _ in range(size):
                words.add(_read_string(handle))
                handle.read(8)
            tables.append(words)
    if not tables:
        raise ModelError(f"{path}: the grammar carries no word list; cannot check words")
    return tables[-1]


def model_vocabulary(model_dir: Path) -> set[str]:
    """Every word a Vosk model can output (graph/words.txt, else the Gr.fst word list)."""
    for words_txt in (model_dir / "graph" / "words.txt", model_dir / "words.txt"):
        if words_txt.is_file():
            lines = words_txt.read_text(encoding="utf-8", errors="replace").splitlines()
            return {line.split()[0] for line in lines if line.strip()} - _SPECIAL
    grammar = model_dir / "graph" / "Gr.fst"
    if grammar.is_file():
        return _fst_output_symbols(grammar) - _SPECIAL
    raise ModelError(
        f"{model_dir}: no graph/words.txt or graph/Gr.fst; is this a Vosk model folder?"
    )


def unknown_words(
    words_by_skill: dict[str, set[str]], vocabulary: set[str], *, limit: int = 3
) -> list[dict[str, object]]:
    """Words outside ``vocabulary``, each with the skills using it and close known words."""
    unknown: dict[str, list[str]] = {}
    for skill, words in sorted(words_by_skill.items()):
        for word in words:
            if word.isdigit() or word in vocabulary:
                continue
            unknown.setdefault(word, []).append(skill)
    choices = sorted(vocabulary)
    rows: list[dict[str, object]] = []
    for word in sorted(unknown):
        near = process.extract(word, choices, scorer=fuzz.ratio, limit=limit, score_cutoff=60)
        rows.append(
            {"word": word, "skills": unknown[word], "suggestions": [hit[0] for hit in near]}
        )
    return rows


@click.command()
@click.option("--engine", help="Engine whose model to check (default: speech.engine).")
@click.option("--model", callback=model_value, help="Model catalog name or path.")
@json_option
@click.pass_obj
def check(obj: dict[str, object], engine: str | None, model: str | None, as_json: bool) -> None:
    """List template words the speech model cannot recognise, with suggestions."""
    config_path = obj.get("config_path") if obj else None
    plugins_dirs = obj.get("plugins_dirs", ()) if obj else ()
    plugin_names = obj.get("plugin_names") if obj else None
    assistant = make_assistant(
        config_path,  # type: ignore[arg-type]
        plugins_dirs,  # type: ignore[arg-type]
        plugin_names=plugin_names,  # type: ignore[arg-type]
        quiet=as_json,
    )
    settings = assistant.settings
    engine = engine or settings.speech.engine
    if engine != "vosk":
        message = f"the {engine} engine spells words freely; no word is out of its vocabulary"
        echo_json({"engine": engine, "unknown": []}) if as_json else click.echo(message)
        return
    from ..speech.models import resolve_model

    model_dir = resolve_model("vosk", model, settings)
    vocabulary = model_vocabulary(model_dir)
    words_by_skill = {
        name: Matcher.build([loaded.skill]).vocabulary()
        for name, loaded in assistant.skills.items()
    }
    rows = unknown_words(words_by_skill, vocabulary)
    if as_json:
        echo_json({"engine": engine, "model": str(model_dir), "unknown": rows})
    elif not rows:
        click.echo(f"every template word is in the model's vocabulary ({model_dir.name})")
    else:
        click.echo(f"{len(rows)} template word(s) the model {model_dir.name} cannot recognise:")
        for row in rows:
            hint = ", ".join(row["suggestions"]) or "no close word"  # type: ignore[arg-type]
            skills = ", ".join(row["skills"])  # type: ignore[arg-type]
            click.echo(f"  {row['word']:<18} ({skills})  try: {hint}")
    sys.exit(1 if rows else 0)
