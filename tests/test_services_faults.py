"""Faults of remote and in-process services: down, slow, HTTP 500, malformed JSON, refusals."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant import hookimpl
from assistant.services import Catalog, ServiceCallError, ServiceDirectory
from assistant.services.samples import bundled_services
from assistant.services.server import make_server


class _Stub(BaseHTTPRequestHandler):
    """POST /MODE/actions/NAME answers according to MODE; every request is counted."""

    hits: Counter[str] = Counter()
    keys: list[str | None] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        mode = self.path.strip("/").split("/")[0]
        type(self).hits[mode] += 1
        type(self).keys.append(self.headers.get("Idempotency-Key"))
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if mode == "slow":
            time.sleep(1.0)
        status, body = {
            "error": (500, b'{"error": "boom"}'),
            "malformed": (200, b'{"ok": tru'),
            "refused": (422, b'{"error": "the latte is sold out"}'),
            "notobject": (200, b"[1, 2, 3]"),
        }.get(mode, (200, json.dumps({"ok": True, "mode": mode}).encode()))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def stub() -> Iterator[str]:
    _Stub.hits = Counter()
    _Stub.keys = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _remote(service_id: str, base_url: str, timeout: float | None = None) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "id": service_id,
        "name": service_id.replace("_", " ").title(),
        "category": "test",
        "description": "A remote test service.",
        "base_url": base_url,
        "actions": [
            {"name": "look", "description": "Look something up"},
            {"name": "buy", "description": "Buy something", "side_effects": True},
        ],
    }
    if timeout is not None:
        manifest["timeout"] = timeout
    return manifest


@pytest.fixture
def remote(stub: str, tmp_path: Path) -> Iterator[ServiceDirectory]:
    catalog = Catalog(strict=True)
    for mode in ("ok", "slow", "error", "malformed", "refused", "notobject"):
        catalog.add(_remote(f"tea_{mode}", f"{stub}/{mode}", timeout=0.3), "test")
    catalog.add(_remote("tea_down", f"http://127.0.0.1:{_free_port()}/down"), "test")
    directory = catalog.directory(data_dir=tmp_path, retries=2)
    yield directory
    directory.close()


def _fails(directory: ServiceDirectory, service: str, action: str = "look") -> ServiceCallError:
    with pytest.raises(ServiceCallError) as caught:
        directory.call(service, action, {}, idempotency_key="k-1" if action == "buy" else None)
    assert caught.value.service == service
    return caught.value


def test_service_down(remote: ServiceDirectory) -> None:
    error = _fails(remote, "tea_down")
    assert error.reason == "down"
    assert str(error) == "Tea Down is not answering right now"


def test_service_slower_than_its_deadline_is_given_up_within_it(
    remote: ServiceDirectory,
) -> None:
    started = time.perf_counter()
    error = _fails(remote, "tea_slow")
    assert error.reason == "timeout" and str(error) == "Tea Slow is taking too long to answer"
    assert _Stub.hits["slow"] == 1  # one deadline for the call: no retry past it
    assert time.perf_counter() - started < 0.3 + 1.5


def test_http_500_is_retried_for_reads_only(remote: ServiceDirectory) -> None:
    error = _fails(remote, "tea_error")
    assert error.reason == "error" and str(error) == "Tea Error ran into a problem"
    assert _Stub.hits["error"] == 3
    _fails(remote, "tea_error", "buy")
    assert _Stub.hits["error"] == 4  # an action with side effects is never retried
    assert _Stub.keys[-1] == "k-1"


def test_malformed_json(remote: ServiceDirectory) -> None:
    error = _fails(remote, "tea_malformed")
    assert error.reason == "malformed"
    assert str(error) == "Tea Malformed sent an answer I could not read"
    assert _Stub.hits["malformed"] == 1
    assert _fails(remote, "tea_notobject").reason == "malformed"


def test_refusal_carries_the_services_words(remote: ServiceDirectory) -> None:
    error = _fails(remote, "tea_refused")
    assert error.reason == "refused"
    assert str(error) == "Tea Refused said: the latte is sold out"
    assert _Stub.hits["refused"] == 1


def test_side_effect_call_sends_its_key_and_is_placed_once(remote: ServiceDirectory) -> None:
    first = remote.call("tea_ok", "buy", idempotency_key="order-7")
    again = remote.call("tea_ok", "buy", idempotency_key="order-7")
    assert _Stub.keys == ["order-7"] and _Stub.hits["ok"] == 1
    assert again.data == first.data and again.replayed and not first.replayed
    remote.call("tea_ok", "buy")
    assert _Stub.keys[1] not in (None, "order-7")  # a key is made up when none is given


def test_slow_in_process_handler_times_out(tmp_path: Path) -> None:
    catalog = Catalog(strict=True)
    manifest = {k: v for k, v in _remote("nap", "http://x").items() if k != "base_url"}
    catalog.add(
        {**manifest, "timeout": 0.2},
        "test",
        {"look": lambda a, c: time.sleep(1) or {}, "buy": lambda a, c: {}},
    )
    directory = catalog.directory(data_dir=tmp_path, retries=0)
    try:
        assert _fails(directory, "nap").reason == "timeout"
    finally:
        directory.close()


def test_crashing_in_process_handler_is_an_error(tmp_path: Path) -> None:
    catalog = Catalog(strict=True)
    manifest = {k: v for k, v in _remote("crash", "http://x").items() if k != "base_url"}
    catalog.add(manifest, "test", {"look": lambda a, c: 1 / 0, "buy": lambda a, c: "nope"})
    directory = catalog.directory(data_dir=tmp_path, retries=0)
    try:
        assert str(_fails(directory, "crash")) == "Crash ran into a problem"
        assert _fails(directory, "crash", "buy").reason == "malformed"
        assert directory.store.recorded("k-1") is None  # nothing stored for a failed call
    finally:
        directory.close()


def _samples_over_http(root: str, tmp_path: Path) -> ServiceDirectory:
    """A directory that calls the served samples as remote services."""
    listed = httpx.get(f"{root}/services").json()["services"]
    catalog = Catalog(strict=True)
    for manifest in listed:
        catalog.add(manifest, root)
    return catalog.directory(data_dir=tmp_path)


def test_samples_served_over_http(tmp_path: Path) -> None:
    local = Catalog(strict=True)
    for manifest, handlers in bundled_services():
        local.add(manifest, "bundled", handlers)
    served = local.directory(data_dir=tmp_path / "server")
    server = make_server(served, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        schema = httpx.get(f"{server.root}/openapi.json").json()
        assert schema["openapi"].startswith("3.")
        post = schema["paths"]["/services/starbucks/actions/order_drink"]["post"]
        assert post["x-side-effects"] is True
        assert post["parameters"][0]["name"] == "Idempotency-Key"
        client_a = _samples_over_http(server.root, tmp_path / "a")
        client_b = _samples_over_http(server.root, tmp_path / "b")
        assert client_a.get("starbucks").remote  # type: ignore[union-attr]
        quote = client_a.call("starbucks", "quote_drink", {"drink": "latte", "size": "large"})
        assert quote.data["total"] == 37
        args = {"drink": "latte", "size": "large"}
        first = client_a.call("starbucks", "order_drink", args, idempotency_key="same")
        second = client_b.call("starbucks", "order_drink", args, idempotency_key="same")
        assert first.data["order_no"] == second.data["order_no"]
        assert len(served.store.orders("starbucks")) == 1  # the server placed it once
        with pytest.raises(ServiceCallError, match="Starbucks said: there is no milk tea"):
            client_a.call("starbucks", "order_drink", {"drink": "milk tea"})
        bad = httpx.post(f"{server.root}/services/starbucks/actions/quote_drink", json={"drink": 5})
        assert bad.status_code == 400 and "must be of type string" in bad.json()["error"]
        assert httpx.get(f"{server.root}/services/nope").status_code == 404
        client_a.close()
        client_b.close()
    finally:
        server.shutdown()
        server.server_close()
        served.close()


class _BrewBar:
    """A plugin whose coffee shop is a remote service at an address nobody answers."""

    def __init__(self, base_url: str, timeout: float = 0.3) -> None:
        self.base_url = base_url
        self.timeout = timeout

    @hookimpl
    def register_services(self, register: Any) -> None:
        starbucks = next(m for m, _ in bundled_services() if m.id == "starbucks")
        data = starbucks.model_dump(exclude_none=True)
        register(
            {
                **data,
                "id": "brew_bar",
                "name": "Brew Bar",
                "aliases": ["brew bar"],
                "base_url": self.base_url,
                "timeout": self.timeout,
            }
        )


@pytest.mark.parametrize("mode", ["down", "slow", "error", "malformed"])
def test_failing_shop_gets_an_apology_and_the_assistant_carries_on(
    ting_assistant_factory: Any, stub: str, mode: str
) -> None:
    import ting_skills.coffee as coffee
    import ting_skills.weather as weather

    base = f"http://127.0.0.1:{_free_port()}" if mode == "down" else f"{stub}/{mode}"
    assistant = ting_assistant_factory(
        coffee,
        weather,
        _BrewBar(base),
        config={"coffee": {"default_shop": "brew bar"}},
        settings={"services": {"retries": 0}},
    )
    session = assistant.new_session()
    turn = assistant.handle("get me a small americano", session)
    expected = {
        "down": "Sorry, Brew Bar is not answering right now.",
        "slow": "Sorry, Brew Bar is taking too long to answer.",
        "error": "Sorry, Brew Bar ran into a problem.",
        "malformed": "Sorry, Brew Bar sent an answer I could not read.",
    }[mode]
    assert turn.reply == expected
    assert (turn.service, turn.action) == ("brew_bar", "quote_drink")
    assert turn.expecting is None
    after = assistant.handle("what's the weather in beijing tomorrow", session)
    assert after.service == "weather" and after.reply.startswith("Tomorrow in Beijing")
