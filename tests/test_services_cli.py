"""End to end: `assistant say --json` routes every dev-set service intent to a service call;
`assistant services list | search | show | serve`."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from assistant import Assistant, Settings
from assistant.cli import cli

# The services (a set of acceptable ids) and action that answer each intent's first turn.
ROUTES: dict[str, tuple[set[str] | None, str]] = {
    "coffee.order": ({"starbucks", "luckin"}, "quote_drink"),
    "coupons.list": ({"coupons"}, "list_coupons"),
    "coupons.redeem": ({"coupons"}, "list_coupons"),
    "transit.next_bus": ({"citybus"}, "next_bus"),
    "parcel.track": ({"sf_express", "ems", "jd_logistics"}, "track_parcels"),
    "weather.forecast": ({"weather"}, "forecast"),
    "travel.guide": ({"mafengwo"}, "guide"),
    "miniprogram.search": ({"directory"}, "search"),
    "miniprogram.open": (None, "open"),  # the opened app's own id
}


def _dev_utterances() -> list[dict[str, Any]]:
    labels = Path(__file__).resolve().parents[2] / "shared" / "audio" / "dev" / "labels.jsonl"
    seen: dict[str, dict[str, Any]] = {}
    for line in labels.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["intent"] in ROUTES:
            seen.setdefault(item["text"], item)
    return list(seen.values())


UTTERANCES = _dev_utterances()


def _env(tmp: Path) -> dict[str, str]:
    config = tmp / "config.toml"
    config.write_text('[skills.coffee]\ndefault_shop = "starbucks"\n', encoding="utf-8")
    env = {**os.environ, "TING_DATA_DIR": str(tmp / "data"), "TING_CONFIG": str(config)}
    env.pop("TING_LOAD_PLUGINS", None)
    return env


def _run(args: list[str], env: dict[str, str], stdin: str | None = None) -> Any:
    return subprocess.run(
        ["assistant", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def said(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every routed dev-set utterance said once, in parallel, each with its own data folder."""

    def say(index_item: tuple[int, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
        index, item = index_item
        env = _env(tmp_path_factory.mktemp(f"say{index}"))
        done = _run(["say", "--json", item["text"]], env)
        assert done.returncode == 0, done.stderr
        return item["text"], json.loads(done.stdout)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(say, enumerate(UTTERANCES)))


def test_dev_set_has_every_routed_intent() -> None:
    assert {item["intent"] for item in UTTERANCES} == set(ROUTES)


@pytest.mark.parametrize("item", UTTERANCES, ids=[u["text"] for u in UTTERANCES])
def test_say_json_names_the_service_and_action(
    said: dict[str, dict[str, Any]], item: dict[str, Any]
) -> None:
    turn = said[item["text"]]
    assert turn["intent"] == item["intent"], turn
    services, action = ROUTES[item["intent"]]
    expected = services or {item["slots"]["app"]}
    assert turn["service"] in expected, turn
    assert turn["action"] == action, turn
    assert not turn["reply"].startswith("Sorry"), turn["reply"]


def test_chat_json_orders_and_redeems_after_yes(tmp_path: Path) -> None:
    lines = "order a large latte from starbucks\nyes\nuse my mcdonalds coupon\nyes\n"
    done = _run(["chat", "--json"], _env(tmp_path), stdin=lines)
    turns = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(t["service"], t["action"]) for t in turns] == [
        ("starbucks", "quote_drink"),
        ("starbucks", "order_drink"),
        ("coupons", "list_coupons"),
        ("coupons", "redeem_coupon"),
    ]
    assert turns[1]["data"]["order_no"] == "SB0001"
    assert turns[1]["reply"].startswith("Ordered a large latte from Starbucks, 37 yuan.")
    assert turns[3]["data"]["code"].startswith("MC-")


def test_open_app_then_follow_up_orders_there(tmp_path: Path) -> None:
    done = _run(["chat", "--json"], _env(tmp_path), stdin="open luckin\nget me a small americano\n")
    opened, quoted = (json.loads(line) for line in done.stdout.splitlines())
    assert (opened["service"], opened["action"]) == ("luckin", "open")
    assert (quoted["service"], quoted["action"]) == ("luckin", "quote_drink")
    assert quoted["reply"] == "Order a small americano from Luckin Coffee for 21 yuan?"


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, ["services", *args], catch_exceptions=False)


def test_services_list_search_show_json() -> None:
    listed = json.loads(_invoke("list", "--json").output)["services"]
    assert {"starbucks", "pagoda", "railway", "weather"} <= {s["id"] for s in listed}
    found = json.loads(_invoke("search", "fresh fruit", "--json").output)
    assert found["results"][0]["id"] == "pagoda"
    misheard = json.loads(_invoke("search", "pagota", "--json").output)
    assert misheard["results"][0]["id"] == "pagoda"
    shown = json.loads(_invoke("show", "starbucks", "--json").output)
    order = next(a for a in shown["actions"] if a["name"] == "order_drink")
    assert order["side_effects"] and order["parameters"]["drink"]["required"]
    assert shown["source"] == "plugin 'services'"
    text = _invoke("show", "mc donalds").output
    assert text.startswith("McDonald's (mcdonalds)") and "order_drink [side effects" in text


def test_services_exit_status_when_nothing_found() -> None:
    assert _invoke("search", "xylophone repairs").exit_code == 1
    assert _invoke("show", "nothing_like_it").exit_code == 1
    assert _invoke("list", "--category", "spaceships").exit_code == 1


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_services_serve(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = tmp_path / "serve.log"
    with log.open("w", encoding="utf-8") as err:
        server = subprocess.Popen(
            ["assistant", "services", "serve", "--port", str(port)],
            env=_env(tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=err,
            # Ctrl-C as a terminal delivers it, even when the tests run in the background
            # (a shell starts background jobs with SIGINT ignored, and children inherit that).
            preexec_fn=_default_sigint,
        )
    root = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                schema = httpx.get(f"{root}/openapi.json", timeout=1).json()
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("services serve did not start")
        assert "/services/pagoda/actions/place_order" in schema["paths"]
        reply = httpx.post(f"{root}/services/weather/actions/forecast", json={"city": "tokyo"})
        assert reply.status_code == 200 and len(reply.json()["days"]) == 7
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            pytest.fail("Ctrl-C did not stop services serve:\n" + log.read_text("utf-8"))


def test_parcels_beyond_three_are_left_for_a_question_about_their_courier(tmp_path: Path) -> None:
    assistant = Assistant.create(Settings(data_dir=tmp_path))
    turn = assistant.handle("where is my package")
    assert len(turn.data["parcels"]) == 4
    assert turn.reply.startswith("You have 4 parcels; the first 3: ")
    assert turn.reply.count("Your ") == 3
    # which parcel is left over depends on the hour (the sample couriers move them along)
    left = turn.data["parcels"][3]
    ask = re.search(r'To hear about the other one, ask "(track my (.+) parcel)"\.$', turn.reply)
    assert ask is not None, turn.reply
    follow_up = assistant.handle(ask.group(1).lower())
    assert left["item"] in follow_up.reply
    assert f"Your {ask.group(2)} parcel" in follow_up.reply
