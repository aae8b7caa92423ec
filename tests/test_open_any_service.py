"""'Open X' knows every mini-program in the directory, not a fixed list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant, Settings

_BOOK_NOOK = {
    "id": "booknook",
    "name": "Book Nook",
    "category": "shopping",
    "description": "Second-hand books, delivered.",
    "aliases": ["the book nook", "booknook books"],
    "keywords": ["books"],
    "base_url": "http://127.0.0.1:9/booknook",
    "actions": [
        {"name": "search_books", "description": "Find a book", "side_effects": False,
         "parameters": {"title": {"type": "string", "required": True}}}
    ],
}  # fmt: skip


@pytest.fixture
def assistant(tmp_path: Path) -> Assistant:
    folder = tmp_path / "services"
    folder.mkdir()
    (folder / "booknook.json").write_text(json.dumps(_BOOK_NOOK), encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", services={"manifests": folder})
    return Assistant.create(settings)


@pytest.mark.parametrize("text", ["open the book nook", "open book nook", "launch booknook"])
def test_a_mini_program_declared_by_a_manifest_file_opens_by_name(
    assistant: Assistant, text: str
) -> None:
    turn = assistant.handle(text)
    assert turn.intent == "miniprogram.open", turn
    assert turn.reply.startswith("Book Nook is open"), turn.reply


def test_a_bundled_mini_program_without_a_skill_opens(assistant: Assistant) -> None:
    assert assistant.handle("open flowerplus").reply.startswith("FlowerPlus is open")


def test_names_the_skill_lists_keep_their_values(assistant: Assistant) -> None:
    turn = assistant.handle("open star bucks")
    assert turn.slots["app"] == "starbucks" and turn.reply.startswith("Starbucks is open")


def test_what_is_not_a_mini_program_is_not_opened(assistant: Assistant) -> None:
    assert assistant.handle("open the door").intent != "miniprogram.open"
