"""Remote services that misbehave over a real socket: one deadline per call, bounded answers."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from assistant.services import Catalog, ServiceCallError, ServiceDirectory
from assistant.services.invoke import MAX_RESPONSE_BYTES
from assistant.services.samples import bundled_services

DEADLINE = 1.0  # the test services' timeout, seconds
SLACK = 1.5  # what a call may take beyond its deadline here (a bound, not a benchmark)
TRICKLE = 0.5  # seconds between the bytes a trickling server sends
CHUNK, CHUNKS = 65536, 1024  # an oversized answer: 64 MB


class _Misbehaving(BaseHTTPRequestHandler):
    """POST /MODE/actions/NAME misbehaves according to MODE; requests are counted."""

    hits: Counter[str] = Counter()
    sent: Counter[str] = Counter()  # body bytes written before the client hung up
    release = threading.Event()  # set when the test ends: hanging handlers return

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        mode = self.path.strip("/").split("/")[0]
        type(self).hits[mode] += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            getattr(self, f"_{mode}")(mode)
        except OSError:
            pass  # the client gave up on us

    def _head(self, length: int | None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _trickle_body(self, mode: str) -> None:
        body = json.dumps({"ok": True, "note": "a byte at a time"}).encode()
        self._head(len(body))
        self.wfile.flush()
        self._drip(body, mode)

    def _trickle_headers(self, mode: str) -> None:
        body = b'{"ok": true}'
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n"
        self._drip(head + body, mode)

    def _drip(self, data: bytes, mode: str) -> None:
        for byte in data:
            if self.release.wait(TRICKLE):
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            type(self).sent[mode] += 1

    def _hang(self, mode: str) -> None:
        self.release.wait(30)

    def _flaky(self, mode: str) -> None:
        if type(self).hits[mode] == 1:
            body = b'{"error": "busy"}'
            self.send_response(503)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self._hang(mode)

    def _pieces(self, mode: str) -> None:
        body = json.dumps({"ok": True, "pad": "x" * 2000}).encode()
        self._head(len(body))
        for start in range(0, len(body), 700):
            time.sleep(0.1)
            self.wfile.write(body[start : start + 700])
            self.wfile.flush()

    def _huge(self, mode: str) -> None:
        """An oversized answer that says how long it is."""
        self._stream(mode, declared=True)

    def _endless(self, mode: str) -> None:
        """An oversized answer that does not say how long it is (it ends when the socket closes)."""
        self._stream(mode, declared=False)

    def _stream(self, mode: str, *, declared: bool) -> None:
        chunk = b"x" * CHUNK
        self._head(CHUNK * CHUNKS + 11 if declared else None)
        self.wfile.write(b'{"pad": "')
        for _ in range(CHUNKS):
            self.wfile.write(chunk)
            type(self).sent[mode] += len(chunk)
        self.wfile.write(b'"}')

    def _fits(self, mode: str) -> None:
        body = json.dumps({"ok": True, "pad": "x" * (MAX_RESPONSE_BYTES - 100)}).encode()
        self._head(None)  # read to the end of the stream, still within the limit
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[str]:
    _Misbehaving.hits = Counter()
    _Misbehaving.sent = Counter()
    _Misbehaving.release = threading.Event()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    _Misbehaving.release.set()
    httpd.shutdown()
    httpd.server_close()


MODES = ("trickle_body", "trickle_headers", "hang", "flaky", "pieces", "huge", "endless", "fits")


def _manifest(mode: str, root: str) -> dict[str, Any]:
    return {
        "id": f"shop_{mode}",
        "name": f"Shop {mode.replace('_', ' ').title()}",
        "category": "test",
        "description": "A remote test service.",
        "base_url": f"{root}/{mode}",
        "timeout": DEADLINE,
        "actions": [
            {"name": "look", "description": "Look something up"},
            {"name": "buy", "description": "Buy something", "side_effects": True},
        ],
    }


@pytest.fixture
def remote(server: str, tmp_path: Path) -> Iterator[ServiceDirectory]:
    catalog = Catalog(strict=True)
    for mode in MODES:
        catalog.add(_manifest(mode, server), "test")
    directory = catalog.directory(data_dir=tmp_path, retries=2)
    yield directory
    directory.close()


def _timed_failure(
    directory: ServiceDirectory, service: str, action: str = "look"
) -> tuple[ServiceCallError, float]:
    started = time.monotonic()
    with pytest.raises(ServiceCallError) as caught:
        directory.call(service, action, {}, idempotency_key="k-1" if action == "buy" else None)
    assert caught.value.service == service
    return caught.value, time.monotonic() - started


@pytest.mark.parametrize("mode", ["trickle_body", "trickle_headers"])
def test_a_trickling_answer_is_cut_at_the_deadline(remote: ServiceDirectory, mode: str) -> None:
    error, elapsed = _timed_failure(remote, f"shop_{mode}")
    assert error.reason == "timeout"
    assert str(error) == f"Shop {mode.replace('_', ' ').title()} is taking too long to answer"
    assert DEADLINE - 0.1 < elapsed < DEADLINE + SLACK
    assert _Misbehaving.hits[mode] == 1  # the one try used the whole deadline: no retry


def test_a_service_that_never_answers_is_tried_within_one_deadline(
    remote: ServiceDirectory,
) -> None:
    error, elapsed = _timed_failure(remote, "shop_hang")
    assert error.reason == "timeout"
    assert elapsed < DEADLINE + SLACK  # three tries of a second each would take over 3 s
    assert _Misbehaving.hits["hang"] == 1


def test_a_retry_after_503_shares_the_deadline(remote: ServiceDirectory) -> None:
    error, elapsed = _timed_failure(remote, "shop_flaky")
    assert error.reason == "timeout"  # the 503 was retried, and the retry hung
    assert _Misbehaving.hits["flaky"] == 2
    assert elapsed < DEADLINE + SLACK


def test_an_order_that_hangs_is_given_up_at_the_deadline_and_not_recorded(
    remote: ServiceDirectory,
) -> None:
    error, elapsed = _timed_failure(remote, "shop_hang", "buy")
    assert error.reason == "timeout" and elapsed < DEADLINE + SLACK
    assert remote.store.recorded("k-1") is None


def test_an_answer_in_pieces_within_the_deadline_is_read(remote: ServiceDirectory) -> None:
    result = remote.call("shop_pieces", "look")
    assert result.data["ok"] is True and len(result.data["pad"]) == 2000


@pytest.mark.parametrize("mode", ["huge", "endless"])
def test_an_oversized_answer_is_refused_without_reading_it(
    remote: ServiceDirectory, mode: str
) -> None:
    error, elapsed = _timed_failure(remote, f"shop_{mode}")
    assert error.reason == "malformed"
    assert str(error) == f"Shop {mode.title()} sent an answer I could not read"
    assert str(MAX_RESPONSE_BYTES) in error.detail
    assert elapsed < DEADLINE + SLACK
    assert _Misbehaving.hits[mode] == 1  # refused, not retried
    time.sleep(0.2)  # let the server notice the closed connection
    assert _Misbehaving.sent[mode] < CHUNK * CHUNKS // 4  # the client stopped reading early


def test_an_answer_just_within_the_size_limit_is_read(remote: ServiceDirectory) -> None:
    result = remote.call("shop_fits", "look")
    assert len(result.data["pad"]) == MAX_RESPONSE_BYTES - 100


def _brew_bar_manifest(folder: Path, base_url: str) -> None:
    """A copy of the Starbucks manifest served elsewhere, dropped into the services folder."""
    starbucks = next(m for m, _ in bundled_services() if m.id == "starbucks")
    data = starbucks.model_dump(mode="json", exclude_none=True)
    data.update(
        id="brew_bar", name="Brew Bar", aliases=["brew bar"], base_url=base_url, timeout=DEADLINE
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "brew_bar.json").write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize("mode", ["hang", "trickle_body", "flaky", "endless"])
def test_the_apology_names_the_service_within_the_deadline(
    ting_assistant_factory: Any, server: str, tmp_path: Path, mode: str
) -> None:
    import ting_skills.coffee as coffee

    folder = tmp_path / "services"
    _brew_bar_manifest(folder, f"{server}/{mode}")
    assistant = ting_assistant_factory(
        coffee,
        config={"coffee": {"default_shop": "brew bar"}},
        settings={"services": {"manifests": str(folder), "retries": 2}},
    )
    assert assistant.services.get("brew_bar").remote
    session = assistant.new_session()
    started = time.monotonic()
    turn = assistant.handle("get me a small americano", session)
    elapsed = time.monotonic() - started
    slow = "Sorry, Brew Bar is taking too long to answer."
    expected, tries = {
        "hang": (slow, 1),
        "trickle_body": (slow, 1),
        "flaky": (slow, 2),  # the 503 is retried once; the retry hangs to the deadline
        "endless": ("Sorry, Brew Bar sent an answer I could not read.", 1),
    }[mode]
    assert turn.reply == expected
    assert (turn.service, turn.action) == ("brew_bar", "quote_drink")
    assert elapsed < DEADLINE + SLACK
    assert _Misbehaving.hits[mode] == tries
