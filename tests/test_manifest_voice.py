"""Every mini-program is usable by voice from what its manifest declares, with no skill
written for it: browse and order, the open mini-program as context, the same dialog as
skills (questions, confirmation with the quoted price, one order per confirmation)."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.errors import ManifestError
from assistant.services import load_manifest_file
from assistant.services.voice import AppVoice

_DOCS = Path(__file__).resolve().parent.parent / "docs" / "examples" / "booknook"


def _chat(assistant: Assistant, *lines: str) -> list:
    session = assistant.new_session()
    return [assistant.handle(line, session) for line in lines]


def _orders(settings: Settings) -> list[tuple[str, str]]:
    with sqlite3.connect(settings.data_dir / "services.sqlite3") as db:
        return db.execute("SELECT service, order_no FROM orders").fetchall()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def assistant(settings: Settings) -> Iterator[Assistant]:
    with Assistant.create(settings) as built:
        yield built


def test_browse_then_order_at_pagoda_with_its_price(
    assistant: Assistant, settings: Settings
) -> None:
    before = len(_orders(settings))
    opened, browse, price, order, done = _chat(
        assistant,
        "open pagoda",
        "what fruit do you have",
        "how much is the durian",
        "two boxes of mangoes",
        "yes",
    )
    assert opened.service == "pagoda"
    assert (browse.service, browse.action) == ("pagoda", "catalog")
    assert "mangoes 1kg" in browse.reply and "29.8 yuan" in browse.reply
    assert price.slots == {"about": "durian 1 whole"} and "168 yuan" in price.reply
    assert (order.service, order.action) == ("pagoda", "place_order")
    assert order.slots == {"item": "mangoes 1kg", "quantity": 2}
    assert order.expecting == "confirmation" and "59.6 yuan" in order.reply
    assert done.action == "place_order" and done.data["order_no"] in done.reply
    assert len(_orders(settings)) == before + 1


def test_a_named_mini_program_needs_no_opening(assistant: Assistant) -> None:
    ask, done = _chat(assistant, "send a sunflower bouquet from flowerplus", "yes")
    assert (ask.service, ask.action, ask.slots) == (
        "flowerplus",
        "place_order",
        {"item": "sunflower bouquet"},
    )
    assert "129 yuan" in ask.reply
    assert done.data["order_no"].startswith("FL")


def test_a_dish_from_the_open_meituan(assistant: Assistant) -> None:
    turns = _chat(assistant, "open meituan", "i would like the beef noodle soup", "yes")
    assert turns[1].slots == {"item": "beef noodle soup"} and "26 yuan" in turns[1].reply
    assert turns[2].data["order_no"].startswith("MT")


def test_trains_then_the_first_one_booked(assistant: Assistant) -> None:
    found, book, done = _chat(
        assistant, "find me a train from beijing to shanghai tomorrow", "book the first one", "yes"
    )
    assert (found.service, found.action) == ("railway", "search_trains")
    assert found.slots == {"origin": "beijing", "destination": "shanghai", "day": "tomorrow"}
    first = found.data["trains"][0]["train_no"]
    assert first in found.reply
    assert book.action == "book_ticket" and book.slots["train_no"] == first
    assert book.slots["origin"] == "beijing" and book.expecting == "confirmation"
    assert done.data["status"] == "booked"


def test_a_required_parameter_is_asked_for(assistant: Assistant) -> None:
    ask, answered = _chat(assistant, "book a train ticket on railway", "from beijing")
    assert ask.expecting == "origin" and ask.reply == "Where from?"
    assert answered.slots["origin"] == "beijing" and answered.expecting == "destination"


def test_a_didi_fare_then_a_ride_after_confirmation(
    assistant: Assistant, settings: Settings
) -> None:
    fare, ride, done = _chat(
        assistant, "how much is a didi to the airport", "get me a didi to the airport", "yes"
    )
    assert (fare.action, fare.slots) == ("estimate_ride", {"destination": "airport"})
    assert str(fare.data["fare"]) in fare.reply
    assert ride.expecting == "confirmation" and str(fare.data["fare"]) in ride.reply
    assert done.data["order_no"].startswith("DD")


def test_confirming_twice_places_one_order(assistant: Assistant, settings: Settings) -> None:
    session = assistant.new_session()
    assistant.handle("order a fruit platter from pagoda", session)
    before = len(_orders(settings))
    first = assistant.handle("yes", session)
    again = assistant.handle("yes", session)
    assert first.data["order_no"] and again.intent == "system.confirm"
    assert len(_orders(settings)) == before + 1


def test_the_named_one_wins_over_the_open_one_and_close_leaves_it(assistant: Assistant) -> None:
    turns = _chat(
        assistant,
        "open pagoda",
        "order a sunflower bouquet from flowerplus",
        "no",
        "what do you have",
    )
    assert turns[1].service == "flowerplus"
    assert turns[3].service == "flowerplus"  # using flowerplus opened it
    closed = _chat(assistant, "open pagoda", "close pagoda", "what do you have")
    assert closed[1].reply == "Pagoda is closed."
    assert closed[2].service is None


def test_the_skills_keep_what_is_theirs_while_a_mini_program_is_open(
    assistant: Assistant,
) -> None:
    turns = _chat(
        assistant,
        "open pagoda",
        "what's the weather in beijing tomorrow",
        "order a latte from starbucks",
        "cancel",
        "what can i do here",
    )
    assert turns[1].intent == "weather.forecast"
    assert turns[2].intent == "coffee.order" and turns[2].service == "starbucks"
    assert turns[4].service == "pagoda" and "order fruit for delivery" in turns[4].reply


@pytest.mark.parametrize(
    "text",
    ["who founded starbucks", "send a package to my mom", "confirm my hotel reservation",
     "play some jazz"],
)  # fmt: skip
def test_out_of_domain_is_not_a_mini_program_action(assistant: Assistant, text: str) -> None:
    for opened in (None, "open pagoda"):
        session = assistant.new_session()
        if opened:
            assistant.handle(opened, session)
        turn = assistant.handle(text, session)
        assert not (turn.intent or "").startswith("app."), turn


# -- a remote mini-program declared by a manifest file --------------------------------------


@pytest.fixture(scope="module")
def book_nook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("booknook_server", _DOCS / "server.py")
    assert spec is not None and spec.loader is not None
    server_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(server_module)
    httpd = server_module.make_server(0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    folder = tmp_path_factory.mktemp("services")
    text = (_DOCS / "booknook.toml").read_text(encoding="utf-8")
    port = httpd.server_address[1]
    (folder / "booknook.toml").write_text(text.replace("8766", str(port)), encoding="utf-8")
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("bookdata"), services={"manifests": folder}
    )
    with Assistant.create(settings) as built:
        yield built
    httpd.shutdown()
    httpd.server_close()


def test_the_book_nook_from_its_manifest_alone(book_nook: Assistant) -> None:
    opened, found, price, order, done = _chat(
        book_nook,
        "open the book nook",
        "do you have dune",
        "how much is the hobbit",
        "order wolf hall",
        "yes",
    )
    assert opened.service == "booknook"
    assert (found.service, found.action, found.slots) == (
        "booknook",
        "find_book",
        {"title": "dune"},
    )
    assert "Frank Herbert" in found.reply
    assert price.action == "find_book" and "38" in price.reply
    assert order.expecting == "confirmation" and done.data["order_no"] in done.reply


def test_a_mini_program_that_is_down_gets_an_apology_naming_it(
    book_nook: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = book_nook.services.get("booknook")  # type: ignore[union-attr]
    entry = book_nook.services.entries["booknook"]  # type: ignore[union-attr]
    dead = manifest.model_copy(update={"base_url": "http://127.0.0.1:9"})
    monkeypatch.setitem(
        book_nook.services.entries,
        "booknook",
        type(entry)(dead, entry.source),  # type: ignore[union-attr]
    )
    turn = _chat(book_nook, "open the book nook", "do you have dune")[1]
    assert turn.reply.startswith("Sorry") and "Book Nook" in turn.reply, turn.reply


# -- manifests stay data ------------------------------------------------------------------


def test_a_manifest_template_that_does_not_parse_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "shop.toml"
    shutil.copy(_DOCS / "booknook.toml", bad)
    with bad.open("a", encoding="utf-8") as out:
        out.write('\n[actions.gift_card]\ndescription = "Buy a gift card"\n')
        out.write('utterances = ["buy a (gift card"]\n')
    with pytest.raises(ManifestError, match=r"shop\.toml.*gift_card"):
        load_manifest_file(bad)


def test_manifest_templates_are_heard_first(tmp_path: Path) -> None:
    path = tmp_path / "shop.toml"
    text = (_DOCS / "booknook.toml").read_text(encoding="utf-8")
    text = text.replace(
        'returns = "books: [{title, author, price}]"',
        'returns = "books: [{title, author, price}]"\nutterances = ["got {title} in stock"]',
    )
    path.write_text(text, encoding="utf-8")
    voice = AppVoice(load_manifest_file(path))
    heard = voice.hear("got wolf hall in stock")
    assert heard is not None and (heard.action, heard.slots) == (
        "find_book",
        {"title": "wolf hall"},
    )
    assert voice.skill.intent("app.booknook.find_book").templates[0] == "got {title} in stock"


def test_two_mini_programs_of_one_name_the_one_that_sells_it(tmp_path: Path) -> None:
    folder = tmp_path / "services"
    folder.mkdir()
    for shop, goods in (("tea_house_a", ["jasmine tea", "oolong"]), ("tea_house_b", ["tulips"])):
        (folder / f"{shop}.toml").write_text(
            f'id = "{shop}"\nname = "Tea House"\ncategory = "shopping"\n'
            f'description = "Things delivered."\nbase_url = "http://127.0.0.1:9/{shop}"\n'
            '[actions.order_goods]\ndescription = "Order goods for delivery"\n'
            "side_effects = true\n[actions.order_goods.parameters]\n"
            f'item = {{ type = "string", required = true, enum = {goods!r} }}\n'.replace("'", '"'),
            encoding="utf-8",
        )
    settings = Settings(data_dir=tmp_path / "data", services={"manifests": folder})
    with Assistant.create(settings) as built:
        for text, shop in (
            ("order tulips from tea house", "tea_house_b"),
            ("order some oolong from the tea house", "tea_house_a"),
        ):
            turn = built.handle(text)
            assert turn.intent == f"app.{shop}.order_goods", (text, turn)
            assert turn.expecting == "confirmation"
